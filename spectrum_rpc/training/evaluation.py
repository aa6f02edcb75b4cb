"""Evaluation before promotion: the feedback holdout and the base test sets, and the gate.

A candidate is promoted only if its F1 on the holdout (decision: any of the Spectrum labels
at or above its threshold, against shouldBlock) beats the model in use by more than
`min_gain`, and no base test set loses more than `tolerance` ROC-AUC on any label. Wrong or
malicious feedback can make a candidate look good on its own holdout, but not on the
public test sets, which feedback never touches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from ..engine import Engine
from ..engine.corpus import Sample
from .dataset import Correction


def _auc(y: Sequence[int], p: Sequence[float]) -> float | None:
    return float(roc_auc_score(y, p)) if len(set(y)) == 2 else None


def holdout_figures(engine: Engine, rows: Sequence[Correction],
                    thresholds: Mapping[str, float]) -> dict:
    """Score the holdout: shouldBlock F1/precision/recall/ROC-AUC, plus ROC-AUC per label."""
    if not rows:
        return {"rows": 0}
    scores = engine.classify([r.text for r in rows])
    y = np.array([int(r.should_block) for r in rows])
    margin = np.array([max(sc[k] - t for k, t in thresholds.items() if k in sc) for sc in scores])
    decided = (margin >= 0).astype(int)
    out = {
        "rows": len(rows), "positives": int(y.sum()),
        "f1": float(f1_score(y, decided, zero_division=0)),
        "precision": float(precision_score(y, decided, zero_division=0)),
        "recall": float(recall_score(y, decided, zero_division=0)),
        "roc_auc": _auc(y.tolist(), margin.tolist()),
    }
    per_label = {}
    for label in engine.model.labels:
        pairs = [(r.targets[label], sc[label]) for r, sc in zip(rows, scores, strict=True)
                 if label in r.targets]
        auc = _auc([a for a, _ in pairs], [b for _, b in pairs]) if pairs else None
        if auc is not None:
            per_label[label] = auc
    out["label_roc_auc"] = per_label
    return out


def base_figures(engine: Engine, tests: Mapping[str, Sequence[Sample]]
                 ) -> dict[str, dict[str, float]]:
    """Return ROC-AUC per test set and label (labels with both classes the engine scores)."""
    out: dict[str, dict[str, float]] = {}
    for name, samples in tests.items():
        scores = engine.classify([s.text for s in samples])
        figures = {}
        for label in sorted({k for s in samples for k in s.labels}):
            pairs = [(s.labels[label], sc[label]) for s, sc in zip(samples, scores, strict=True)
                     if label in s.labels and label in sc]
            auc = _auc([a for a, _ in pairs], [b for _, b in pairs]) if pairs else None
            if auc is not None:
                figures[label] = auc
        out[name] = figures
    return out


@dataclass
class Verdict:
    """The gate's decision and every reason behind it."""

    promote: bool
    reasons: list[str] = field(default_factory=list)


def judge(current: dict, candidate: dict, *, tolerance: float, min_gain: float,
          min_holdout: int) -> Verdict:
    """Apply the promotion gate to the figures of the model in use and of the candidate."""
    reasons: list[str] = []
    ok = True
    held = candidate["holdout"]
    if held.get("rows", 0) < min_holdout:
        ok = False
        reasons.append(f"holdout has {held.get('rows', 0)} rows, fewer than {min_holdout}")
    else:
        before, after = current["holdout"]["f1"], held["f1"]
        better = after > before + min_gain
        ok &= better
        reasons.append(f"holdout F1 {after:.4f} vs {before:.4f} in use: "
                       + ("better" if better else f"not better by more than {min_gain:g}"))
    for name, figures in candidate["base"].items():
        for label, auc in figures.items():
            before = current["base"].get(name, {}).get(label)
            if before is not None and auc < before - tolerance:
                ok = False
                reasons.append(f"base test set {name}/{label}: ROC-AUC {auc:.4f} vs {before:.4f}"
                               f" in use, worse by more than {tolerance:g}")
    if not candidate["base"]:
        reasons.append("no base test sets available: only the holdout was checked")
    elif ok:
        reasons.append(f"no base test set lost more than {tolerance:g} ROC-AUC")
    return Verdict(ok, reasons)
