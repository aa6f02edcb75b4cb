"""moderateText's spans on harmless texts, over real HTTP against the real app: a text whose
toxicity stays below the project's review line and whose sub-labels are low gets no span;
a toxic one keeps its spans; the line is the project's own."""

from __future__ import annotations

import pytest

from spectrum_rpc import labels as L

HARMLESS = ("Nice picture!", "Could you send me the report?", "What a lovely day for a walk")
TOXIC = "Shut up, you are a worthless moron and an idiot"


def call(text: str) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
            "params": {"text": text, "options": {"detect": ["spans"]}}}


@pytest.mark.parametrize("text", HARMLESS)
async def test_harmless_texts_get_no_span(app_client, rpc, text):
    result = (await rpc(app_client, call(text))).json["result"]
    assert result["spans"] == []
    assert set(result) == {"spans", "hash"}  # the toxicity it needed is not answered


async def test_toxic_text_keeps_its_spans(app_client, rpc):
    result = (await rpc(app_client, call(TOXIC))).json["result"]
    toxic = [TOXIC[s["begin"]:s["end"]] for s in result["spans"] if s["label"] == L.TOXICITY]
    assert any("moron" in piece for piece in toxic)


async def test_the_line_is_the_projects(make_client, rpc):
    # With a toxicity threshold near zero every text reaches the review line: the span model's
    # own marks are answered as they were before the rule.
    client = await make_client(thresholds={"toxicity": 0.0001})
    result = (await rpc(client, call("Nice picture!"))).json["result"]
    assert [("Nice picture!"[s["begin"]:s["end"]], s["label"]) for s in result["spans"]] == [
        ("picture", L.TOXICITY)]
