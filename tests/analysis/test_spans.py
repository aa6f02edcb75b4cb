"""The `spans` detector in the analysis: spans of the original text, sub-labels joining the
labels, and classifyText never loading the span model."""

from __future__ import annotations

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import AVAILABLE, Options
from spectrum_rpc.resources import ANALYZER
from tests.helpers.http import classify

TEXT = "Thanks for nothing, you pathetic idiot 😀"


async def test_spans_alone(app_client):
    analyzer = app_client.app[ANALYZER]
    result = await analyzer.moderate("default", TEXT, Options(detect=frozenset({"spans"})))
    assert set(result) == {"spans", "hash"}
    toxic = [s for s in result["spans"] if s["label"] == L.TOXICITY]
    assert any("idiot" in TEXT[s["begin"]:s["end"]] for s in toxic)
    assert not any("Thanks" in TEXT[s["begin"]:s["end"]] for s in toxic)
    for span in result["spans"]:
        assert set(span) == {"begin", "end", "label", "score"}
        assert span["label"] in (L.TOXICITY, *L.SPAN_LABELS)
        assert 0.0 <= span["score"] <= 1.0


async def test_sub_labels_join_the_labels(app_client):
    analyzer = app_client.app[ANALYZER]
    result = await analyzer.moderate("default", TEXT, Options(detect=frozenset({"labels"})))
    labels = result["labels"]
    assert set(labels) >= {L.TOXICITY, L.INSULT, L.THREAT, L.IDENTITY_ATTACK, L.PROFANITY}
    assert not set(labels) & set(L.UNSUPPORTED)
    assert "spans" not in result
    # Every label with a reject threshold is decided, the span model's among them (insult
    # has a default pair; the others are off by default: tests/analysis/test_decisions.py).
    assert set(result["flagged"]) == {*L.DECIDED, L.INSULT}
    neutral = await analyzer.moderate("default", "See you at the meeting on Monday.",
                                      Options(detect=frozenset({"labels"})))
    assert labels[L.INSULT] > neutral["labels"][L.INSULT]


async def test_labels_and_spans_together(app_client):
    analyzer = app_client.app[ANALYZER]
    both = await analyzer.moderate("default", TEXT, Options(detect=frozenset({"labels",
                                                                              "spans"})))
    alone = await analyzer.moderate("default", TEXT, Options(detect=frozenset({"labels"})))
    assert both["labels"] == alone["labels"] and both["spans"]


async def test_classify_never_loads_the_span_model(app_client, rpc):
    await rpc(app_client, classify("you are an idiot"))
    detection = app_client.app[ANALYZER]._detection
    assert detection is None or "spans" not in detection._built


def test_scorable_and_unsupported_labels_are_listed():
    assert "spans" in AVAILABLE
    assert {L.INSULT, L.THREAT, L.IDENTITY_ATTACK, L.PROFANITY} <= set(L.SCORABLE)
    assert "severe_toxicity" in L.UNSUPPORTED and "severe_toxicity" not in L.SCORABLE


async def test_sub_labels_can_be_left_out(app_client):
    analyzer = app_client.app[ANALYZER]
    options = Options(detect=frozenset({"labels"}), sub_labels=False)
    result = await analyzer.moderate("default", TEXT, options)
    assert L.INSULT not in result["labels"] and L.TOXICITY in result["labels"]
