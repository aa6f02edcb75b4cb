"""The data rules of a retrain (training.dataset): targets from shouldBlock and labels, merging
repeated texts, a stable stratified holdout."""

from __future__ import annotations

from spectrum_rpc.store import FeedbackRecord
from spectrum_rpc.training.dataset import feedback_set, merge, targets_of


def row(id: int, content: str, block: bool, labels=None, t: float = 0.0, key: str = "k1",
        excluded: bool = False) -> FeedbackRecord:
    return FeedbackRecord(id, "default", key, t or float(id), content, f"sha-{content}", block,
                          labels, None, excluded)


def test_should_block_false_makes_every_label_negative():
    out = targets_of(False, None)
    assert set(out.values()) == {0} and {"toxicity", "sexual", "phishing"} <= set(out)


def test_should_block_true_without_decision_label_trains_toxicity():
    assert targets_of(True, None) == {"toxicity": 1}
    assert targets_of(True, {"violence": True}) == {"violence": 1, "toxicity": 1}
    assert targets_of(True, {"phishing": True}) == {"phishing": 1}
    mixed = targets_of(True, {"hate": True, "sexual": False})
    assert mixed == {"hate": 1, "toxicity": 1, "sexual": 0}


def test_same_content_merges_and_the_most_recent_answer_wins():
    rows = [row(1, "a", True, t=10), row(2, "a", False, t=20), row(3, "b", True),
            row(4, "b", True), row(5, "c", True, excluded=True)]
    merged, counts = merge(rows)
    by_text = {c.text: c for c in merged}
    assert by_text["a"].should_block is False and by_text["a"].id == 2
    assert "c" not in by_text
    assert counts == {"rows": 5, "excluded": 1, "duplicates": 2, "conflicts": 1, "merged": 2}


def test_holdout_is_stratified_and_stable_as_feedback_grows():
    rows = [row(i, f"text {i}", i % 4 == 0) for i in range(1, 201)]
    first = feedback_set(rows[:100], 0.2)
    assert len(first.holdout) == 20
    assert sum(c.should_block for c in first.holdout) == 5  # 25 of 100 block -> 5 of 20
    later = feedback_set(rows, 0.2)
    moved = {c.id for c in first.holdout} - {c.id for c in later.holdout}
    assert len(moved) <= 4
