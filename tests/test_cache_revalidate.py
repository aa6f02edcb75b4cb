"""Stale-while-revalidate in an outage: once a load has failed as an outage, an expired value
within the grace is answered at once while one load per key runs in the background (a
black-holed database holds a load for the whole connect timeout: no request may wait on it while
a stale value can answer); a caller waits only when nothing stale can answer, and, while the
source answers, an expired value is read again before it answers (a revocation made elsewhere
shows after the TTL)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from spectrum_rpc.cache import TtlCache
from tests.helpers.cache import Away, Clock, Source


def graced(clock: Clock) -> TtlCache[str, str]:
    return TtlCache(1.0, stale_for=60.0, stale_on=(Away,), clock=clock)


async def answered_at_once(cache: TtlCache[str, str], source: Source) -> str:
    """Return what get answers, failing if it had to wait (the source is held)."""
    task = asyncio.create_task(cache.get("k", source))
    for _ in range(3):  # a few loop turns, no clock: a waiting get is still pending after them
        await asyncio.sleep(0)
    assert task.done(), "get waited on the load"
    return task.result()


async def outage(cache: TtlCache[str, str], clock: Clock, source: Source) -> None:
    """Read "k", then let a TTL pass and a load of it fail as an outage (answered stale)."""
    assert await cache.get("k", source) == "k:v1"
    clock.now += 1.5
    source.error = Away("down")
    assert await cache.get("k", source) == "k:v1"
    source.error = None
    clock.now += 1.0  # a TTL after the failed load: time to try again


async def test_an_expired_value_answers_while_one_load_runs_and_then_the_new_one_serves():
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    source.release.clear()  # the next load hangs, as on a dropped connection
    source.value = "v2"
    assert await answered_at_once(cache, source) == "k:v1"
    await source.started.wait()
    for _ in range(5):  # every request meanwhile: the stale value, and no second load
        assert await answered_at_once(cache, source) == "k:v1"
    assert source.calls == 3
    source.release.set()
    await cache.idle()
    assert cache.peek("k") == "k:v2"  # the load succeeded: the new value serves
    assert await cache.get("k", source) == "k:v2"
    assert source.calls == 3


async def test_while_the_source_answers_an_expired_value_is_read_again_before_answering():
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    assert await cache.get("k", source) == "k:v1"  # in the background: the source is back
    await cache.idle()
    source.value = "revoked"
    clock.now += 1.5
    source.release.clear()
    waiting = asyncio.create_task(cache.get("k", source))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiting.done()  # no stale answer while the source answers
    source.release.set()
    assert await waiting == "k:revoked"


async def test_an_outage_never_makes_a_request_wait_within_the_grace():
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    source.release.clear()
    source.error = Away("dropped packets")
    for step in range(38):  # to 58 s after the last good load, a load held open at each retry
        clock.now = 1002.5 + 1.5 * step
        assert await answered_at_once(cache, source) == "k:v1"
        await source.started.wait()
        source.started.clear()
        source.release.set()
        await cache.idle()
        source.release.clear()
    assert source.calls == 2 + 38  # one load a TTL, none per request
    clock.now = 1000.0 + 61.0  # the grace is over: the caller waits, and hears the outage
    waiting = asyncio.create_task(cache.get("k", source))
    await asyncio.sleep(0)
    assert not waiting.done()
    source.release.set()
    with pytest.raises(Away):
        await waiting


async def test_with_nothing_stale_the_caller_waits_on_the_load():
    clock, source = Clock(), Source()
    for cache in (graced(clock), TtlCache[str, str](1.0, clock=clock)):
        source.release.clear()
        waiting = asyncio.create_task(cache.get("k", source))
        for _ in range(3):
            await asyncio.sleep(0)
        assert not waiting.done()  # never read: nothing to answer before the load
        source.release.set()
        assert await waiting == "k:v1"
    strict: TtlCache[str, str] = TtlCache(1.0, stale_on=(Away,), clock=clock)  # no grace
    await strict.get("k", source)
    clock.now += 1.5
    source.release.clear()
    waiting = asyncio.create_task(strict.get("k", source))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiting.done()
    source.release.set()
    await waiting


async def test_a_failed_background_load_is_not_reported_as_unretrieved(caplog):
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    source.error = Away("still down")
    assert await answered_at_once(cache, source) == "k:v1"
    await cache.idle()
    gc.collect()  # an unretrieved task exception is reported when the task is collected
    await asyncio.sleep(0)
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_forget_during_a_background_load_keeps_its_older_value_out():
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    source.release.clear()
    assert await answered_at_once(cache, source) == "k:v1"  # a load starts, reading v1
    await source.started.wait()
    cache.forget("k")  # the key changed in this process
    source.value = "v2"
    source.release.set()
    assert await cache.get("k", source) == "k:v2"
    await cache.idle()
    assert cache.peek("k") == "k:v2"


async def test_a_background_load_failing_otherwise_than_an_outage_drops_the_value():
    clock, source = Clock(), Source()
    cache = graced(clock)
    await outage(cache, clock, source)
    source.error = ValueError("a bug, not an outage")
    assert await answered_at_once(cache, source) == "k:v1"
    await cache.idle()
    with pytest.raises(ValueError):  # the next call waits on a load, and sees the error
        await cache.get("k", source)
