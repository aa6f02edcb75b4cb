"""Evaluation metrics shared by scripts/evaluate.py and the quality tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Return the ECE over equal-width probability bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(p[members].mean() - y[members].mean())
    return float(error)


@dataclass(frozen=True)
class Report:
    """Scores of one label on one test set."""

    n: int
    positives: int
    roc_auc: float
    precision: float
    recall: float
    f1: float
    ece: float


def report(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> Report:
    """Return ROC-AUC, P/R/F1 at `threshold` and ECE."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    prec, rec, f1, _ = precision_recall_fscore_support(
        y, (p >= threshold).astype(int), average="binary", zero_division=0)
    return Report(len(y), int(y.sum()), float(auc), float(prec), float(rec), float(f1),
                  expected_calibration_error(y, p))
