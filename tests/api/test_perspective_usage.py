"""Perspective's comments:analyze and comments:suggestscore count against the key's usage, and a
key's rate limit or monthly quota is answered as Google's 429 RESOURCE_EXHAUSTED, over real
HTTP against the real app. Time is faked; nothing waits on it."""

from __future__ import annotations

from datetime import UTC, datetime

from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits

DEC_5 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC).timestamp()
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
BODY = {"comment": {"text": "you are an idiot"}, "requestedAttributes": {"TOXICITY": {}}}


async def post(api, path: str, body: dict):  # type: ignore[no-untyped-def]
    async with api.http.post(path, params={"key": api.key}, json=body) as resp:
        return resp.status, resp.headers.copy(), await resp.json()


async def test_analyze_and_suggest_are_counted_and_limited(app_client):
    usage = app_client.app[USAGE]
    usage.clock = usage.monotonic = lambda: DEC_5
    await usage.set_limits(app_client.key_id, KeyLimits(rate=0.5, burst=2))
    assert (await post(app_client, ANALYZE, BODY))[0] == 200
    suggestion = {"comment": {"text": "you are an idiot"},
                  "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1.0}}}}
    assert (await post(app_client, SUGGEST, suggestion))[0] == 200
    status, headers, body = await post(app_client, ANALYZE, BODY)
    assert status == 429
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED" and body["error"]["code"] == 429
    assert headers["Retry-After"] == "2" and headers["RateLimit-Limit"] == "2"
    report = await usage.report(app_client.key_id)
    assert report.requests == 2  # the refused one is counted as refused, not as a request
