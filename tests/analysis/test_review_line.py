"""One review line per label (`Pair.review_line`): the review threshold, or the reject threshold
where review is off, so that a rejected text always asks for review too. moderateText's
`actions.review` and the toxic-spans rule use the same line; over real HTTP against the real
app."""

from __future__ import annotations

import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import Policy
from spectrum_rpc.resources import ANALYZER
from spectrum_rpc.thresholds import Pair

INSULT = "you are a pathetic worthless idiot"
HARMLESS = "Thanks, genius."  # a toxicity span, but no sub-label near the spans rule's line
QUIET = dict.fromkeys((L.TOXICITY, L.SEXUAL, L.PHISHING), {"reject": 1.0, "review": 1.0})
# Answers round scores to 6 decimals, up as often as down: a line "at the score" is put this
# much under the answered score, so it is at or under the true one whichever way it rounded.
ROUNDING = 1e-6


@pytest.mark.parametrize(("pair", "line"), [
    (Pair(0.5, 0.3), 0.3),
    (Pair(0.5, None), 0.5),  # review off: the reject threshold
    (Pair(None, 0.3), 0.3),  # reject off: review alone
    (Pair(None, None), None),
    (Pair.of_reject(0.4), 0.3),
])
def test_the_review_line_of_a_pair(pair, line):
    assert pair.review_line == line
    policy = Policy({L.INSULT: pair})
    assert policy.review_line(L.INSULT) == line
    flagged, actions = policy.decisions({L.INSULT: 0.5})
    assert actions["review"] is (line is not None)  # 0.5 reaches every line above
    assert flagged.get(L.INSULT, False) is (pair.reject is not None)


def call(text: str, detect: list[str]) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText",
            "params": {"text": text, "options": {"detect": detect}}, "id": 1}


async def moderate(api, rpc, text: str, detect: list[str]) -> dict:
    return (await rpc(api, call(text, detect))).json["result"]


async def set_thresholds(api, thresholds: dict) -> None:
    await api.store.projects.update_settings("default", {"thresholds": thresholds})
    api.app[ANALYZER].policies.forget()  # else the change shows after the cache TTL


async def test_a_label_rejected_with_its_review_off_asks_for_review(app_client, rpc):
    score = (await moderate(app_client, rpc, INSULT, ["labels"]))["labels"][L.INSULT] - ROUNDING
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": score, "review": None}})
    result = await moderate(app_client, rpc, INSULT, ["labels"])
    assert result["flagged"][L.INSULT] is True
    assert result["actions"] == {"reject": True, "review": True}


async def test_the_spans_rule_uses_the_same_line(app_client, rpc):
    score = (await moderate(app_client, rpc, HARMLESS, ["labels"]))["labels"][L.TOXICITY] - ROUNDING
    assert score < 0.5
    # Review off: the line is the reject threshold, at the score (marked) or above it (not,
    # though REVIEW_SHARE of that reject lies below the score).
    await set_thresholds(app_client, {L.TOXICITY: {"reject": score, "review": None}})
    assert (await moderate(app_client, rpc, HARMLESS, ["spans"]))["spans"]
    above = score * 1.2
    await set_thresholds(app_client, {L.TOXICITY: {"reject": above, "review": None}})
    assert (await moderate(app_client, rpc, HARMLESS, ["spans"]))["spans"] == []
    # A review threshold at the score marks it again, whatever the reject.
    await set_thresholds(app_client, {L.TOXICITY: {"reject": above, "review": score}})
    assert (await moderate(app_client, rpc, HARMLESS, ["spans"]))["spans"]
