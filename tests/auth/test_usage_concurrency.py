"""auth.Usage while other work is in flight on the same real SQLite store: the order of the
steps is forced through the store itself (a query held open in the reader's thread, a write
lock held by another connection), never by sleeping."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from spectrum_rpc.auth import LimitExceeded, Usage
from spectrum_rpc.store import KeyLimits
from tests.auth.test_usage import Clock, make_key


@pytest.fixture
async def usage(store):  # type: ignore[no-untyped-def]
    clock = Clock()
    counter = Usage(store, flush_interval=3600, clock=clock, monotonic=clock)
    await counter.start()
    yield counter
    await counter.close()


async def test_limits_apply_at_once_while_another_read_is_in_flight(usage, store):
    """A read that began before set_limits wrote the limits (a request's, the model poll's)
    must not lend its snapshot to set_limits' own read: the quota of 1 let a second request
    through (tests/api/test_moderationapi_usage.py, once on 3.13)."""
    key = await make_key(store)
    begun, finish = threading.Event(), threading.Event()

    def hold() -> int:  # runs inside the other read, on the reader connection's thread
        begun.set()
        finish.wait(60)
        return 1

    await store.db._reader.create_function("hold", 0, hold)
    other = asyncio.create_task(store.db.fetchall("SELECT hold() FROM api_keys"))
    try:
        assert await asyncio.get_running_loop().run_in_executor(None, begun.wait, 60)
        setting = asyncio.create_task(usage.set_limits(key.id, KeyLimits(quota=1)))
        await asyncio.sleep(0)  # set_limits queues its write
        await store.write([])  # committed after it: set_limits has now queued its read
    finally:
        finish.set()  # never leave the reader's thread held (closing the store waits on it)
    await other
    await setting
    assert usage.limits(key.id) == KeyLimits(quota=1)
    await usage.admit(key, "spectrum")
    with pytest.raises(LimitExceeded):
        await usage.admit(key, "spectrum")


async def test_a_refresh_while_a_flush_is_written_counts_the_flushed_requests(usage, store,
                                                                               db_path):
    """The flush takes the counts out of memory before its write commits: a refresh reading
    the store in between saw them nowhere and gave the key its quota again (GET /account or
    the admin pages flush while the background refresh runs)."""
    key = await make_key(store)
    await usage.set_limits(key.id, KeyLimits(quota=1))
    await usage.admit(key, "spectrum")
    other = sqlite3.connect(db_path, isolation_level=None)  # another writer: the flush's
    other.execute("BEGIN IMMEDIATE")  # commit waits for it
    try:
        flushing = asyncio.create_task(usage.flush())
        await asyncio.sleep(0)  # the flush has taken the count and queued its write
        refreshing = asyncio.create_task(usage.refresh())
        # Reads queue behind the refresh's on the store's one reader: ten are enough for a
        # refresh that does not wait for the flush to finish.
        for _ in range(10):
            if refreshing.done():
                break
            await store.usage.limits()
    finally:
        other.execute("ROLLBACK")
        other.close()
    await flushing
    await refreshing
    with pytest.raises(LimitExceeded):
        await usage.admit(key, "spectrum")


async def test_a_flush_cancelled_with_its_write_queued_counts_each_request_once(usage, store):
    """The server stops (the flush task is cancelled) while the flush's write is on its way:
    the write still commits, so the counts must not also be kept for the last flush."""
    key = await make_key(store)
    await usage.admit(key, "spectrum")
    flushing = asyncio.create_task(usage.flush())
    await asyncio.sleep(0)  # the flush has taken the count and started its write
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    await usage.flush()  # what close() does after cancelling the periodic flush
    assert await store.usage.totals(usage._month) == {key.id: 1}
