"""Evaluation metrics shared by the scripts/evaluate*.py scripts and the quality tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support, roc_auc_score


def paired_auc(y: np.ndarray, reference: np.ndarray, other: np.ndarray, rounds: int = 2000,
               seed: int = 0) -> tuple[float, float, float]:
    """Return `other`'s ROC-AUC and the 95 % interval (2.5th to 97.5th percentile) of its
    difference from `reference`'s by a paired bootstrap: the rows resampled `rounds` times
    (seed `seed`), both scored on the same resample; a resample holding one class has no
    ROC-AUC and is skipped. NaN where a figure is undefined: the ROC-AUC when `y` holds one
    class, the interval when no resample holds both."""
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        pick = rng.integers(0, len(y), len(y))
        if y[pick].min() == y[pick].max():
            continue
        diffs.append(roc_auc_score(y[pick], other[pick]) - roc_auc_score(y[pick], reference[pick]))
    auc = float(roc_auc_score(y, other)) if len(np.unique(y)) == 2 else float("nan")
    if not diffs:
        return auc, float("nan"), float("nan")
    low, high = np.percentile(diffs, [2.5, 97.5])
    return auc, float(low), float(high)


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
    # The F1 at the best threshold in hindsight on this very set: not a figure any served model
    # can claim, but the ceiling no calibration can pass. Where it lies under a target, only a
    # better ranking (a higher ROC-AUC) can reach the target.
    best_f1: float = float("nan")


def report(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> Report:
    """Return ROC-AUC, P/R/F1 at `threshold` and ECE."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    prec, rec, f1, _ = precision_recall_fscore_support(
        y, (p >= threshold).astype(int), average="binary", zero_division=0)
    return Report(len(y), int(y.sum()), float(auc), float(prec), float(rec), float(f1),
                  expected_calibration_error(y, p), best_f1(y, p))


def best_f1(y: np.ndarray, p: np.ndarray) -> float:
    """Return the highest F1 any threshold reaches on (`y`, `p`); NaN without a positive."""
    y = np.asarray(y).astype(int)
    if not y.any():
        return float("nan")
    precision, recall, _ = precision_recall_curve(y, np.asarray(p, dtype=float))
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max())
