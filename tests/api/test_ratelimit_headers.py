"""Successful answers to a key with limits carry its RateLimit-* headers in the Perspective
dialect too (the other dialects: test_usage_limits.py, test_moderationapi_usage.py)."""

from __future__ import annotations

from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
BODY = {"comment": {"text": "you are an idiot"}, "requestedAttributes": {"TOXICITY": {}}}
SUGGESTION = {"comment": {"text": "you are an idiot"},
              "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1.0}}}}


async def post(api, path: str, body: dict):  # type: ignore[no-untyped-def]
    async with api.http.post(path, params={"key": api.key}, json=body) as resp:
        return resp.status, resp.headers.copy()


async def test_perspective_answers_carry_the_keys_remaining_requests(app_client):
    status, headers = await post(app_client, ANALYZE, BODY)
    assert status == 200 and "RateLimit-Remaining" not in headers  # no limits, no headers
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=10))
    status, headers = await post(app_client, ANALYZE, BODY)
    assert status == 200
    assert (headers["RateLimit-Limit"], headers["RateLimit-Remaining"]) == ("10", "8")
    status, headers = await post(app_client, SUGGEST, SUGGESTION)
    assert status == 200 and headers["RateLimit-Remaining"] == "7"


async def test_the_rest_dialects_answers_carry_them_too(app_client):
    path, body = "/api/v2/blueprint/review/text", {"text": "hi", "useAdvanced": False}
    headers = {"Authorization": f"Bearer {app_client.key}"}
    async with app_client.http.post(path, json=body, headers=headers) as resp:
        assert resp.status == 200 and "RateLimit-Limit" not in resp.headers
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=5))
    async with app_client.http.post(path, json=body, headers=headers) as resp:
        assert resp.status == 200
        assert (resp.headers["RateLimit-Limit"], resp.headers["RateLimit-Remaining"]) == ("5", "3")
