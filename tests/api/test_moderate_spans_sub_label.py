"""moderateText's spans through the rule's sub-label branch, over real HTTP against the real
app: a text whose toxicity stays below the project's review line keeps its spans when the span
model's sub-label reaches `spans.SUB_LABEL_LINE`, and loses them when none does."""

from __future__ import annotations

from spectrum_rpc import labels as L
from spectrum_rpc.engine.spans import SUB_LABEL_LINE
from spectrum_rpc.resources import ANALYZER

# Toxicity 0.143 (below the default review line 0.1575), insult 0.31 (spans-2 model).
INSULTING = "You sound so uneducated"
# Toxicity 0.073, insult 0.06: the span model still marks a word, the rule drops it.
HARMLESS = "Thanks, genius."


def call(text: str) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
            "params": {"text": text, "options": {"detect": ["labels", "spans"]}}}


async def review_line(client) -> float:
    policy = await client.app[ANALYZER].policies.get("default")
    return policy.review_line(L.TOXICITY)


async def test_a_high_sub_label_keeps_the_spans_of_a_text_below_the_line(app_client, rpc):
    result = (await rpc(app_client, call(INSULTING))).json["result"]
    assert result["labels"][L.TOXICITY] < await review_line(app_client)
    assert result["labels"][L.INSULT] >= SUB_LABEL_LINE
    assert any(s["label"] == L.INSULT for s in result["spans"])


async def test_low_sub_labels_drop_the_spans_of_a_text_below_the_line(app_client, rpc):
    result = (await rpc(app_client, call(HARMLESS))).json["result"]
    assert result["labels"][L.TOXICITY] < await review_line(app_client)
    assert max(result["labels"][label] for label in L.SPAN_LABELS) < SUB_LABEL_LINE
    assert result["spans"] == []
