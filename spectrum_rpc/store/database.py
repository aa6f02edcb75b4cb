"""The SQLite connection pair (one writer, one reader), migrations and group commit."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import aiosqlite

from ..log_limits import Throttle
from .schema import MIGRATIONS

log = logging.getLogger(__name__)

Statement = tuple[str, Sequence[Any]]
Pending = tuple[list[Statement], "asyncio.Future[None]"]


class StoreClosed(RuntimeError):
    """A write was attempted on a store that is closed (or whose commit loop has stopped)."""


class StoreRefused(RuntimeError):
    """The store could not serve a request for a cause that passes by itself (a full disk, a
    database out of reach); the store has logged it, once a minute at most. Each kind's
    answer (and its Retry-After) is worded by the API layer."""


class StoreFull(StoreRefused):
    """A write was not stored: the disk holding the store is full. Nothing of it was
    committed; the same write can succeed once space is freed (the store keeps running)."""


class StoreUnavailable(StoreRefused):
    """The database cannot be reached (down, restarting, the connection lost, no connection
    slot free): the read or write was not done, or, for a write cut off while committing, its
    outcome is unknown; it was not acknowledged. The store reconnects by itself."""


class StoreOpenError(RuntimeError):
    """The database cannot be opened (not a SQLite file, a directory, unreadable, too new).

    The message is one line, fit to show as it is.
    """


class GroupCommits:
    """Both backends' group commit: writers queue their statements, a commit loop takes what
    queued up into one transaction (`_commit_group`, each backend's own) and settles each
    writer; and what both count of it (the metrics read it at scrape time)."""

    path: object
    max_batch: int
    _queue: asyncio.Queue[Pending]

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.commits = 0
        self.refused_disk_full = 0  # writes failed by a full disk (see _refuse)
        # The refusal line once a minute at most, and the first refusal after a "committed
        # again" line whenever it comes (the log's last word is then the disk's state); "committed
        # again" once after each refusal line, once a minute at most: one such pair a minute.
        self._full_log = Throttle(clock=clock)
        self._room_log = Throttle(clock=clock)
        self._said_full = False  # the log said writes are refused, not yet that they commit
        self._said_room = False  # ... and then that they commit, not yet refused again
        self.unavailable = 0  # reads and writes failed: the database is out of reach
        self._down_log = Throttle(clock=clock)  # "unavailable": once a minute at most
        self._said_down = False  # the log said it is out of reach, not yet that it is back
        self.writes_committed = 0  # write() calls: several share one commit
        self.statements_committed = 0
        self.commit_seconds = 0.0
        # For monitoring: commits by the bit_length() of their group size (writers sharing the
        # transaction) and of their duration in microseconds (power-of-two buckets).
        self.group_sizes: Counter[int] = Counter()
        self.commit_micros: Counter[int] = Counter()

    @property
    def committing(self) -> bool:
        """Whether a commit loop runs (each backend says how it knows)."""
        raise NotImplementedError

    async def _commit_group(self, group: list[Pending]) -> None:
        raise NotImplementedError

    async def write(self, statements: list[Statement]) -> None:
        """Run statements in one transaction shared with concurrent writers; return once durable."""
        if not self.committing:  # nobody would ever commit it
            raise StoreClosed(f"the store {self.path} is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((statements, future))
        await future

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write statement durably."""
        await self.write([(sql, params)])

    async def _commit_loop(self) -> None:
        while True:
            first = await self._queue.get()
            group = [first]
            # Whatever queued up while the previous commit ran shares this one.
            while len(group) < self.max_batch and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                await self._commit_group(group)
            except Exception as exc:  # e.g. the rollback failed too: fail these, keep going
                log.exception("store write of %d statement groups failed", len(group))
                for _, future in group:
                    _settle(future, exc)
            finally:
                for _ in group:
                    self._queue.task_done()

    def _disk_full(self, exc: BaseException) -> bool:
        """Whether a failed write failed because the disk is full (each backend adds its own
        error for it)."""
        return isinstance(exc, OSError) and exc.errno == errno.ENOSPC

    def _refuse(self, future: asyncio.Future[None], exc: Exception) -> None:
        """Fail one writer; a full disk as StoreFull (see `_classified`)."""
        _settle(future, self._classified(exc))

    def _unreachable(self, exc: BaseException) -> bool:
        """Whether a read or write failed because the database is out of reach (only a
        database behind a network has such failures: see PostgresDatabase)."""
        return False

    def _classified(self, exc: Exception) -> Exception:
        """Return `exc`, or StoreFull for a full disk, logged once per minute at most (every
        request that writes fails while it lasts), and always right after a line saying writes
        commit again (a group may mix a refused write with ones that fit); the first commit
        after a logged refusal says, once, that writes commit again (see `_committed`), once a
        minute at most. A database out of reach is
        StoreUnavailable (see `_down`)."""
        if self._unreachable(exc):
            return self._down(exc)
        if not self._disk_full(exc):
            return exc
        self.refused_disk_full += 1
        if self._said_room:
            held: int | None = self._full_log.force("disk full")
        else:
            held = self._full_log.allow("disk full")
        if held is not None:
            more = f" ({held} more since the last such line)" if held else ""
            # One line: PostgreSQL's message goes on with a HINT line ("Check free disk space").
            said = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("store write refused: the disk holding %s is full (%s)%s",
                      self.path, said, more)
            self._said_full, self._said_room = True, False
        full = StoreFull(f"the disk holding the store {self.path} is full: nothing was stored")
        full.__cause__ = exc
        return full

    def _down(self, exc: BaseException, what: str = "store") -> StoreUnavailable:
        """Count a failure to reach the database and return it as StoreUnavailable; log it
        in one line (no traceback), once a minute at most, with how many were not logged."""
        self.unavailable += 1
        held = self._down_log.allow("unavailable")
        if held is not None:
            more = f" ({held} more since the last such line)" if held else ""
            log.error("%s unavailable: cannot reach the database %s (%s: %s)%s", what,
                      self.path, type(exc).__name__, _first_line(exc), more)
            self._said_down = True
        down = StoreUnavailable(f"the database {self.path} is unavailable")
        down.__cause__ = exc
        return down

    def _reached(self) -> None:
        """Say, once, that the database answers again (after a logged "unavailable" line)."""
        if self._said_down:
            self._said_down = False
            log.warning("store reachable again: the database %s answers", self.path)

    def _committed(self, group: list[Pending], elapsed: float) -> None:
        """Count a committed group and answer each of its writers."""
        self.commits += 1
        self.writes_committed += len(group)
        self.statements_committed += sum(len(s) for s, _ in group)
        self.commit_seconds += elapsed
        self.group_sizes[len(group).bit_length()] += 1
        self.commit_micros[int(elapsed * 1e6).bit_length()] += 1
        # Once, on the first commit since the refusal line (however soon, unless that would
        # make two such lines in a minute: see `_room_log`).
        if self._said_full and self._room_log.allow("room") is not None:
            self._said_full, self._said_room = False, True
            log.warning("store writes are committed again: the disk holding %s has room",
                        self.path)
        self._reached()
        for _, future in group:
            _settle(future)


class Database(GroupCommits):
    """Own the SQLite connections; batch concurrent writes into shared transactions.

    Every write waits until the transaction holding it is committed, so an acknowledged
    write survives a crash; many writers share one fsync (group commit).
    """

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", max_batch: int = 2000,
                 clock: Callable[[], float] = time.monotonic):
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self.max_batch = max_batch
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        super().__init__(clock)

    async def open(self) -> None:
        """Open the connections, apply pending migrations and start the commit loop."""
        # aiosqlite logs every statement with its parameters at DEBUG: that is user text.
        quiet = logging.getLogger("aiosqlite")
        quiet.setLevel(max(logging.INFO, quiet.level))
        if str(self.path) != ":memory:":
            if self.path.is_dir():
                raise StoreOpenError(f"{self.path} is a directory, not a database file")
            create_private(self.path)
        try:
            self._writer = await self._connect()
            await self._migrate(self._writer)
            self._reader = await self._connect()
        except BaseException as exc:
            # An open connection is a thread that keeps the process alive: close them all,
            # or a failed start hangs at exit (and ignores SIGINT/SIGTERM while it waits).
            await self._close_connections()
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreOpenError(_why(self.path, exc)) from exc
            raise
        self._task = asyncio.create_task(self._commit_loop(), name="store-group-commit")

    async def close(self) -> None:
        """Flush every pending write, then close the connections."""
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, timeout=30)
        try:
            conn.row_factory = aiosqlite.Row
            # The first statement that reads the file: a file that is not a database fails here.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute(f"PRAGMA synchronous={self.synchronous}")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=30000")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        if version > len(MIGRATIONS):
            raise StoreOpenError(
                f"database {self.path} has schema version {version}, newer than this "
                f"program's {len(MIGRATIONS)}: upgrade spectrum-rpc"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # executescript commits first; the version bump rides in the same script.
            await conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
            log.info("store migrated to schema version %d", number)

    # -- writes ---------------------------------------------------------------------------

    def _disk_full(self, exc: BaseException) -> bool:
        return (getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"
                or super()._disk_full(exc))

    @property
    def committing(self) -> bool:
        """Whether the commit loop runs (open, and not stopped by a failure)."""
        return self._task is not None and not self._task.done()

    async def _commit_group(self, group: list[Pending]) -> None:
        assert self._writer is not None
        started = time.perf_counter()
        try:
            await self._run(s for statements, _ in group for s in statements)
        except Exception as exc:
            await self._writer.rollback()
            if len(group) == 1:
                self._refuse(group[0][1], exc)
                return
            # One bad write must not fail its neighbours (and a small one may still fit on a
            # full disk where the whole group does not): retry each on its own.
            for item in group:
                await self._commit_group([item])
            return
        self._committed(group, time.perf_counter() - started)

    async def _run(self, statements: Iterable[Statement]) -> None:
        assert self._writer is not None
        # Consecutive statements with the same SQL go through one executemany call.
        for sql, run in groupby(statements, key=lambda s: s[0]):
            await self._writer.executemany(sql, [params for _, params in run])
        await self._writer.commit()

    # -- reads ----------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read query on the reader connection (sees every write committed before it).

        The query runs to its end in one call on the connection's thread. Run as execute,
        then fetch, a query stayed open between the two while other tasks' queries ran on the
        connection, and they all read its snapshot: a write committed after it began was
        missed (set_limits applied the key's old limits, and a quota of 1 let a second
        request through)."""
        assert self._reader is not None
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """Run a read query and return its first row, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def ping(self) -> bool:
        """Return whether the database file can be read and writes can be committed."""
        if not self.committing:
            return False
        try:
            async with asyncio.timeout(2):
                # Reads the file's first page: a bare `SELECT 1` never touches the file, and
                # answered "ready" over a database that every request failed on.
                await self.fetchone("SELECT 1 FROM sqlite_master LIMIT 1")
        except Exception:
            return False
        return True


def create_private(path: Path) -> None:
    """Create the missing folders (0700) and the database file (0600), readable by the owner only.

    SQLite gives the -wal and -shm files the database file's permissions; an existing file or
    folder is left as it is.
    """
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _why(path: Path, exc: sqlite3.DatabaseError) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return f"{path} is not a SQLite database"
    # Opening makes the write-ahead log's index (-shm) when a clean stop removed it: on a full
    # disk that fails as an I/O error, which would read like a failing drive.
    if name in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE") or (name.startswith("SQLITE_IOERR")
                                                           and _no_room(path)):
        return f"cannot open the database {path}: the disk holding it is full ({exc})"
    return f"cannot open the database {path}: {exc}"


# Less free space than this where a database failed to open: what failed was most likely the
# write-ahead log's index (32 KB) or a page, for want of room.
_ROOM = 64 << 10


def _no_room(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < _ROOM
    except OSError:
        return False


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else "no message"


def _settle(future: asyncio.Future[None], exc: BaseException | None = None) -> None:
    if future.done():
        return
    if exc is None:
        future.set_result(None)
    else:
        future.set_exception(exc)


def now() -> float:
    """Return the current time as a UNIX timestamp (one place, so tests can control it)."""
    return time.time()
