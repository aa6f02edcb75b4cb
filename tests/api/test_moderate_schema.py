"""rpc.discover's schema of moderateText's result describes every key a real full answer
holds, at every depth, and the answer validates against it; over real HTTP."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from spectrum_rpc.analysis import AVAILABLE

TEXT = ("You are a fucking idiot. Mail me at jane.doe@example.com, call +1 415 555 0100, "
        "see https://example.org or @janedoe, card 4111 1111 1111 1111, "
        "I'm John Smith at 1600 Pennsylvania Ave NW, Washington, DC 20500. Have a nice dya!")


def closed(schema: Any) -> Any:
    """The schema with every object that lists its properties closed to others (the published
    one tolerates additive fields; this test wants each of ours described)."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in schema:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


async def schema_of(client, rpc) -> dict:
    reply = await rpc(client, {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1})
    (method,) = [m for m in reply.json["result"]["methods"] if m["name"] == "moderateText"]
    return method["result"]["schema"]


async def answer(client, rpc, **options) -> dict:
    reply = await rpc(client, {"jsonrpc": "2.0", "method": "moderateText", "id": 1, "params": {
        "text": TEXT, "options": {"detect": list(AVAILABLE), **options}}})
    return reply.json["result"]


@pytest.mark.parametrize("options", [{}, {"expectedLanguage": "fr", "modes": {
    "pii": "PARANOID", "profanity": "PARANOID"}}])
async def test_full_answer_is_described(app_client, rpc, options):
    schema = await schema_of(app_client, rpc)
    result = await answer(app_client, rpc, **options)
    assert set(result) <= set(schema["properties"])
    # every detector answered (the test is only as good as the answer is full)
    assert {"labels", "flagged", "actions", "spans", "sentences", "profanity", "pii", "masked",
            "language", "sentiment", "quality", "corrected", "hash", "modelVersion"} <= set(result)
    assert result["spans"] and result["profanity"]["matches"]
    assert any(v["matches"] for v in result["pii"].values())
    jsonschema.validate(result, closed(schema))


async def test_skipped_spelling_is_described(app_client, rpc):
    schema = await schema_of(app_client, rpc)
    result = await answer(app_client, rpc, expectedLanguage="fr")
    assert result["correctedSkipped"] == "language"
    jsonschema.validate(result, closed(schema))


async def test_every_personal_data_type_is_described(app_client, rpc):
    schema = await schema_of(app_client, rpc)
    result = await answer(app_client, rpc)
    assert set(result["pii"]) == set(schema["properties"]["pii"]["properties"])
