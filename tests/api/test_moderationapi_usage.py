"""moderationapi.com's `GET /api/v1/account` (document 001) from the usage counts, and its key
limits answered in the document's error shape, over real HTTP against the real app."""

from __future__ import annotations

import re

from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits
from tests.helpers.http import classify


async def call(api, method: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {api.key}"}
    async with api.http.request(method, "/api/v1" + path, headers=headers, json=body) as resp:
        return resp.status, resp.headers.copy(), await resp.json()


async def test_account_gives_this_months_usage_and_the_quota(app_client, rpc):
    status, _, body = await call(app_client, "GET", "/account")
    assert status == 200
    assert set(body) == {"id", "created_at", "paid_plan_name", "text_api_quota",
                         "text_api_usage_this_month", "current_project"}
    assert body["id"] == app_client.key_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created_at"])
    assert body["text_api_quota"] is None  # no quota unless one is set
    assert body["text_api_usage_this_month"] == 1  # this very request
    assert body["current_project"] == {"name": "default"}
    await rpc(app_client, classify("hello"))  # every API counts
    await call(app_client, "POST", "/moderation/text", {"value": "hello"})
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=100))
    _, _, body = await call(app_client, "GET", "/account")
    assert (body["text_api_quota"], body["text_api_usage_this_month"]) == (100, 4)


async def test_a_used_up_quota_is_429_in_the_documents_shape(app_client):
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=1))
    assert (await call(app_client, "POST", "/moderation/text", {"value": "hi"}))[0] == 200
    status, headers, body = await call(app_client, "POST", "/moderation/text", {"value": "hi"})
    assert status == 429
    assert body["status"] == "error" and body["code"] == "TOO_MANY_REQUESTS"
    assert body["message"].startswith("Monthly quota of 1 requests used up") and \
        body["issues"] == []
    assert headers["RateLimit-Limit"] == "1" and headers["RateLimit-Remaining"] == "0"
    assert int(headers["Retry-After"]) == int(headers["RateLimit-Reset"]) > 0


async def test_answers_to_a_limited_key_carry_ratelimit_headers(app_client):
    status, headers, _ = await call(app_client, "GET", "/auth")
    assert status == 200 and "RateLimit-Limit" not in headers  # no limits: no headers
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(rate=2.0, burst=4))
    status, headers, _ = await call(app_client, "GET", "/auth")
    assert status == 200
    assert (headers["RateLimit-Limit"], headers["RateLimit-Remaining"]) == ("4", "3")
