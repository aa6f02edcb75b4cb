"""Evaluation before promotion: the feedback holdout and the base test sets, and the gate.

A candidate is promoted only if it lowers the log-loss on the holdout (per held-out row, summed
over the labels the row gives a target for) by more than `min_gain` and by more than
`gain_standard_errors` standard errors of that gain (paired over the rows), no base test set
loses more than `tolerance` ROC-AUC on any label, and an encoder tier (carried unchanged from
the base model, `fit.carry_encoder`) lowers no base test set's ROC-AUC below the candidate's
linear tier's alone by more than `tolerance`. The log-loss is a proper score:
every held-out row counts by how far its probabilities moved, where F1 at a fixed threshold
(also reported, with precision, recall and ROC-AUC of the decision against shouldBlock) changes
only when a row crosses the threshold, which on a holdout of a few dozen rows is mostly chance;
the standard error keeps a gain the holdout cannot tell from chance from promoting anything.
Wrong or malicious feedback can make a candidate look good on its own holdout, but not on the
public test sets, which feedback never touches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from .. import labels as L
from ..engine import Engine
from .corpus import Corpus, Sample
from .dataset import Correction

EPSILON = 1e-6  # probabilities are clipped so one confident mistake costs log(1e6), not inf


def _auc(y: Sequence[int], p: Sequence[float]) -> float | None:
    return float(roc_auc_score(y, p)) if len(set(y)) == 2 else None


def holdout_figures(engine: Engine, rows: Sequence[Correction],
                    thresholds: Mapping[str, float]) -> dict:
    """Score the holdout: log-loss, shouldBlock F1/precision/recall/ROC-AUC, ROC-AUC per label."""
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
        "log_loss": float(np.mean(row_log_loss(rows, scores))),
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


def row_log_loss(rows: Sequence[Correction], scores: Sequence[Mapping[str, float]]
                 ) -> np.ndarray:
    """Return each row's log-loss, summed over the labels it has a target for."""
    out = np.zeros(len(rows))
    for i, (row, sc) in enumerate(zip(rows, scores, strict=True)):
        for label, y in row.targets.items():
            if label in sc:
                p = min(max(sc[label], EPSILON), 1.0 - EPSILON)
                out[i] -= np.log(p) if y else np.log(1.0 - p)
    return out


def log_loss_gain(current: Engine, candidate: Engine, rows: Sequence[Correction]) -> dict:
    """Return how much lower the candidate's mean row log-loss is than the model in use's,
    with the standard error of that mean (paired over the rows)."""
    if not rows:
        return {"mean": 0.0, "standard_error": 0.0}
    texts = [r.text for r in rows]
    diff = (row_log_loss(rows, current.classify(texts))
            - row_log_loss(rows, candidate.classify(texts)))
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {"mean": float(diff.mean()), "standard_error": se}


@dataclass(frozen=True)
class Scored:
    """One text set scored once: the linear tier's rows, the served rows (with the encoder
    tier where it is asked) and how many texts it was asked for."""

    linear: np.ndarray
    served: np.ndarray
    asked: int


def score(engine: Engine, texts: Sequence[str]) -> Scored:
    """Score texts as `engine.score` does, keeping the linear tier's rows beside."""
    if not texts:
        empty = np.zeros((0, len(engine.labels)))
        return Scored(empty, empty, 0)
    linear = engine.linear_scores(texts)
    served = linear.copy()
    asked = engine.encoder.refine(texts, served, engine.labels) if engine.encoder else 0
    return Scored(linear, served, asked)


def score_tests(engine: Engine, tests: Mapping[str, Sequence[Sample]]) -> dict[str, Scored]:
    """Score each base test set once (for `base_figures` and `tier_figures` both)."""
    return {name: score(engine, [s.text for s in samples]) for name, samples in tests.items()}


def base_figures(engine: Engine, tests: Mapping[str, Sequence[Sample]],
                 scored: Mapping[str, Scored] | None = None) -> dict[str, dict[str, float]]:
    """Return ROC-AUC per test set and label (labels with both classes the engine scores);
    `scored`: the sets as `score_tests` scored them (else they are scored here)."""
    scored = scored if scored is not None else score_tests(engine, tests)
    out: dict[str, dict[str, float]] = {}
    for name, samples in tests.items():
        figures = {}
        for label in sorted({k for s in samples for k in s.labels} & set(engine.labels)):
            column = scored[name].served[:, engine.labels.index(label)]
            pairs = [(s.labels[label], column[i]) for i, s in enumerate(samples)
                     if label in s.labels]
            auc = _auc([a for a, _ in pairs], [float(b) for _, b in pairs]) if pairs else None
            if auc is not None:
                figures[label] = auc
        out[name] = figures
    return out


