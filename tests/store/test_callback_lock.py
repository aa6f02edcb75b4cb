"""Callback webhooks are made under a lock every server process sharing the store respects, so
the per-project cap and "one webhook per URL" hold across processes on PostgreSQL, and a URL
within the length limit is accepted however long its stored (percent-encoded) form is."""

from __future__ import annotations

import asyncio

import pytest

from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import callbacks

# A request of this test's database waiting for an advisory lock (the server is shared by tests).
WAITING = ("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
           " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


async def test_a_callback_waits_for_another_process_making_one(store, location, backend):  # type: ignore[no-untyped-def]
    if backend.name != "postgresql":
        pytest.skip("one SQLite file is served by one process: no other process to wait for")
    async with Store(location) as other:  # another process's connections to the same database
        holding = asyncio.Event()
        release = asyncio.Event()

        async def hold() -> None:
            async with other.exclusive(callbacks.lock_name("p")):
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        making = asyncio.create_task(callbacks.target(store, "p", "https://example.com/cb",
                                                      allow_private_addresses=False))
        try:
            # Until PostgreSQL shows the request waiting for the advisory lock (no clock: a
            # request that never waits is done, and the loop says so).
            while not await asyncio.to_thread(backend.committed, WAITING):
                assert not making.done(), "made a callback webhook without waiting for the lock"
                await asyncio.sleep(0.02)
            assert await store.webhooks.count("p", "callback") == 0
        finally:
            release.set()
            await holder
        made = await making
    assert await store.webhooks.count("p", "callback") == 1
    assert await store.webhooks.find("p", "https://example.com/cb", "callback") == made


async def test_a_long_non_ascii_url_is_accepted_and_reused(store) -> None:  # type: ignore[no-untyped-def]
    url = "https://example.com/" + "ü" * 1000  # 1,020 characters; 6,020 percent-encoded
    first = await callbacks.target(store, "p", url, allow_private_addresses=False)
    again = await callbacks.target(store, "p", url, allow_private_addresses=False)
    assert first == again
    assert await store.webhooks.count("p", "callback") == 1
