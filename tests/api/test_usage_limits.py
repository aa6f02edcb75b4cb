"""Usage over real HTTP against the real app: every dialect's authenticated requests counted per
key, and the per-key rate limit and monthly quota answered in each dialect's own shape (429,
Retry-After and RateLimit-* headers; JSON-RPC -32003; OpenAI's rate_limit_exceeded and
insufficient_quota, through the official client too). Time is faked; nothing waits on it."""

from __future__ import annotations

from datetime import UTC, datetime

import openai
import pytest

from spectrum_rpc.api.openai import PATH
from spectrum_rpc.auth import create_key
from spectrum_rpc.constants import RATE_LIMITED
from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits
from tests.helpers.http import call, classify, record

DEC_5 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC).timestamp()
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
RATELIMIT = ("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


class Clock:
    def __init__(self, now: float = DEC_5):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def api(app_client):  # type: ignore[no-untyped-def]
    """The app with its usage counter on a fake clock (wall and monotonic)."""
    clock = Clock()
    usage = app_client.app[USAGE]
    usage.clock = usage.monotonic = clock
    app_client.clock = clock
    return app_client


async def moderations(api, body, key=None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key or api.key}"}
    async with api.http.post(PATH, json=body, headers=headers) as resp:
        return resp.status, resp.headers.copy(), await resp.json(content_type=None)


async def stored(api) -> list[tuple]:  # type: ignore[no-untyped-def]
    await api.app[USAGE].flush()
    return sorted(tuple(r) for r in await api.store.db.fetchall(
        "SELECT key_id, month, api, project, requests, refused FROM usage_counts"))


async def test_every_dialect_counts_per_key(api, rpc):
    assert (await rpc(api, classify("hello there"))).status == 200
    assert (await rpc(api, record("a correction"))).status == 200
    assert (await rpc(api, call("moderateText", {"text": "hi"}))).status == 200
    assert (await rpc(api, [classify("one"), classify("two")])).status == 200  # one request
    status, _, _ = await moderations(api, {"input": "hello"})
    assert status == 200
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as client:
        await client.moderations.create(input=["a", "b"])
    assert await stored(api) == [(api.key_id, "2026-12", "openai", "default", 2, 0),
                                 (api.key_id, "2026-12", "spectrum", "default", 4, 0)]


async def test_unauthenticated_requests_are_not_counted(api, rpc):
    assert (await rpc(api, classify("hi"), key="sk_wrong")).status == 401
    status, _, _ = await moderations(api, {"input": "hi"}, key="sk_wrong")
    assert status == 401
    assert await stored(api) == []


async def test_limits_are_off_by_default(api, rpc):
    for _ in range(50):
        reply = await rpc(api, classify("hello"))
        assert reply.status == 200 and not any(h in reply.headers for h in RATELIMIT)
    assert api.app[USAGE].limits(api.key_id).off


async def test_json_rpc_rate_limit_is_a_429_with_minus_32003(api, rpc):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(rate=1.0, burst=2))
    assert (await rpc(api, classify("one"))).status == 200
    assert (await rpc(api, record("two"))).status == 200
    reply = await rpc(api, classify("three"))
    assert reply.status == 429
    assert reply.json["jsonrpc"] == "2.0" and reply.json["id"] is None
    error = reply.json["error"]
    assert error["code"] == RATE_LIMITED == -32003
    assert error["message"] == "Too many requests" and "rate limit of 1/s" in error["data"]
    assert {h: reply.headers[h] for h in RATELIMIT} == {
        "Retry-After": "1", "RateLimit-Limit": "2", "RateLimit-Remaining": "0",
        "RateLimit-Reset": "1"}
    api.clock.now += 1.0
    assert (await rpc(api, classify("four"))).status == 200
    assert await stored(api) == [(api.key_id, "2026-12", "spectrum", "default", 3, 1)]


async def test_json_rpc_quota(api, rpc):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(quota=2))
    for _ in range(2):
        assert (await rpc(api, classify("hi"))).status == 200
    api.clock.now = JAN_1 - 3600
    reply = await rpc(api, call("moderateText", {"text": "hi"}))
    assert reply.status == 429 and reply.json["error"]["code"] == -32003
    assert "monthly quota of 2 requests" in reply.json["error"]["data"]
    assert reply.headers["Retry-After"] == reply.headers["RateLimit-Reset"] == "3600"
    assert reply.headers["RateLimit-Limit"] == "2"
    api.clock.now = JAN_1
    assert (await rpc(api, classify("hi"))).status == 200


async def test_openai_rate_limit_shape(api):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(rate=0.5, burst=1))
    assert (await moderations(api, {"input": "hi"}))[0] == 200
    status, headers, body = await moderations(api, {"input": "hi"})
    assert status == 429
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "requests" and body["error"]["param"] is None
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["message"].startswith("Rate limit reached for requests")
    assert headers["Retry-After"] == "2" and headers["RateLimit-Limit"] == "1"
    assert headers["x-ratelimit-reset-requests"] == "2s"


async def test_openai_quota_shape_through_the_official_client(api):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(quota=1))
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=2) as client:
        await client.moderations.create(input="hello")
        with pytest.raises(openai.RateLimitError) as info:
            await client.moderations.create(input="hello")
    error = info.value
    assert error.status_code == 429 and error.code == "insufficient_quota"
    assert error.type == "insufficient_quota" and error.param is None
    assert "exceeded your current quota" in error.message
    # Not retried: x-should-retry says so (a quota does not come back in seconds).
    assert error.response.headers["x-should-retry"] == "false"
    assert await stored(api) == [(api.key_id, "2026-12", "openai", "default", 1, 1)]


async def test_openai_client_sees_a_rate_limit_error(api):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(rate=0.001, burst=1))
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as client:
        await client.moderations.create(input="hello")
        with pytest.raises(openai.RateLimitError) as info:
            await client.moderations.create(input="hello")
    assert info.value.code == "rate_limit_exceeded" and info.value.type == "requests"


async def test_one_keys_limit_leaves_other_keys_alone(api, rpc):
    other = await create_key(api.store, "other", "forum")
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(quota=1))
    assert (await rpc(api, classify("hi"))).status == 200
    assert (await rpc(api, classify("hi"))).status == 429
    for _ in range(3):
        assert (await rpc(api, classify("hi"), key=other.key)).status == 200
    rows = await stored(api)
    assert (other.id, "2026-12", "spectrum", "forum", 3, 0) in rows


async def test_answers_to_a_limited_key_carry_its_remaining_requests(api, rpc):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(quota=10))
    reply = await rpc(api, classify("hi"))
    assert reply.status == 200
    assert (reply.headers["RateLimit-Limit"], reply.headers["RateLimit-Remaining"]) == ("10", "9")
    assert int(reply.headers["RateLimit-Reset"]) == JAN_1 - DEC_5
    assert "Retry-After" not in reply.headers
    status, headers, _ = await moderations(api, {"input": "hi"})
    assert status == 200 and headers["RateLimit-Remaining"] == "8"
    notification = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hi"}}
    reply = await rpc(api, notification)
    assert reply.status == 204 and reply.headers["RateLimit-Remaining"] == "7"


async def test_the_limit_nearer_to_running_out_is_the_one_shown(api, rpc):
    await api.app[USAGE].set_limits(api.key_id, KeyLimits(rate=1.0, burst=5, quota=1000))
    reply = await rpc(api, classify("hi"))
    assert {h: reply.headers[h] for h in RATELIMIT[1:]} == {
        "RateLimit-Limit": "5", "RateLimit-Remaining": "4", "RateLimit-Reset": "1"}
