"""Decisions from reject / review pairs per label, over real HTTP against the real app:
moderateText's `flagged` and `actions` cover every label with a threshold (the span model's
sub-labels among them), a project's pair overrides the default, a label left off is never
flagged, a review threshold alone asks for review, and a threshold stored as one number (as
before pairs) still means reject with review at REVIEW_SHARE of it. classifyText's three
booleans keep their reject thresholds."""

from __future__ import annotations

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.resources import ANALYZER
from spectrum_rpc.settings import ThresholdSettings
from tests.helpers.http import classify

INSULT = "you are a pathetic worthless idiot"
CLEAN = "See you at the meeting on Monday."
# Every decided label out of the way, so that the label under test decides alone.
QUIET = dict.fromkeys((L.TOXICITY, L.SEXUAL, L.PHISHING), {"reject": 1.0, "review": 1.0})


def call(text: str) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText",
            "params": {"text": text, "options": {"detect": ["labels"]}}, "id": 1}


async def moderate(api, rpc, text: str) -> dict:
    return (await rpc(api, call(text))).json["result"]


async def set_thresholds(api, thresholds: dict) -> None:
    await api.store.projects.update_settings("default", {"thresholds": thresholds})
    api.app[ANALYZER].policies.forget()  # else the change shows after the cache TTL


async def test_the_defaults_decide_insult_and_leave_the_unsupported_labels_off(app_client, rpc):
    result = await moderate(app_client, rpc, INSULT)
    assert set(result["flagged"]) == {*L.DECIDED, L.INSULT}  # the others are off by default
    assert result["flagged"][L.INSULT] == (result["labels"][L.INSULT]
                                           >= ThresholdSettings().insult.reject)
    assert result["labels"][L.INSULT] >= ThresholdSettings().insult.reject  # a plain insult
    assert result["actions"] == {"reject": True, "review": True}
    clean = await moderate(app_client, rpc, CLEAN)
    assert not any(clean["flagged"].values()) and clean["actions"]["reject"] is False


async def test_a_sub_label_alone_rejects_and_reviews(app_client, rpc):
    score = (await moderate(app_client, rpc, INSULT))["labels"][L.INSULT]
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": 1.0, "review": score}})
    result = await moderate(app_client, rpc, INSULT)
    assert result["flagged"][L.INSULT] is False
    assert result["actions"] == {"reject": False, "review": True}
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": score, "review": score}})
    assert (await moderate(app_client, rpc, INSULT))["actions"] == {"reject": True,
                                                                    "review": True}


async def test_a_label_off_by_default_decides_once_a_project_sets_a_pair(app_client, rpc):
    before = await moderate(app_client, rpc, INSULT)
    assert L.THREAT not in before["flagged"]
    await set_thresholds(app_client, {**QUIET, L.INSULT: None,
                                      L.THREAT: {"reject": 0.0, "review": 0.0}})
    after = await moderate(app_client, rpc, INSULT)
    assert after["flagged"][L.THREAT] is True and L.INSULT not in after["flagged"]
    assert after["actions"]["reject"] is True


async def test_a_review_threshold_alone_asks_for_review_and_never_rejects(app_client, rpc):
    await set_thresholds(app_client, {**QUIET, L.INSULT: {"reject": None, "review": 0.0}})
    result = await moderate(app_client, rpc, INSULT)
    assert L.INSULT not in result["flagged"]
    assert result["actions"] == {"reject": False, "review": True}


async def test_a_threshold_stored_as_one_number_means_reject(app_client, rpc):
    score = (await moderate(app_client, rpc, CLEAN))["labels"][L.TOXICITY]
    # review at REVIEW_SHARE of reject: the score sits between them
    reject = min(1.0, score / ((1 + REVIEW_SHARE) / 2))
    await set_thresholds(app_client, {**QUIET, L.INSULT: None, L.TOXICITY: reject})
    result = await moderate(app_client, rpc, CLEAN)
    assert result["flagged"][L.TOXICITY] is (score >= reject)
    assert result["actions"]["review"] is (score >= round(REVIEW_SHARE * reject, 6))
    answer = (await rpc(app_client, classify(CLEAN))).json["result"]
    assert answer["toxic"] is (answer["toxicityConfidence"] >= reject)


async def test_classify_text_keeps_the_three_reject_thresholds(app_client, rpc):
    await set_thresholds(app_client, {L.INSULT: {"reject": 0.0, "review": 0.0},
                                      L.TOXICITY: {"reject": 1.0, "review": 0.0}})
    answer = (await rpc(app_client, classify(INSULT))).json["result"]
    assert set(answer) == {"toxic", "toxicityConfidence", "sexual", "sexualConfidence",
                           "phishing", "phishingConfidence", "modelVersion"}
    assert answer["toxic"] is (answer["toxicityConfidence"] >= 1.0)
