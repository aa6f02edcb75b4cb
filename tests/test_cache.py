"""The TTL cache in front of the store: reuse within the TTL, one load per expiry under load."""

from __future__ import annotations

import asyncio
import gc

import pytest

from spectrum_rpc.cache import MISSING, TtlCache
from tests.helpers.cache import Source


def held(ttl: float = 60) -> tuple[TtlCache[str, str], Source]:
    """A cache and a source whose loads wait until `source.release` is set."""
    source = Source()
    source.release.clear()
    return TtlCache(ttl=ttl), source


async def test_a_value_is_reused_within_the_ttl_and_reloaded_after():
    cache: TtlCache[str, str] = TtlCache(ttl=0.05)
    source = Source()
    assert await cache.get("a", source) == "a:v1"
    source.value = "v2"
    assert await cache.get("a", source) == "a:v1"
    assert source.calls == 1
    await asyncio.sleep(0.06)
    assert await cache.get("a", source) == "a:v2"
    assert source.calls == 2


async def test_concurrent_misses_share_one_load():
    cache, source = held()
    waiters = [asyncio.create_task(cache.get("a", source)) for _ in range(200)]
    other = asyncio.create_task(cache.get("b", source))
    await asyncio.sleep(0.01)
    source.release.set()
    assert await asyncio.gather(*waiters) == ["a:v1"] * 200
    assert await other == "b:v1"
    assert source.calls == 2  # one per key, not one per request


async def test_a_failed_load_reaches_every_waiter_and_is_not_cached():
    cache, source = held()
    source.error = ConnectionError("store down")
    waiters = [asyncio.create_task(cache.get("a", source)) for _ in range(5)]
    await asyncio.sleep(0.01)
    source.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    source.error = None
    assert await cache.get("a", source) == "a:v1"
    assert source.calls == 2


async def test_a_cancelled_waiter_does_not_cancel_the_shared_load():
    cache, source = held()
    first = asyncio.create_task(cache.get("a", source))
    second = asyncio.create_task(cache.get("a", source))
    await asyncio.sleep(0.01)
    first.cancel()  # the client that started the load hangs up
    await asyncio.sleep(0)
    source.release.set()
    assert await second == "a:v1"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert source.calls == 1


async def test_forget_during_a_load_keeps_the_older_value_out_of_the_cache():
    cache, source = held()
    before = asyncio.create_task(cache.get("a", source))  # reads the store before the change
    await asyncio.sleep(0.01)
    source.value = "v2"  # e.g. a key revoked in this process...
    cache.forget("a")  # ...which drops what the cache holds
    source.release.set()
    assert await before == "a:v1"  # that waiter asked before the change
    assert await cache.get("a", source) == "a:v2"  # nobody after it sees the older value
    assert source.calls == 2


async def test_the_cache_is_bounded():
    cache: TtlCache[int, str] = TtlCache(ttl=60, max_size=10)

    async def load(key: int) -> str:
        return str(key)

    for key in range(25):
        assert await cache.get(key, load) == str(key)
    assert len(cache._items) <= 10


async def test_a_failed_load_nobody_waits_for_is_not_logged_as_unretrieved(caplog):
    cache, source = held()
    source.error = ConnectionError("store down")
    only = asyncio.create_task(cache.get("a", source))
    await asyncio.sleep(0.01)
    only.cancel()  # the sole waiter gives up (a timeout, a shutdown)
    with pytest.raises(asyncio.CancelledError):
        await only
    del only  # its traceback would keep the load task alive, and the report with it
    source.release.set()
    await asyncio.sleep(0.01)  # the load fails with nobody waiting
    gc.collect()  # an unretrieved task exception is reported when the task is collected
    await asyncio.sleep(0)
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
    source.error = None
    assert await cache.get("a", source) == "a:v1"  # and the next get loads again


async def test_a_load_cancelled_before_it_starts_does_not_block_its_key():
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    source = Source()
    waiter = asyncio.create_task(cache.get("a", source))
    await asyncio.sleep(0)  # get() has created the load task, which has not run yet
    cache._loading["a"].cancel()  # e.g. the loop's tasks cancelled at shutdown
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert source.calls == 0
    assert await cache.get("a", source) == "a:v1"
    assert source.calls == 1


async def test_peek_sees_only_fresh_values():
    cache: TtlCache[str, str] = TtlCache(ttl=0.05)
    source = Source()
    assert cache.peek("a") is MISSING
    await cache.get("a", source)
    assert cache.peek("a") == "a:v1"
    await asyncio.sleep(0.06)
    assert cache.peek("a") is MISSING
