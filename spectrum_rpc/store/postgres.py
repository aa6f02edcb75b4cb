"""The PostgreSQL database: a connection pool, migrations under an advisory lock, group commit.

Same interface as `database.Database` (statements are `(sql, params)` with `?` placeholders,
translated here to `$1, $2, ...`), so the repositories run unchanged on both. Writes from the
whole process queue up and commit together in shared transactions, as on SQLite; with the
default `synchronous_commit = on` a write is acknowledged only once PostgreSQL has flushed it.
A commit waits for a WAL flush (milliseconds, where SQLite's takes a fraction of one), so a few
committers run at once, each taking whatever queued up while the others committed: PostgreSQL
flushes their commits together. A caller's writes still commit in the order it awaits them.

Each process also keeps one control connection of its own, outside the pool. It holds the
process's liveness lock (webhook claims carry its number: see `webhooks`), and it LISTENs for
the changes other processes announce (see `changes`). PostgreSQL ends it, and so frees the
lock, when the process dies, and also when the process stops answering without closing its
connection (a frozen process, a host gone without a FIN): the session is opened with
`idle_session_timeout = liveness_timeout`, and a heartbeat queries it four times as often. Every
connection also asks the server for TCP keepalives (`tcp_keepalives_*`), so a vanished host's
pooled connections, and the row locks of its open transactions, go within seconds too; and it
probes the server with keepalives of its own (`keepalive`: the URL's `keepalives_*`, 30 s idle,
then every 10 s, 3 probes), so the idle connections to a vanished server go in a minute, not
when a statement sent on one reaches its command timeout. A lost
control connection is made again, under a new liveness number, and every listener hears
`EVERYTHING` (notifications may have been missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from itertools import groupby
from typing import Any

import asyncpg

from . import changes, keepalive
from .database import GroupCommits, Pending, Statement, StoreOpenError
from .schema import POSTGRES_MIGRATIONS

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
COMMITTERS = 4  # transactions in flight at once per process (at most pool_size - 2)
# The key of the advisory lock held while migrating (any constant; "spectrum" in ASCII).
MIGRATION_LOCK = 0x7370656374727560
# Server-side TCP keepalives (ignored on Unix sockets): a peer gone without a FIN is noticed
# after idle + interval * count = 11 s instead of the kernel's two hours.
KEEPALIVES = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
              "tcp_keepalives_count": "3"}
# Seconds a new connection may take: a server out of reach answers requests with
# StoreUnavailable after this long, not after asyncpg's default of a minute.
CONNECT_TIMEOUT = 10
# Failures that mean the server is out of reach, not that a statement is wrong: the connection
# lost or refused (08xxx), the server shutting down, crashed or starting up (57P01-57P03), no
# connection slot free (53300). OSError covers a refused or timed-out connect, but not the
# TimeoutError (an OSError since Python 3.11) of a statement past COMMAND_TIMEOUT: see
# `unreachable`.
UNREACHABLE = (asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError,
               asyncpg.CrashShutdownError, asyncpg.CannotConnectNowError,
               asyncpg.TooManyConnectionsError, OSError)
# Seconds a statement may run before asyncpg gives up on it with TimeoutError.
COMMAND_TIMEOUT = 60.0
# asyncpg's InterfaceError for a query on a connection that was closed under it: only these
# (its other InterfaceErrors are mistakes of the caller's).
_CLOSED = "connection is closed"
_PLACEHOLDER = re.compile(r"\?")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")

Row = tuple[Any, ...]


def is_url(path: object) -> bool:
    """Return whether a store location is a PostgreSQL URL (else it is a SQLite file)."""
    return str(path).startswith(SCHEMES)


def mask(url: str) -> str:
    """Return the URL with its password (if any) replaced by `***`, fit to log or show."""
    return _PASSWORD.sub(r"\1***@", url)


class ConnectTimeout(ConnectionError):
    """No connection to the server within CONNECT_TIMEOUT: it is out of reach (unlike a
    statement's TimeoutError, which may wait on a lock or a slow server)."""


def unreachable(exc: BaseException) -> bool:
    """Return whether a failure means the server is out of reach, not that a statement failed.

    A TimeoutError from a timer (no errno: asyncpg's command timeout) is a statement that took
    too long, a lock waited on say: the server answers, and that write alone fails. Timeouts
    while connecting are raised as ConnectTimeout (see `PostgresDatabase._acquire`); the
    kernel's (ETIMEDOUT, an errno) are the network's.
    """
    if isinstance(exc, asyncpg.InterfaceError):
        return str(exc).endswith(_CLOSED)
    if isinstance(exc, TimeoutError) and exc.errno is None:
        return False
    return isinstance(exc, UNREACHABLE)


def translate(sql: str) -> str:
    """Return the statement with `?` placeholders numbered as PostgreSQL wants them."""
    numbers = iter(range(1, 1 << 16))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


class PostgresDatabase(GroupCommits):
    """Own a pool of PostgreSQL connections; batch concurrent writes into shared transactions."""

    dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 10, max_batch: int = 2000,
                 liveness_timeout: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 command_timeout: float = COMMAND_TIMEOUT):
        self.url = url
        self.command_timeout = command_timeout
        self.liveness_timeout = liveness_timeout
        self.path = mask(url)  # what messages and logs show
        # Three at least: a named lock (Store.exclusive, e.g. callback webhooks) holds one
        # connection while its block needs another, and a retrain's lock may hold a third; at
        # two, those could wait on each other for ever.
        self.pool_size = max(3, pool_size)
        self.max_batch = max_batch
        self._pool: asyncpg.Pool | None = None
        # What asyncpg is given: the URL without its keepalive parameters, which a connection
        # of this class sets on its socket instead (see `keepalive`); both made by `open`.
        self._dsn = url
        self._connection_class: type[asyncpg.Connection] = asyncpg.Connection
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.committers = max(1, min(COMMITTERS, self.pool_size - 2))
        self._sql: dict[str, str] = {}
        # This process's liveness lock: held on a connection of its own while the store is
        # open, and so released by PostgreSQL the moment the process dies. Claims carry it, so
        # other processes take a dead one's claims over at once instead of after the lease.
        self.owner = 0  # a new one at each (re)connection of the control connection
        self._control: asyncpg.Connection | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._listeners: list[changes.Listener] = []
        self.reconnects = 0
        self._locks: dict[int, asyncpg.Connection] = {}  # advisory locks held, by key
        super().__init__(clock)

    async def open(self) -> None:
        """Connect, apply pending migrations (one process at a time) and start the commit loop."""
        try:
            dsn, kept_alive = keepalive.split(self.url)
            self._dsn, self._connection_class = dsn, keepalive.connection_class(kept_alive)
            self._pool = await asyncpg.create_pool(
                # min_size 0: at 1, asyncpg keeps reconnecting a lost connection in the
                # background while the server is away, logging a traceback each time.
                dsn, min_size=0, max_size=self.pool_size,
                command_timeout=self.command_timeout, connection_class=self._connection_class,
                server_settings=KEEPALIVES, timeout=CONNECT_TIMEOUT,
            )
        except (OSError, asyncpg.PostgresError, ValueError) as exc:
            raise StoreOpenError(f"cannot open the database {self.path}: {_one_line(exc)}") from exc
        try:
            await self._migrate()  # the first connection (the pool makes none before)
            await self._connect_control()
        except BaseException as exc:
            await self._pool.close()
            self._pool = None
            if isinstance(exc, (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)):
                raise StoreOpenError(f"cannot open the database {self.path}: "
                                     f"{_one_line(exc)}") from exc
            raise
        self._heartbeat = asyncio.create_task(self._keep_control(), name="store-control")
        self._tasks = [
            asyncio.create_task(self._commit_loop(), name=f"store-group-commit-{i}")
            for i in range(self.committers)
        ]

    async def close(self) -> None:
        """Flush every pending write, then close the pool."""
        if self._tasks:
            await self._queue.join()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []
        if self._pool is not None:
            for conn in self._locks.values():  # the pool waits for them: give them back
                await self._pool.release(conn)  # (which drops their locks)
            self._locks.clear()
            await self._pool.close()
            self._pool = None
        await self._close_control()

    # -- the control connection: liveness lock, heartbeat, LISTEN ---------------------------

    def listen(self, listener: changes.Listener) -> Callable[[], None]:
        """Call `listener(topic, detail)` for each change announced by any process; return
        the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def _connect_control(self) -> None:
        timeout_ms = str(max(1000, int(self.liveness_timeout * 1000)))
        conn = await asyncpg.connect(
            self._dsn, command_timeout=60, timeout=CONNECT_TIMEOUT,
            connection_class=self._connection_class,
            server_settings={**KEEPALIVES, "idle_session_timeout": timeout_ms,
                             "application_name": "spectrum-rpc control"},
        )  # fmt: skip
        try:
            owner = secrets.randbits(62) + 1
            await conn.execute("SELECT pg_advisory_lock($1)", owner)
            await conn.add_listener(changes.CHANNEL, self._notified)
        except BaseException:
            await conn.close()
            raise
        self._control, self.owner = conn, owner

    async def _close_control(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        if self._control is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._control.close(), 5)
            self._control.terminate()  # closes the socket if close() could not
            self._control = None

    async def _keep_control(self) -> None:
        """Query the control connection often enough to stay under idle_session_timeout;
        make it again when it is lost."""
        beat = self.liveness_timeout / 4
        while True:
            await asyncio.sleep(beat)
            try:
                assert self._control is not None
                async with asyncio.timeout(beat * 2):
                    await self._control.execute("SELECT 1")
                continue
            except (TimeoutError, AssertionError, OSError, asyncpg.PostgresError,
                    asyncpg.InterfaceError) as exc:  # fmt: skip
                log.warning("store control connection lost (%s); connecting again",
                            _one_line(exc))  # fmt: skip
            await self._reconnect_control(beat)

    async def _reconnect_control(self, wait: float) -> None:
        if self._control is not None:
            self._control.terminate()
            self._control = None
        while True:
            try:
                await self._connect_control()
                break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # Every `wait` seconds while the server is away: logged once a minute at most.
                self._down(exc, "store control connection")
                await asyncio.sleep(wait)
        self._reached()
        self.reconnects += 1
        self._dispatch(changes.EVERYTHING, "")  # what was announced meanwhile is unheard

    def _notified(self, conn: object, pid: int, channel: str, payload: str) -> None:
        self._dispatch(*changes.parse(payload))

    def _dispatch(self, topic: str, detail: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(topic, detail)
            except Exception:
                log.exception("a store change listener failed on %s:%s", topic, detail)

    async def _migrate(self) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            # Several processes may start at once: one migrates, the others wait and then
            # find nothing left to do.
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
                )
                version = await conn.fetchval("SELECT MAX(version) FROM schema_version") or 0
                if version > len(POSTGRES_MIGRATIONS):
                    raise StoreOpenError(
                        f"database {self.path} has schema version {version}, newer than this "
                        f"program's {len(POSTGRES_MIGRATIONS)}: upgrade spectrum-rpc"
                    )
                for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
                    async with conn.transaction():
                        await conn.execute(script)
                        await conn.execute("INSERT INTO schema_version VALUES ($1)", number)
                    log.info("store migrated to schema version %d", number)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    def _translated(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = translate(sql)
        return found

    # -- writes ---------------------------------------------------------------------------

    @property
    def committing(self) -> bool:
        """Whether the commit loop runs (open, and not stopped by a failure)."""
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    def _disk_full(self, exc: BaseException) -> bool:
        return isinstance(exc, asyncpg.DiskFullError) or super()._disk_full(exc)

    def _unreachable(self, exc: BaseException) -> bool:
        return unreachable(exc) and not self._disk_full(exc)

    async def _acquire(self) -> asyncpg.Connection:
        """Return a pooled connection (made now if none is free); a timeout here is the
        connect's, raised as ConnectTimeout."""
        assert self._pool is not None
        try:
            return await self._pool.acquire()
        except TimeoutError as exc:
            raise ConnectTimeout(f"no connection within {CONNECT_TIMEOUT} s") from exc

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        assert self._pool is not None
        conn = await self._acquire()
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    async def _commit_group(self, group: list[Pending]) -> None:
        started = time.perf_counter()
        try:
            await self._run(s for statements, _ in group for s in statements)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, ValueError,
                TypeError) as exc:  # fmt: skip
            if len(group) == 1 or self._unreachable(exc):  # each alone would fail the same
                for _, future in group:
                    self._refuse(future, exc)
                return
            # One bad write (or a deadlock with another process) must not fail its
            # neighbours: retry each on its own.
            for item in group:
                await self._commit_group([item])
            return
        self._committed(group, time.perf_counter() - started)

    async def _run(self, statements: Iterable[Statement]) -> None:
        async with self._connection() as conn, conn.transaction():
            for sql, run in groupby(statements, key=lambda s: s[0]):
                params = [tuple(p) for _, p in run]
                if len(params) == 1:
                    await conn.execute(self._translated(sql), *params[0])
                else:
                    await conn.executemany(self._translated(sql), params)

    # -- reads ----------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read query on a pooled connection (sees every committed write)."""
        try:
            async with self._connection() as conn:
                rows = await conn.fetch(self._translated(sql), *params)
        except asyncpg.DiskFullError as exc:  # a read that writes (UPDATE ... RETURNING)
            raise self._classified(exc) from exc
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            if self._unreachable(exc):
                raise self._down(exc) from exc
            raise
        if self._said_down:
            self._reached()
        return [tuple(r) for r in rows]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a read query and return its first row, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def ping(self) -> bool:
        """Return whether the server answers and writes can be committed."""
        if not self.committing or self._pool is None:
            return False
        try:
            async with asyncio.timeout(2):
                await self._pool.fetchval("SELECT 1")
        except Exception:
            return False
        return True

    async def try_lock(self, key: int) -> bool:
        """Take a session advisory lock on a connection of its own; False if anyone holds it.

        The lock lasts until `unlock`, the store's close, or this process's death (its
        connection closes).
        """
        assert self._pool is not None
        if key in self._locks:
            return False
        async with self._reaching():
            conn = await self._acquire()
        try:
            async with self._reaching():
                taken = await conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
        except BaseException:
            await self._pool.release(conn)
            raise
        if taken:
            self._locks[key] = conn
            return True
        await self._pool.release(conn)
        return False

    @contextlib.asynccontextmanager
    async def locked(self, key: int) -> AsyncIterator[None]:
        """Hold a session advisory lock for a block, waiting for it if another process has it."""
        assert self._pool is not None
        async with self._reaching():
            conn = await self._acquire()
        try:
            async with self._reaching():
                await conn.execute("SELECT pg_advisory_lock($1)", key)
        except BaseException:
            await self._pool.release(conn)
            raise
        try:
            try:
                yield
            finally:
                async with self._reaching():
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)
        finally:
            await self._pool.release(conn)

    @contextlib.asynccontextmanager
    async def _reaching(self) -> AsyncIterator[None]:
        """Raise a failure to reach the server as StoreUnavailable (counted, logged once a
        minute); let others through."""
        try:
            yield
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            if self._unreachable(exc):
                raise self._down(exc) from exc
            raise

    async def unlock(self, key: int) -> None:
        """Release a lock taken by `try_lock` (if held) and give its connection back."""
        conn = self._locks.pop(key, None)
        if conn is None or self._pool is None:
            return
        try:
            async with self._reaching():
                await conn.execute("SELECT pg_advisory_unlock($1)", key)
        finally:
            await self._pool.release(conn)


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return mask(text)
