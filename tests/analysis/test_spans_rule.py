"""The spans rule (`spans.worth_marking`): a text's spans are answered when its toxicity
reached the review line or a sub-label reaches SUB_LABEL_LINE; applied in a thread, in the
detector process, and after the fact when the toxicity is scored at the same time."""

from __future__ import annotations

import pytest

from spectrum_rpc.analysis import Detection, Offload, Options
from spectrum_rpc.engine import SHIPPED_MODELS, load_engine
from spectrum_rpc.engine.spans import SUB_LABEL_LINE, Span, SpanAnalysis, worth_marking
from spectrum_rpc.resources import ANALYZER

INSULTING = "You sound so uneducated"  # toxicity below the review line, insult 0.31
HARMLESS = "Thanks, genius."  # a span, but no sub-label near the line
SPANS = Options(detect=frozenset({"spans"}))


def analysis(*scores: float) -> SpanAnalysis:
    return SpanAnalysis(spans=(Span(0, 3, "toxicity", 0.6),),
                        labels=tuple(zip(("insult", "threat"), scores, strict=False)))


@pytest.mark.parametrize(("scores", "toxic", "marked"), [
    ((0.0, 0.0), True, True),
    ((0.0, 0.0), False, False),
    ((SUB_LABEL_LINE - 0.01, 0.0), False, False),
    ((SUB_LABEL_LINE, 0.0), False, True),
    ((0.0, 0.9), False, True),
    ((), False, False),
])
def test_worth_marking(scores, toxic, marked):
    assert worth_marking(analysis(*scores), toxic) is marked


@pytest.fixture(scope="module")
def detection() -> Detection:
    return Detection(load_engine().lexicon)


@pytest.mark.parametrize("large_text", [0, 5], ids=["thread", "child"])
async def test_the_rule_where_the_detectors_run(detection, large_text):
    offload = Offload(large_text=large_text)
    try:
        kept = await offload.run(detection, SHIPPED_MODELS, INSULTING, SPANS, False)
        dropped = await offload.run(detection, SHIPPED_MODELS, HARMLESS, SPANS, False)
        toxic = await offload.run(detection, SHIPPED_MODELS, HARMLESS, SPANS, True)
        later = await offload.run(detection, SHIPPED_MODELS, HARMLESS, SPANS, None)
    finally:
        await offload.close()
    assert set(kept) == set(dropped) == set(toxic) == {"spans"}
    assert kept["spans"] and dropped["spans"] == [] and toxic["spans"]
    assert later["spans"] == toxic["spans"]  # undecided: kept until settled
    Detection.settle(later, False)
    assert later == dropped


async def test_the_analyzer_applies_the_rule_with_the_projects_line(app_client):
    analyzer = app_client.app[ANALYZER]
    kept = await analyzer.moderate("default", INSULTING, SPANS)
    dropped = await analyzer.moderate("default", HARMLESS, SPANS)
    assert set(kept) == set(dropped) == {"spans", "hash"}
    assert kept["spans"] and dropped["spans"] == []
