"""Client-side TCP keepalives: every connection the store makes to PostgreSQL over TCP (the
pool's and the control connection) has them on its socket, as the URL's libpq-style
`keepalives*` parameters ask or by default; the parameters never reach the server.

The tests' PostgreSQL listens on a Unix socket only (keepalives are TCP's): the store reaches
it over real TCP through a relay that copies bytes to that socket (tests/helpers/relay.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import asyncpg
import pytest

from spectrum_rpc.store import PostgresDatabase, StoreOpenError
from spectrum_rpc.store.keepalive import Keepalive, connection_class, split
from tests.helpers.postgres import PostgresServer, query
from tests.helpers.relay import Relay

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_KEEPIDLE"),
                                reason="TCP_KEEPIDLE is Linux's: the values cannot be read back")


@pytest.fixture
async def tcp_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh database's URL on 127.0.0.1, relayed to the tests' server."""
    async with Relay(postgres_server) as relay:
        yield relay.url(postgres_server.database_for_one_test())


def read_back(conn: asyncpg.Connection) -> Keepalive | None:
    """Return the keepalives on a connection's socket (None: none)."""
    sock = conn._transport.get_extra_info("socket")
    assert sock.family == socket.AF_INET  # over TCP, really
    if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE):
        return None
    tcp = socket.IPPROTO_TCP
    return Keepalive(idle=sock.getsockopt(tcp, socket.TCP_KEEPIDLE),
                     interval=sock.getsockopt(tcp, socket.TCP_KEEPINTVL),
                     count=sock.getsockopt(tcp, socket.TCP_KEEPCNT))


async def pooled(db: PostgresDatabase, count: int) -> list[Keepalive | None]:
    """Hold `count` of the pool's connections at once (so that each is its own socket) and
    return their keepalives."""
    assert db._pool is not None
    held = [await db._pool.acquire() for _ in range(count)]
    try:
        assert len({id(c._transport) for c in held}) == count
        return [read_back(c) for c in held]
    finally:
        for conn in held:
            await db._pool.release(conn)


async def test_every_connection_probes_the_server_by_default(tcp_url):
    db = PostgresDatabase(tcp_url)
    await db.open()
    try:
        await db.execute("CREATE TABLE t (v INTEGER)")  # the group commit's connection
        await db.execute("INSERT INTO t VALUES (?)", (1,))
        assert await db.fetchall("SELECT v FROM t") == [(1,)]
        default = Keepalive(idle=30, interval=10, count=3)
        assert await pooled(db, 3) == [default] * 3
        assert db._control is not None and read_back(db._control) == default
    finally:
        await db.close()


async def test_the_urls_libpq_parameters_set_them_and_never_reach_the_server(tcp_url):
    db = PostgresDatabase(f"{tcp_url}?keepalives_idle=7&keepalives_interval=2"
                          "&keepalives_count=5&application_name=kept")
    await db.open()
    try:
        # The server was asked for no setting named so (it would have refused to connect),
        # and still gets the URL's other parameters.
        assert await db.fetchall("SELECT current_setting('application_name')") == [("kept",)]
        assert await pooled(db, 2) == [Keepalive(idle=7, interval=2, count=5)] * 2
        assert db._control is not None
        assert read_back(db._control) == Keepalive(idle=7, interval=2, count=5)
    finally:
        await db.close()


async def test_keepalives_0_turns_them_off(tcp_url):
    db = PostgresDatabase(f"{tcp_url}?keepalives=0")
    await db.open()
    try:
        assert await pooled(db, 1) == [None]
        assert db._control is not None and read_back(db._control) is None
    finally:
        await db.close()


