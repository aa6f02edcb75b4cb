"""The promotion gate (training.evaluation): per-row log-loss, and judging a candidate against the
model in use."""

from __future__ import annotations

import pytest

from spectrum_rpc.training.dataset import Correction
from spectrum_rpc.training.evaluation import judge, row_log_loss


def test_row_log_loss_sums_the_labels_each_row_has_a_target_for():
    rows = [Correction(1, "k", "a", "a", True, {"toxicity": 1}),
            Correction(2, "k", "b", "b", False, {"toxicity": 0, "sexual": 0})]
    scores = [{"toxicity": 0.5, "sexual": 0.9}, {"toxicity": 0.5, "sexual": 0.0}]
    # log 2 each, plus a certain right answer (clipped 1e-6 away from 0) on the second row
    assert row_log_loss(rows, scores) == pytest.approx([0.693147, 0.693147 + 1e-6], abs=1e-5)


def figures(log_loss: float, f1: float, auc: float, gain: float = 0.0, se: float = 0.0) -> dict:
    held = {"rows": 80, "log_loss": log_loss, "f1": f1,
            "log_loss_gain": {"mean": gain, "standard_error": se}}
    return {"holdout": held, "base": {"public": {"toxicity": auc}}}


def test_the_gate_judges_the_holdout_by_log_loss_beyond_its_standard_error():
    gate = {"tolerance": 0.01, "min_gain": 0.0, "min_holdout": 10, "gain_standard_errors": 1.0}
    in_use = figures(0.40, 0.6, 0.90)
    # Same F1 (no held-out row crossed the threshold), clearly better probabilities: promoted.
    verdict = judge(in_use, figures(0.35, 0.6, 0.90, gain=0.05, se=0.01), **gate)
    assert verdict.promote, verdict.reasons
    assert verdict.reasons[0].startswith("holdout log-loss 0.3500 vs 0.4000 in use: better")
    # A gain smaller than its standard error is chance, whatever F1 says: refused.
    verdict = judge(in_use, figures(0.39, 0.7, 0.90, gain=0.01, se=0.02), **gate)
    assert not verdict.promote and "not better" in verdict.reasons[0]
    assert judge(in_use, figures(0.39, 0.7, 0.90, gain=0.01, se=0.02),
                 **{**gate, "gain_standard_errors": 0.0}).promote  # any gain, when asked
    # Worse probabilities: refused even with no standard error required.
    verdict = judge(in_use, figures(0.45, 0.7, 0.90, gain=-0.05, se=0.01),
                    **{**gate, "gain_standard_errors": 0.0})
    assert not verdict.promote
    # Better on the holdout, worse on a base test set by more than the tolerance: refused.
    verdict = judge(in_use, figures(0.20, 0.9, 0.88, gain=0.2, se=0.01), **gate)
    assert not verdict.promote and "public/toxicity" in verdict.reasons[1]
