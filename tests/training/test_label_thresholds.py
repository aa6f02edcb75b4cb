"""The default reject thresholds of the labels outside classifyText's three: the rule (best
F1, off for too few positives, a weak best F1 or an unstable choice) on made-up scores, and,
on the shared data's development parts, that the shipped defaults are what it chooses."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import label_thresholds as T


def scores(positives: int, negatives: int, gap: float, seed: int = 0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Negatives around 0.2, positives around 0.2 + gap (clipped to [0, 1])."""
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.normal(0.2 + gap, 0.08, positives), rng.normal(0.2, 0.08, negatives)])
    y = np.concatenate([np.ones(positives, int), np.zeros(negatives, int)])
    return np.clip(p, 0.0, 1.0), y


def test_a_well_separated_label_gets_the_threshold_between_the_classes():
    p, y = scores(60, 240, gap=0.5)
    choice = T.choose(p, y, rounds=50)
    assert choice.reject is not None and 0.35 < choice.reject < 0.6
    assert choice.f1 > 0.9 and choice.interval[1] - choice.interval[0] <= T.MAX_INTERVAL


def test_too_few_positives_leave_the_label_off():
    p, y = scores(T.MIN_POSITIVES - 1, 300, gap=0.5)
    choice = T.choose(p, y, rounds=50)
    assert choice.reject is None and "positives" in choice.rule


def test_a_weak_best_f1_leaves_the_label_off():
    p, y = scores(40, 400, gap=0.0)  # the label tells nothing apart
    choice = T.choose(p, y, rounds=50)
    assert choice.reject is None and choice.f1 < T.MIN_F1 and "F1" in choice.rule


@pytest.fixture(scope="module")
def development():
    root = data_dir()
    if not (root / "moderation").is_dir() or not (root / "toxicity" / "toxic_spans").is_dir():
        pytest.skip(f"../shared/data not found: {root}")
    return T.development_scores(root)[0]


@pytest.mark.slow
def test_the_shipped_defaults_are_the_development_choice(development):
    defaults = ThresholdSettings()
    for scored in development:
        if scored.label in L.DECIDED:  # the served model's, chosen by `make models`
            continue
        choice = T.choose(scored.p, scored.y)
        shipped = getattr(defaults, scored.label)
        assert shipped.reject == choice.reject, scored.label
