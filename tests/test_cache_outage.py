"""The TTL cache while its source is out of reach: the value read last serves for `stale_for`
seconds past its TTL, and no longer (a revoked key must not live for ever); a load that fails
is not tried again on every call, but once a TTL; `forget` leaves nothing stale. Loads of a
stale value run in the background once a load has failed: `idle` waits for them."""

from __future__ import annotations

import pytest

from spectrum_rpc.cache import TtlCache
from tests.helpers.cache import Away, Clock, Source


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_the_last_value_serves_while_the_source_is_away_for_the_grace_and_no_longer(clock):
    cache: TtlCache[str, str] = TtlCache(1.0, stale_for=60.0, stale_on=(Away,), clock=clock)
    source = Source()
    assert await cache.get("k", source) == "k:v1"
    source.error = Away("down")
    clock.now += 1.5  # expired: loaded again, which fails: the stale value answers
    assert await cache.get("k", source) == "k:v1"
    await cache.idle()
    assert source.calls == 2
    clock.now += 0.5  # within a TTL of the failed load: not tried again
    assert await cache.get("k", source) == "k:v1"
    await cache.idle()
    assert source.calls == 2
    clock.now += 1.0  # a TTL later: tried again
    assert await cache.get("k", source) == "k:v1"
    await cache.idle()
    assert source.calls == 3
    clock.now = 1000.0 + 1.0 + 60.0  # TTL + grace after the last good load: refused
    with pytest.raises(Away):
        await cache.get("k", source)
    source.error = None  # back: a fresh value, and the grace counts from it
    assert await cache.get("k", source) == "k:v1"


async def test_other_failures_and_a_cache_without_grace_are_raised_at_once(clock):
    source = Source()
    strict: TtlCache[str, str] = TtlCache(1.0, stale_on=(Away,), clock=clock)
    graced: TtlCache[str, str] = TtlCache(1.0, stale_for=60.0, stale_on=(Away,), clock=clock)
    for cache in (strict, graced):
        source.error = None
        await cache.get("k", source)
    clock.now += 1.5
    source.error = Away("down")
    with pytest.raises(Away):
        await strict.get("k", source)
    source.error = ValueError("a bug, not an outage")
    with pytest.raises(ValueError):
        await graced.get("k", source)


async def test_forget_leaves_nothing_stale(clock):
    cache: TtlCache[str, str] = TtlCache(1.0, stale_for=60.0, stale_on=(Away,), clock=clock)
    source = Source()
    await cache.get("k", source)
    clock.now += 1.5
    source.error = Away("down")
    assert await cache.get("k", source) == "k:v1"
    await cache.idle()
    cache.forget()  # a revocation heard (or every cache dropped when the connection is back)
    with pytest.raises(Away):
        await cache.get("k", source)
