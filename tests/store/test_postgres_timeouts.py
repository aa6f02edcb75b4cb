"""A statement past its command timeout (waiting on a lock, a slow server) is that statement's
failure, not the database out of reach: no StoreUnavailable, no stale caches, and a commit group
retries its writes one by one. A connect that times out is the server out of reach."""

from __future__ import annotations

import asyncio
import errno

import asyncpg
import pytest

from spectrum_rpc.store import PostgresDatabase, StoreUnavailable
from spectrum_rpc.store.postgres import ConnectTimeout, unreachable


@pytest.mark.parametrize(("exc", "out_of_reach"), [
    (TimeoutError(), False),  # asyncpg's command timeout: a statement took too long
    (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), False),
    (asyncpg.UniqueViolationError("duplicate key"), False),
    (asyncpg.InterfaceError("cannot perform operation: another operation is in progress"), False),
    (ConnectTimeout("no connection within 10 s"), True),
    (OSError(errno.ETIMEDOUT, "Connection timed out"), True),  # the kernel's: a TimeoutError
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), True),
    (asyncpg.CannotConnectNowError("the database system is starting up"), True),
    (asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"), True),
])  # fmt: skip
def test_only_failures_to_reach_the_server_are_unreachable(exc, out_of_reach):
    assert unreachable(exc) is out_of_reach


async def test_a_statement_waiting_on_a_lock_times_out_without_saying_the_store_is_down(
        postgres_url):  # fmt: skip
    db = PostgresDatabase(postgres_url, command_timeout=0.5)
    await db.open()
    holder = await asyncpg.connect(postgres_url)
    try:
        await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        await db.execute("INSERT INTO t VALUES (1, 0), (2, 0)")
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT n FROM t WHERE id = 1 FOR UPDATE")  # held till rollback
        with pytest.raises(TimeoutError):  # a write on the locked row
            await db.execute("UPDATE t SET n = n + 1 WHERE id = ?", (1,))
        with pytest.raises(TimeoutError):  # a read that waits on it
            await db.fetchall("SELECT n FROM t WHERE id = ? FOR UPDATE", (1,))
        # Several writes at once: those on the free row commit, whatever group they share.
        writes = [db.execute("UPDATE t SET n = n + 1 WHERE id = ?", (i,)) for i in (2, 1, 2)]
        results = await asyncio.gather(*writes, return_exceptions=True)
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], TimeoutError)
        await lock.rollback()
        assert await db.fetchall("SELECT id, n FROM t ORDER BY id") == [(1, 0), (2, 2)]
        assert db.unavailable == 0
    finally:
        await holder.close()
        await db.close()


async def test_a_connect_that_times_out_is_the_store_unavailable(unused_tcp_port):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts, never answers (as a host dropping packets would)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", unused_tcp_port)
    url = f"postgresql://nobody@127.0.0.1:{unused_tcp_port}/none"
    db = PostgresDatabase(url)
    # The pool open() would make, with a short connect timeout (open itself needs a server).
    db._pool = await asyncpg.create_pool(url, min_size=0, max_size=3, timeout=0.2)
    try:
        with pytest.raises(StoreUnavailable) as raised:
            await db.fetchall("SELECT 1")
        assert isinstance(raised.value.__cause__, ConnectTimeout)
        assert db.unavailable == 1
    finally:
        await db._pool.close()
        server.close()
        await server.wait_closed()
