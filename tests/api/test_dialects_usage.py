"""contentmod, discuse and blueprint count against their key's usage, and a used-up quota is
answered in each one's own error shape (429 with Retry-After and RateLimit-* headers)."""

from __future__ import annotations

import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits


def contentmod(key: str) -> tuple[str, dict, dict]:
    return "/text", {"Authorization": f"Bearer {key}"}, {"text": "hi"}


def discuse(key: str) -> tuple[str, dict, dict]:
    return ("/api/v1/check", {"x-client-id": DEFAULT_PROJECT, "x-client-secret": key},
            {"request": {"media": {"text": "hi"}}})


def blueprint(key: str) -> tuple[str, dict, dict]:
    return ("/api/v2/blueprint/review/text", {"Authorization": f"Bearer {key}"},
            {"text": "hi", "useAdvanced": False})


def shape_of(name: str, body: dict) -> str:
    if name == "contentmod":
        assert body["error"]["code"] == "RATE_LIMITED"
        return body["error"]["message"]
    if name == "discuse":
        return body["detail"]
    assert body["status"] == 429 and body["error"] == "Too Many Requests"
    return body["message"]


@pytest.mark.parametrize("dialect", [contentmod, discuse, blueprint])
async def test_requests_count_and_a_used_up_quota_is_429(app_client, dialect):
    path, headers, body = dialect(app_client.key)
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=2))
    for _ in range(2):
        async with app_client.http.post(path, headers=headers, json=body) as resp:
            assert resp.status == 200
    async with app_client.http.post(path, headers=headers, json=body) as resp:
        assert resp.status == 429
        assert int(resp.headers["Retry-After"]) > 0 and resp.headers["RateLimit-Limit"] == "2"
        message = shape_of(dialect.__name__, await resp.json())
    assert message.startswith("Monthly quota of 2 requests used up")
    report = await app_client.app[USAGE].report(app_client.key_id)
    assert report.requests == 2
