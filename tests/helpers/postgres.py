"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a temporary directory.

`postgres_server` (session scope) starts one server listening on a Unix socket in its own
temporary directory, and stops it at the end; `postgres_url` (per test) creates a fresh,
empty database on it and returns its URL. Where no server can be started (no initdb, or root
without an unprivileged account to run it as), the tests that need one are skipped and say why.

initdb refuses to run as root, so as root (CI) the server runs as the `postgres` account
Debian's package creates (`runuser -u postgres --`), in a directory owned by that account.
Debian keeps the binaries in /usr/lib/postgresql/NN/bin, off PATH: they are looked up there too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import itertools
import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "postgres"
DATABASE_USER = "spectrum"
_counter = itertools.count()


@dataclass
class PostgresServer:
    """A running server: its socket directory, and how to reach its databases."""

    root: Path
    socket_dir: Path
    port: int
    bin_dir: Path
    run_as: list[str]

    def url(self, database: str) -> str:
        """Return the URL of a database on this server (Unix socket, no password)."""
        return f"postgresql://{DATABASE_USER}@/{database}?host={self.socket_dir}&port={self.port}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL through psql as the server's superuser; return its output."""
        done = subprocess.run(
            [*self.run_as, str(self.bin_dir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.socket_dir), "-p", str(self.port), "-d", database, "-c", sql],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def create_database(self) -> str:
        """Create a fresh, empty database owned by the tests' user; return its URL."""
        name = f"t{os.getpid()}_{next(_counter)}"
        self.psql(f"CREATE DATABASE {name} OWNER {DATABASE_USER}")
        return self.url(name)

    def database_for_one_test(self) -> str:
        """`create_database`, dropped once the running test is torn down (a fixture of wider
        scope that needs a database calls `create_database`)."""
        url = self.create_database()
        _made.append((self, url.split("?", 1)[0].rsplit("/", 1)[1]))
        return url


# The databases the running test made: each holds 7.5 MB and a run makes a few hundred, so
# they are dropped once the test and all its fixtures are torn down (an app or a server
# process may use one until its own fixture ends, whatever order the fixtures were asked in).
_made: list[tuple[PostgresServer, str]] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        while _made:
            server, name = _made.pop()
            if not (server.root / "data").is_dir():
                continue  # the server stopped (the session's end): its directory went with it
            # FORCE: a connection a test leaked must not keep the database.
            server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def find_bin_dir() -> Path | None:
    """Return the folder holding initdb and pg_ctl: PATH first, then Debian's versioned folders."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _run_as() -> list[str] | str:
    """Return the command prefix that runs the server unprivileged, or why there is none."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(ACCOUNT)
    except KeyError:
        return f"running as root and there is no {ACCOUNT!r} account to run PostgreSQL as"
    runuser = shutil.which("runuser")
    if runuser is None:
        return "running as root and runuser is missing"
    return [runuser, "-u", ACCOUNT, "--"]


def start(port: int) -> PostgresServer | str:
    """Start a server in a new temporary directory; return it, or why it cannot start."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return "initdb is not installed (Debian: apt-get install postgresql)"
    run_as = _run_as()
    if isinstance(run_as, str):
        return run_as
    root = Path(tempfile.mkdtemp(prefix="spectrum-pg-"))
    if run_as:
        account = pwd.getpwnam(ACCOUNT)
        os.chown(root, account.pw_uid, account.pw_gid)
    data, sockets = root / "data", root
    server = PostgresServer(root, sockets, port, bin_dir, run_as)
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", ACCOUNT,
         "--no-sync", "-E", "UTF8", "--locale=C"],
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
         "-t", "60", "-o", f"-k {sockets} -p {port} -c listen_addresses='' "
         "-c max_connections=200 -c fsync=on -c max_wal_size=128MB -c min_wal_size=32MB", "start"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True, timeout=120,
                              check=False, cwd=root)  # fmt: skip
        if done.returncode:
            log = root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            return f"{Path(step[0]).name} failed: {done.stderr.strip()[-500:]} {tail}"
    server.psql(f"CREATE ROLE {DATABASE_USER} LOGIN CREATEDB")
    return server


def stop(server: PostgresServer) -> None:
    """Stop the server immediately and remove its directory."""
    subprocess.run(
        [*server.run_as, str(server.bin_dir / "pg_ctl"), "-D", str(server.root / "data"),
         "-m", "immediate", "-w", "stop"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    shutil.rmtree(server.root, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run (skips the test when none can be started)."""
    server = start(_free_port())
    if isinstance(server, str):
        pytest.skip(f"no PostgreSQL server for the tests: {server}")
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on the tests' server (dropped after the test)."""
    return postgres_server.database_for_one_test()


@dataclass
class Backend:
    """One store backend for parametrised tests: where it lives, and its driver's errors."""

    name: str
    location: str
    integrity_error: type[Exception]
    missing_table_error: type[Exception]

    def committed(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Query the store through a connection of its own (sees only committed rows)."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.location)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        return query(self.location, sql, *params)


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one query on a PostgreSQL database from synchronous code (`?` placeholders)."""
    import asyncpg

    from spectrum_rpc.store.postgres import translate

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(translate(sql), *params)]
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # works inside a running loop too
        return pool.submit(asyncio.run, run()).result()


def backend_for(request: pytest.FixtureRequest, db_path: Path) -> Backend:
    """Return the backend a parametrised fixture names ("sqlite" or "postgresql")."""
    if request.param == "sqlite":
        return Backend("sqlite", str(db_path), sqlite3.IntegrityError, sqlite3.OperationalError)
    import asyncpg

    server = request.getfixturevalue("postgres_server")
    return Backend("postgresql", server.database_for_one_test(),
                   asyncpg.IntegrityConstraintViolationError, asyncpg.UndefinedTableError)
