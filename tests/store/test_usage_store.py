"""store.usage on a real SQLite file: counts add up through upserts, month and key views, and
per-key limits."""

from __future__ import annotations

from spectrum_rpc.store import NO_LIMITS, Count, KeyLimits


async def test_counts_add_up(store, committed):
    await store.usage.add([Count("k1", "acme", "2026-12", "spectrum", 3),
                           Count("k1", "acme", "2026-12", "openai", 1, 2)])
    await store.usage.add([Count("k1", "acme", "2026-12", "spectrum", 2, 1)])
    assert sorted(committed("SELECT api, requests, refused FROM usage_counts")) == [
        ("openai", 1, 2), ("spectrum", 5, 1)]


async def test_nothing_to_add_writes_nothing(store):
    commits = store.db.commits
    await store.usage.add([])
    assert store.db.commits == commits


async def test_month_view_per_key_and_project(store):
    await store.usage.add([
        Count("k1", "acme", "2026-12", "spectrum", 3), Count("k1", "acme", "2026-12", "openai", 4),
        Count("k2", "forum", "2026-12", "spectrum", 9, 1),
        Count("k1", "acme", "2026-11", "spectrum", 100)])
    month = await store.usage.month("2026-12")
    assert [(m.key_id, m.project, m.requests, m.refused) for m in month] == [
        ("k2", "forum", 9, 1), ("k1", "acme", 7, 0)]
    assert month[1].by_api == {"openai": 4, "spectrum": 3}
    assert [m.key_id for m in await store.usage.month("2026-12", "acme")] == ["k1"]
    assert await store.usage.totals("2026-12") == {"k1": 7, "k2": 9}
    assert await store.usage.history("k1") == [("2026-12", 7, 0), ("2026-11", 100, 0)]
    assert await store.usage.quota_totals("2026-12") == {}
    await store.usage.set_limits("k2", KeyLimits(quota=50))
    await store.usage.set_limits("k1", KeyLimits(rate=1, burst=1))  # a rate, no quota
    assert await store.usage.quota_totals("2026-12") == {"k2": 9}


async def test_limits(store):
    assert await store.usage.get_limits("k1") == NO_LIMITS and NO_LIMITS.off
    await store.usage.set_limits("k1", KeyLimits(rate=2.5, burst=5, quota=0))
    await store.usage.set_limits("k2", KeyLimits(quota=10))
    await store.usage.set_limits("k2", KeyLimits(quota=20))  # replaced, not added
    await store.usage.set_limits("k3", KeyLimits(rate=1, burst=1))
    await store.usage.set_limits("k3", NO_LIMITS)  # turned off: not listed
    assert await store.usage.limits() == {"k1": KeyLimits(2.5, 5, 0), "k2": KeyLimits(0, 0, 20)}
    assert await store.usage.get_limits("k3") == NO_LIMITS
