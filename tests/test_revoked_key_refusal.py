"""A revoked key is told it was revoked, not to send a key (issue 15, item 18): over real HTTP
in the Spectrum, OpenAI and moderationapi.com dialects (Perspective keeps Google's wording)."""

from __future__ import annotations

from spectrum_rpc.auth import create_key
from spectrum_rpc.constants import RPC_PATH

CALL = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hello"}, "id": 1}


async def _spectrum(api, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    async with api.http.post(RPC_PATH, json=CALL, headers=headers) as resp:
        assert resp.status == 401
        return (await resp.json())["error"]["data"]


async def test_each_refusal_says_what_was_wrong(make_client):
    api = await make_client()
    other = await create_key(api.store, "old", "default")
    assert await api.store.keys.revoke(other.id)
    assert "send 'Authorization: Apikey" in await _spectrum(api, {})
    unknown = await _spectrum(api, {"Authorization": "Apikey sk_not_a_key_of_ours"})
    assert "not known" in unknown
    revoked = await _spectrum(api, {"Authorization": f"Apikey {other.key}"})
    assert "revoked" in revoked and "send" not in revoked
    async with api.http.post("/v1/moderations", json={"input": "hi"},
                             headers={"Authorization": f"Bearer {other.key}"}) as resp:
        assert resp.status == 401
        assert "revoked" in (await resp.json())["error"]["message"]
    async with api.http.post("/api/v1/moderation/text", json={"value": "hi"},
                             headers={"Authorization": f"Bearer {other.key}"}) as resp:
        assert resp.status == 401
        assert "revoked" in (await resp.json())["message"]
