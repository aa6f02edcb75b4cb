"""The app's store-backed paths once per backend (SQLite, PostgreSQL), through real HTTP:
recorded feedback, API keys and their revocation."""

from __future__ import annotations

from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from tests.helpers import backends

# This module's tests run on both backends (see tests/helpers/backends.py).
backend, committed, location = backends.backend, backends.committed, backends.location
make_settings, store = backends.make_settings, backends.store


def feedback(content: str) -> dict:
    params = {"content": content, "shouldBlock": True, "meta": {"authorId": "7"}}
    return {"jsonrpc": "2.0", "method": "recordUserClassification", "id": 1, "params": params}


async def test_acknowledged_feedback_is_committed(make_client, rpc, committed):
    api = await make_client()
    for i in range(5):
        reply = await rpc(api, feedback(f"row {i}"))
        assert reply.status == 200 and reply.json["result"] == "OK"
    rows = committed("SELECT content, should_block, key_id FROM feedback ORDER BY id")
    assert rows == [(f"row {i}", 1, api.key_id) for i in range(5)]


async def test_keys_authenticate_and_a_revoked_one_is_refused(make_client, rpc):
    api = await make_client(auth={"key_cache_ttl": 0})
    classify = {"jsonrpc": "2.0", "method": "classifyText", "id": 1, "params": {"text": "hi"}}
    assert "result" in (await rpc(api, classify)).json
    other = await create_key(api.app[STORE], "other", "default")
    assert "result" in (await rpc(api, classify, key=other.key)).json
    assert await api.store.keys.revoke(other.id)
    refused = await rpc(api, classify, key=other.key)
    assert refused.status == 401 or "error" in (refused.json or {})
    assert "result" in (await rpc(api, classify)).json  # the first key still works
