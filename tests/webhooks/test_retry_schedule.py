"""The retry schedule: Retry-After parsing, jittered delays, settings that refuse a bad schedule."""

from __future__ import annotations

import pytest

from spectrum_rpc.settings import load_settings
from spectrum_rpc.webhooks.retry_schedule import Schedule, parse_retry_after


def test_retry_after_parsing_and_jittered_schedule():
    now = 1_700_000_000.0
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Tue, 14 Nov 2023 23:13:20 GMT", now) == pytest.approx(3600, abs=1)
    assert parse_retry_after("soon", now) is None
    schedule = Schedule([0, 100, 200], 0.2, retry_after_max=50, rng=lambda: 1.0)
    assert schedule.next_delay(1, None, now) == pytest.approx(120)
    assert schedule.next_delay(2, "9999", now) == pytest.approx(240)  # clamped to 50, < 240
    assert Schedule([0, 10], 0.2, 1000, rng=lambda: 0.0).next_delay(1, "500", now) == 500
    assert schedule.next_delay(3, None, now) is None


def test_settings_refuse_a_bad_schedule_or_jitter():
    from spectrum_rpc.settings import ConfigError

    with pytest.raises(ConfigError, match="jitter"):
        load_settings(environ={}, overrides={"webhooks": {"jitter": 1.5}})
    with pytest.raises(ConfigError, match="schedule"):
        load_settings(environ={}, overrides={"webhooks": {"schedule": [0, -5]}})
