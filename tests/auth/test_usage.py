"""auth.Usage on a real store in tmp_path, with fake clocks: counting by calendar month,
flushing, the rate limit and the quota, and what a refusal tells the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spectrum_rpc.auth import QUOTA, RATE, LimitExceeded, Usage, create_key, month_of, parse_rate
from spectrum_rpc.settings import ConfigError, load_settings
from spectrum_rpc.store import KeyLimits, KeyRecord, Store

DEC_5 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC).timestamp()
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC).timestamp()


class Clock:
    """A settable time, for both the wall clock (months) and the buckets' monotonic clock."""

    def __init__(self, now: float = DEC_5):
        self.now = now

    def __call__(self) -> float:
        return self.now


async def make_key(store: Store, project: str = "acme") -> KeyRecord:
    new = await create_key(store, "test", project)
    record = await store.keys.get(new.id)
    assert record is not None
    return record


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def usage(store, clock):  # type: ignore[no-untyped-def]
    counter = Usage(store, flush_interval=3600, clock=clock, monotonic=clock)
    await counter.start()
    yield counter
    await counter.close()


def test_month_of_is_the_utc_calendar_month():
    assert month_of(DEC_5) == ("2026-12", JAN_1)
    assert month_of(JAN_1) == ("2027-01", datetime(2027, 2, 1, tzinfo=UTC).timestamp())
    assert month_of(JAN_1 - 0.001)[0] == "2026-12"


@pytest.mark.parametrize(("text", "per_second"), [
    ("10", 10.0), ("10/s", 10.0), ("600/min", 10.0), ("3600/h", 1.0), ("0", 0.0)])
def test_parse_rate(text, per_second):
    assert parse_rate(text) == per_second


@pytest.mark.parametrize("text", ["x/s", "10/day", "-1", "nan", "inf/s"])
def test_parse_rate_refuses_nonsense(text):
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


async def test_counts_stay_in_memory_until_flushed(usage, store, committed):
    key = await make_key(store)
    for _ in range(3):
        await usage.admit(key, "spectrum")
    await usage.admit(key, "openai")
    assert committed("SELECT COUNT(*) FROM usage_counts") == [(0,)]
    await usage.flush()
    assert sorted(committed("SELECT key_id, month, api, project, requests, refused "
                            "FROM usage_counts")) == [
        (key.id, "2026-12", "openai", "acme", 1, 0), (key.id, "2026-12", "spectrum", "acme", 3, 0)]
    await usage.admit(key, "spectrum")
    await usage.flush()  # adds to the stored count
    assert committed("SELECT requests FROM usage_counts WHERE api = 'spectrum'") == [(4,)]


async def test_a_request_counts_in_the_month_it_arrives(usage, store, clock, committed):
    key = await make_key(store)
    clock.now = JAN_1 - 1
    await usage.admit(key, "spectrum")
    clock.now = JAN_1
    await usage.admit(key, "spectrum")
    await usage.admit(key, "spectrum")
    await usage.flush()
    assert sorted(committed("SELECT month, requests FROM usage_counts")) == [
        ("2026-12", 1), ("2027-01", 2)]


async def test_no_limits_by_default(usage, store):
    key = await make_key(store)
    for _ in range(10_000):
        await usage.admit(key, "spectrum")
    assert usage.limits(key.id).off
    assert (await usage.report(key.id)).requests == 10_000