def tier_figures(engine: Engine, rows: Sequence[Correction],
                 tests: Mapping[str, Sequence[Sample]], thresholds: Mapping[str, float],
                 scored: Mapping[str, Scored] | None = None) -> dict[str, dict[str, dict]]:
    """Return, per label the encoder tier is asked about and per text set (the holdout, each
    base test set): how many texts it was asked for, how many decisions at the served
    threshold it changed, and the label's ROC-AUC with the tier and with the linear tier
    alone; empty without a tier. `scored`: the test sets as `score_tests` scored them."""
    if engine.encoder is None:
        return {}
    scored = scored if scored is not None else score_tests(engine, tests)
    sets = {"holdout": ([r.targets for r in rows], score(engine, [r.text for r in rows])),
            **{name: ([s.labels for s in samples], scored[name])
               for name, samples in tests.items()}}
    out: dict[str, dict[str, dict]] = {band.label: {} for band in engine.encoder.bands}
    for name, (targets, rows_scored) in sets.items():
        for label, figures in out.items():
            column = engine.labels.index(label)
            linear, served = rows_scored.linear[:, column], rows_scored.served[:, column]
            t = thresholds.get(label, 0.5)
            known = [i for i, y in enumerate(targets) if label in y]
            y = [targets[i][label] for i in known]
            figures[name] = {
                "texts": len(targets), "asked": rows_scored.asked,
                "changed": int(np.sum((served >= t) != (linear >= t))),
                "roc_auc": _auc(y, served[known].tolist()),
                "linear_roc_auc": _auc(y, linear[known].tolist())}
    return out


@dataclass
class Verdict:
    """The gate's decision and every reason behind it."""

    promote: bool
    reasons: list[str] = field(default_factory=list)


def judge(current: dict, candidate: dict, *, tolerance: float, min_gain: float,
          min_holdout: int, gain_standard_errors: float) -> Verdict:
    """Apply the promotion gate to the figures of the model in use and of the candidate
    (whose holdout figures carry `log_loss_gain`, from `log_loss_gain`)."""
    reasons: list[str] = []
    ok = True
    held = candidate["holdout"]
    if held.get("rows", 0) < min_holdout:
        ok = False
        reasons.append(f"holdout has {held.get('rows', 0)} rows, fewer than {min_holdout}")
    else:
        gain = held["log_loss_gain"]
        bar = max(min_gain, gain_standard_errors * gain["standard_error"])
        better = gain["mean"] > bar
        ok &= better
        reasons.append(f"holdout log-loss {held['log_loss']:.4f} vs "
                       f"{current['holdout']['log_loss']:.4f} in use: "
                       + ("better" if better else "not better")
                       + f" (gain {gain['mean']:.4f}, needed above {bar:.4f}: min_gain "
                       f"{min_gain:g}, {gain_standard_errors:g} x standard error "
                       f"{gain['standard_error']:.4f}; F1 {held['f1']:.4f} vs "
                       f"{current['holdout']['f1']:.4f})")
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
    tier = _tier_reasons(candidate.get("encoder", {}), set(candidate["base"]), tolerance)
    reasons.extend(tier)
    return Verdict(ok and not tier, reasons)


def _tier_reasons(candidate: dict, tests: set[str], tolerance: float) -> list[str]:
    """Return why the encoder tier carried into the candidate must not be served: on a base
    test set it lowers the candidate's ROC-AUC below its linear tier's alone by more than
    `tolerance` (empty: it does not hurt, or there is nothing to compare). The final scores
    are compared with the model in use's by the base test sets' own check; what the tier adds
    is not, since a better linear tier leaves it less to add."""
    reasons = []
    for label, sets in candidate.items():
        for name in sorted(tests & set(sets)):
            served, linear = sets[name]["roc_auc"], sets[name]["linear_roc_auc"]
            if served is not None and linear is not None and served < linear - tolerance:
                reasons.append(f"encoder tier on base test set {name}/{label}: ROC-AUC"
                               f" {served:.4f} with it, {linear:.4f} with the linear tier"
                               f" alone, worse by more than {tolerance:g}")
    return reasons


def ordinary_texts(corpus: Corpus, label: str, adjective: str) -> dict[str, list[str]]:
    """Texts a label should not flag, by part: the moderation samples' prompts annotated not
    `label` (test and development parts; the training part is trained on) and SMS ham (test and
    development parts). `adjective` names the label in the keys ("moderation test, not toxic")."""
    def not_label(rows: Sequence[Sample], name: str) -> list[str]:
        return [s.text for s in rows if s.labels.get(name) == 0]

    return {
        f"moderation test, not {adjective}": not_label(corpus.tests["moderation_test"], label),
        f"moderation dev, not {adjective}": not_label(corpus.development["moderation_dev"], label),
        "SMS ham, test": not_label(corpus.tests["sms_test"], L.PHISHING),
        "SMS ham, dev": not_label(corpus.development["sms_dev"], L.PHISHING),
    }
