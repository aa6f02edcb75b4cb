"""moderateText with the `spans` detector, over real HTTP against the real app: the documented
shape, offsets into the text as sent, and the sub-labels among the labels."""

from __future__ import annotations

from spectrum_rpc import labels as L

TEXT = "Ça suffit, espèce d'idiot 🙄 — you are a worthless moron"


def call(params: dict, id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "params": params, "id": id}


async def test_spans_over_http(app_client, rpc):
    reply = await rpc(app_client, call({"text": TEXT, "options": {"detect": ["spans"]}}))
    result = reply.json["result"]
    assert set(result) == {"spans", "hash"}
    assert all(set(s) == {"begin", "end", "label", "score"} for s in result["spans"])
    toxic = [TEXT[s["begin"]:s["end"]] for s in result["spans"] if s["label"] == L.TOXICITY]
    assert any("moron" in piece for piece in toxic)
    assert all(0 <= s["begin"] < s["end"] <= len(TEXT) for s in result["spans"])


async def test_labels_hold_the_sub_labels(app_client, rpc):
    reply = await rpc(app_client, call({"text": TEXT, "options": {"detect": ["labels"]}}))
    labels = reply.json["result"]["labels"]
    for label in (L.INSULT, L.THREAT, L.IDENTITY_ATTACK, L.PROFANITY):
        assert 0.0 <= labels[label] <= 1.0
    assert "severe_toxicity" not in labels


async def test_discovery_documents_spans(app_client, rpc):
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1})
    (method,) = [m for m in reply.json["result"]["methods"] if m["name"] == "moderateText"]
    assert "spans" in method["description"]
    spans = method["result"]["schema"]["properties"]["spans"]
    assert set(spans["items"]["required"]) == {"begin", "end", "label", "score"}