async def test_rate_limit_refuses_beyond_the_burst_and_refills(usage, store, clock):
    key = await make_key(store)
    await usage.set_limits(key.id, KeyLimits(rate=2.0, burst=3))
    for _ in range(3):
        await usage.admit(key, "spectrum")
    with pytest.raises(LimitExceeded) as info:
        await usage.admit(key, "spectrum")
    refused = info.value
    assert refused.limit == RATE and refused.allowed == 3 and refused.retry_after == 1
    assert refused.headers() == {"Retry-After": "1", "RateLimit-Limit": "3",
                                 "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}
    clock.now += 0.5  # one token back at 2 per second
    await usage.admit(key, "spectrum")
    with pytest.raises(LimitExceeded):
        await usage.admit(key, "spectrum")
    report = await usage.report(key.id)
    assert report.requests == 4  # refusals are not requests served


async def test_a_slow_rate_says_how_long_to_wait(usage, store):
    key = await make_key(store)
    await usage.set_limits(key.id, KeyLimits(rate=1 / 60, burst=1))  # 1/min
    await usage.admit(key, "openai")
    with pytest.raises(LimitExceeded) as info:
        await usage.admit(key, "openai")
    assert info.value.reset == 60 and "1/min" in info.value.message


async def test_quota_refuses_until_the_next_month(usage, store, clock, committed):
    key = await make_key(store)
    other = await make_key(store)
    await usage.set_limits(key.id, KeyLimits(quota=2))
    await usage.admit(key, "spectrum")
    await usage.admit(key, "openai")
    clock.now = JAN_1 - 90
    with pytest.raises(LimitExceeded) as info:
        await usage.admit(key, "spectrum")
    assert info.value.limit == QUOTA and info.value.allowed == 2 and info.value.reset == 90
    assert info.value.headers()["RateLimit-Remaining"] == "0"
    await usage.admit(other, "spectrum")  # another key is not affected
    clock.now = JAN_1
    await usage.admit(key, "spectrum")  # a new month, a new quota
    await usage.flush()
    assert sorted(committed("SELECT month, api, requests, refused FROM usage_counts "
                            "WHERE key_id = ?", key.id)) == [
        ("2026-12", "openai", 1, 0), ("2026-12", "spectrum", 1, 1), ("2027-01", "spectrum", 1, 0)]


async def test_quota_counts_what_was_used_before_a_restart(store, clock):
    key = await make_key(store)
    first = Usage(store, flush_interval=3600, clock=clock, monotonic=clock)
    await first.start()
    for _ in range(3):
        await first.admit(key, "spectrum")
    await first.close()  # flushes
    await store.usage.set_limits(key.id, KeyLimits(quota=4))
    second = Usage(store, flush_interval=3600, clock=clock, monotonic=clock)
    await second.start()
    await second.admit(key, "spectrum")
    with pytest.raises(LimitExceeded):
        await second.admit(key, "spectrum")
    await second.close()


async def test_limits_set_by_another_process_apply_at_the_next_refresh(usage, store):
    key = await make_key(store)
    await store.usage.set_limits(key.id, KeyLimits(rate=1.0, burst=1))  # as the CLI does
    await usage.admit(key, "spectrum")
    await usage.admit(key, "spectrum")  # not seen yet
    await usage.refresh()
    await usage.admit(key, "spectrum")
    with pytest.raises(LimitExceeded):
        await usage.admit(key, "spectrum")
    await store.usage.set_limits(key.id, KeyLimits())  # turned off again
    await usage.refresh()
    await usage.admit(key, "spectrum")


async def test_a_failed_flush_keeps_the_counts(usage, store):
    key = await make_key(store)
    await usage.admit(key, "spectrum")
    await store.close()
    with pytest.raises(Exception):  # noqa: B017 - whichever error a closed store raises
        await usage.flush()
    await store.open()
    await usage.admit(key, "spectrum")
    await usage.flush()
    assert (await usage.report(key.id)).requests == 2


async def test_report_gives_the_remaining_quota(usage, store):
    key = await make_key(store)
    await usage.set_limits(key.id, KeyLimits(quota=10))
    for _ in range(4):
        await usage.admit(key, "spectrum")
    report = await usage.report(key.id)
    assert (report.month, report.requests, report.remaining) == ("2026-12", 4, 6)
    assert report.resets_at == JAN_1


async def test_project_report_sums_the_projects_keys(usage, store):
    one, two = await make_key(store), await make_key(store)
    elsewhere = await make_key(store, "forum")
    await usage.set_limits(two.id, KeyLimits(quota=1))
    for key in (one, one, two, elsewhere):
        await usage.admit(key, "spectrum")
    with pytest.raises(LimitExceeded):
        await usage.admit(two, "openai")
    report = await usage.project_report("acme")
    assert (report.month, report.requests, report.refused) == ("2026-12", 3, 1)
    assert sorted((k.key_id, k.requests) for k in report.keys) == sorted(
        [(one.id, 2), (two.id, 1)])
    assert report.resets_at == JAN_1


async def test_reports_follow_the_clock_into_a_new_month(usage, store, clock):
    key = await make_key(store)
    await usage.admit(key, "spectrum")
    clock.now = JAN_1 + 5
    assert usage.current_month == "2027-01"
    assert (await usage.report(key.id)).requests == 0
    assert (await usage.project_report("acme")).requests == 0


@pytest.mark.parametrize("value", [0, -1, float("nan")])
def test_the_flush_interval_must_be_positive(value):
    with pytest.raises(ConfigError, match="usage.flush_interval must be greater than 0"):
        load_settings(environ={}, overrides={"usage": {"flush_interval": value}})


def test_the_flush_interval_defaults_to_a_second():
    assert load_settings(environ={}).usage.flush_interval == 1.0


async def test_admit_gives_headers_only_for_a_key_with_limits(usage, store, clock):
    key = await make_key(store)
    assert (await usage.admit(key, "spectrum")) is None
    await usage.set_limits(key.id, KeyLimits(rate=0.5, burst=5, quota=3))
    # quota: 1 left of 3 (two used); rate: 4 tokens left of 5: the quota is shown
    assert await usage.admit(key, "spectrum") == {
        "RateLimit-Limit": "3", "RateLimit-Remaining": "1",
        "RateLimit-Reset": str(int(JAN_1 - DEC_5))}
    clock.now += 2
    assert (await usage.admit(key, "spectrum"))["RateLimit-Remaining"] == "0"  # the quota's last
    with pytest.raises(LimitExceeded) as info:
        await usage.admit(key, "spectrum")
    assert info.value.limit == QUOTA