@pytest.mark.parametrize(("query", "refusal"), [
    ("keepalives_count=x", "keepalives_count must be a whole number from 0 to 127, not 'x'"),
    ("keepalives=on", "keepalives must be a whole number, not 'on'"),
    ("keepalives_interval=40000",
     "keepalives_interval must be a whole number from 0 to 32767, not '40000'"),
    ("keepalives_idle=-5", "keepalives_idle must be a whole number from 0 to 32767, not '-5'"),
    ("keepalives_count=200", "keepalives_count must be a whole number from 0 to 127, not '200'"),
])
async def test_a_wrong_value_is_refused_at_open_naming_it(tcp_url, query, refusal):
    # The message after the URL (which holds the query, hence its name, anyway).
    db = PostgresDatabase(f"{tcp_url}?{query}")
    with pytest.raises(StoreOpenError) as refused:
        await db.open()
    assert str(refused.value).endswith(f": the URL's {refusal}")


async def test_0_leaves_the_systems_values_as_libpq_does(tcp_url):
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    tcp = socket.IPPROTO_TCP
    system = Keepalive(idle=probe.getsockopt(tcp, socket.TCP_KEEPIDLE),
                       interval=probe.getsockopt(tcp, socket.TCP_KEEPINTVL),
                       count=probe.getsockopt(tcp, socket.TCP_KEEPCNT))
    probe.close()
    assert system != Keepalive()  # else the test could not tell
    db = PostgresDatabase(f"{tcp_url}?keepalives_idle=0&keepalives_interval=0"
                          "&keepalives_count=0&keepalives=7")  # any number but 0 is on
    await db.open()
    try:
        assert await pooled(db, 1) == [system]
        assert db._control is not None and read_back(db._control) == system
    finally:
        await db.close()


async def test_a_percent_encoded_name_is_read_as_libpq_reads_it(tcp_url):
    # Left in the URL, it would reach the server as a setting, which refuses it.
    db = PostgresDatabase(f"{tcp_url}?keepalives%5Fidle=11&keepalives_count=%34")
    await db.open()
    try:
        assert await pooled(db, 1) == [Keepalive(idle=11, count=4)]
    finally:
        await db.close()


def test_a_value_the_system_refuses_is_named():
    with socket.socket() as sock, pytest.raises(ValueError, match="keepalives_count=200 is "):
        Keepalive(count=200).apply(sock)  # Linux takes 127 probes at most


async def test_a_connection_whose_socket_refuses_is_closed(postgres_server):
    """asyncpg leaves the connection open when its class fails: the class closes it."""
    url = postgres_server.database_for_one_test()
    database = url.split("?")[0].rsplit("/", 1)[1]
    sessions = ("SELECT count(*) FROM pg_stat_activity WHERE datname = ?"
                " AND pid <> pg_backend_pid()")
    async with Relay(postgres_server) as relay:
        with pytest.raises(ValueError, match="keepalives_count=200"):
            await asyncpg.connect(relay.url(url),
                                  connection_class=connection_class(Keepalive(count=200)))
        for _ in range(100):  # the server notices the closed connection soon
            left = query(url, sessions, database)
            if left == [(0,)]:
                break
            await asyncio.sleep(0.05)
        assert left == [(0,)]


def test_split_keeps_the_other_parameters_as_written():
    url = "postgresql://u@/db?host=/run/postgresql&keepalives_idle=9&port=5433&keepalives=1"
    assert split(url) == ("postgresql://u@/db?host=/run/postgresql&port=5433",
                          Keepalive(idle=9))
    assert split("postgresql://u@h/db") == ("postgresql://u@h/db", Keepalive())
    assert split("postgresql://u@h/db?keepalives_count=4") == ("postgresql://u@h/db",
                                                               Keepalive(count=4))


def test_split_reads_names_and_values_percent_decoded_and_0_and_any_number():
    assert split("postgresql://u@h/db?keepalives%5Fidle=10&a%5Fb=1") == (
        "postgresql://u@h/db?a%5Fb=1", Keepalive(idle=10))
    assert split("postgresql://u@h/db?keepalives=-1&keepalives_count=0") == (
        "postgresql://u@h/db", Keepalive(count=0))
    assert split("postgresql://u@h/db?keepalives=0")[1] == Keepalive(enabled=False)
