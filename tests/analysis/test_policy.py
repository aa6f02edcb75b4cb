"""The decision policy: server thresholds, per-project thresholds over the defaults, and a
project's change showing once the policy cache expires."""

from __future__ import annotations

from types import SimpleNamespace

from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import ANALYZER
from tests.helpers.http import classify


async def test_server_thresholds_decide(make_client, rpc):
    api = await make_client(thresholds={"toxicity": 0.0, "sexual": 0.0, "phishing": 0.0})
    result = (await rpc(api, classify("hello there"))).json["result"]
    assert result["toxic"] and result["sexual"] and result["phishing"]


async def test_project_thresholds_override_the_defaults(app_client, rpc):
    before = (await rpc(app_client, classify("have a nice day"))).json["result"]
    assert before["toxicityConfidence"] < 1.0
    assert before["toxic"] == (before["toxicityConfidence"] >= 0.5)

    await app_client.store.projects.update_settings(
        "default", {"thresholds": {"toxicity": 0.0, "sexual": 1.0}}
    )
    app_client.app[ANALYZER].policies.forget()  # else the change shows after the cache TTL
    after = (await rpc(app_client, classify("have a nice day"))).json["result"]
    assert after["toxic"] is True
    assert after["sexual"] is (after["sexualConfidence"] >= 1.0)
    assert after["phishing"] == (after["phishingConfidence"] >= 0.5)  # untouched default


async def test_project_thresholds_are_per_project(make_client, rpc):
    api = await make_client(project="strict")
    await api.store.projects.update_settings("strict", {"thresholds": {"toxicity": 0.0}})
    strict = (await rpc(api, classify("have a nice day"))).json["result"]
    assert strict["toxic"] is True
    other = await create_key(api.store, "other", "lenient")
    lenient = (await rpc(api, classify("have a nice day"), key=other.key)).json["result"]
    assert lenient["toxic"] == (lenient["toxicityConfidence"] >= 0.5)


async def test_project_threshold_change_shows_after_the_policy_ttl(app_client, rpc, monkeypatch):
    clock = [1000.0]
    # Replace only the cache module's view of `time`: the event loop keeps the real clock.
    monkeypatch.setattr("spectrum_rpc.cache.time", SimpleNamespace(monotonic=lambda: clock[0]))
    first = (await rpc(app_client, classify("have a nice day"))).json["result"]
    await app_client.store.projects.update_settings("default", {"thresholds": {"toxicity": 0.0}})
    cached = (await rpc(app_client, classify("have a nice day"))).json["result"]
    assert cached["toxic"] == first["toxic"]
    clock[0] += 1.5  # past the 1 s policy cache
    fresh = (await rpc(app_client, classify("have a nice day"))).json["result"]
    assert fresh["toxic"] is True
