"""Served calibration and default thresholds, fitted on pooled development data (issue 20).

The shipped model's scores were calibrated on one source each (OLID val for toxicity, a label's
own training rows for the others), so 0.5 meant different things on different sites. Here, after
training, on the development parts of several sources (`Corpus.development`: never trained on,
never a test split):

1. Each source is cut to a realistic share of positives (at most MAX_POSITIVE_SHARE, positives
   dropped at random with a fixed seed) and at most MAX_ROWS rows, so no one source's mix
   decides; each source then weighs the same in the pool, whatever its size.
2. The evidence prior K (`LinearModel.evidence_prior`): a text's evidence (its n-gram part and
   its stack terms) is shrunk by sqrt(q / (q + K)), q the text's summed squared idf weights, so
   a text of one common word (`a`, `lol`, a bare link) no longer speaks with a whole
   sentence's voice, while a rare, telling word (`b1tch`) keeps most of its own. K is a prior,
   EVIDENCE_PRIOR, about the weight of three ordinary words, set by hand: the development
   pool holds too few one-word texts to choose it (its log-loss prefers no prior by a little,
   and that cost is reported for every grid value).
3. Platt scaling per label on the served logits (worst window of a long text, as served),
   source-weighted; folded into the weights by the caller.
   With LONG_CHARS set, the LONG_LABELS' Platt scaling is fitted twice: on the texts of at most
   LONG_CHARS characters and on the longer ones (each row keeping its weight), the short fit
   folded into the weights, the long one served on top of it for longer texts
   (engine.json "long_calibration", `engine.LengthCalibration`).
4. Each decided label's default threshold: the grid value with the best F1 averaged over the
   sources that have positives of the label, with a bootstrap interval (rows resampled within
   each source) saying how stable that choice is.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.linear_model import LogisticRegression

from .. import labels as L
from ..engine import ENGINE_FILE, Engine, Lexicon, Stack, load_engine
from .corpus import DEV_SEED, Sample
from .recipe import FittedLabel, write_models

MAX_POSITIVE_SHARE = 0.25
MAX_ROWS = 2000
# Sources that say nothing of a label but are ordinary text for it: tweets and chat prompts are
# not spam (the training treats them so too), and their false alarms count.
NEGATIVE_SOURCES: dict[str, tuple[str, ...]] = {L.PHISHING: ("olid_val", "moderation_dev")}
EVIDENCE_PRIOR = 300.0
# A second calibration for long texts (issue 20, part 3: e-mail-length text against short
# messages), for these labels; None: one calibration for every length. 400 chosen among 160,
# 256 and 400 on development data, with the Enron rows in training (docs/BENCHMARKS.md,
# "Enron-Spam with a length-aware phishing calibration"; since 2026.12.06-spamkind-1).
LONG_CHARS: int | None = 400
LONG_LABELS = (L.PHISHING,)
PRIOR_GRID = (0.0, 100.0, EVIDENCE_PRIOR, 1000.0)
THRESHOLD_GRID = np.round(np.arange(0.02, 0.985, 0.01), 2)
BOOTSTRAP = 200
_EPSILON = 1e-12


@dataclass(frozen=True)
class Source:
    """One development source for one label: texts and 0/1 targets."""

    name: str
    texts: list[str]
    y: np.ndarray


def realistic(samples: Sequence[Sample], label: str, negative_only: bool = False,
              max_share: float = MAX_POSITIVE_SHARE, max_rows: int = MAX_ROWS,
              seed: int = DEV_SEED) -> tuple[list[str], np.ndarray]:
    """Return (texts, targets) of `samples` for `label` with at most `max_share` positives and
    `max_rows` rows (random, fixed by `seed`, kept in the source's order)."""
    rows = [(s.text, 0 if negative_only else s.labels[label]) for s in samples
            if negative_only or label in s.labels]
    y = np.array([t for _, t in rows], dtype=int)
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    most = int(max_share / (1 - max_share) * len(neg))
    if len(pos) > most:
        pos = rng.choice(pos, most, replace=False)
    if len(pos) + len(neg) > max_rows:
        share = len(pos) / (len(pos) + len(neg))
        n_pos = int(round(max_rows * share))
        pos = rng.choice(pos, n_pos, replace=False)
        neg = rng.choice(neg, max_rows - n_pos, replace=False)
    keep = np.sort(np.concatenate([pos, neg]).astype(int))
    return [rows[i][0] for i in keep], y[keep]


def pool(development: Mapping[str, Sequence[Sample]], label: str) -> list[Source]:
    """Return the development sources of `label`: those that annotate it with both classes,
    plus NEGATIVE_SOURCES as all-negative ordinary text."""
    out = []
    for name, samples in development.items():
        negative = name in NEGATIVE_SOURCES.get(label, ())
        if not negative and len({s.labels[label] for s in samples if label in s.labels}) < 2:
            continue
        texts, y = realistic(samples, label, negative)
        out.append(Source(name, texts, y))
    return out


def served_logits(engine: Engine, texts: Sequence[str], label: str) -> np.ndarray:
    """Return the served logit of `label` per text (a long text's worst window)."""
    column = engine.labels.index(label)
    p = np.clip(engine.score(texts)[:, column], _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


def _weights(sources: Sequence[Source]) -> np.ndarray:
    """Each source weighs the same in all (1 per source, spread over its rows)."""
    return np.concatenate([np.full(len(s.y), 1.0 / len(s.y)) for s in sources])


def platt(logits: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Return (a, c) of p = sigmoid(a * logit + c), fitted by weighted maximum likelihood."""
    fit = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    fit.fit(logits.reshape(-1, 1), y, sample_weight=w * len(w) / w.sum())
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Return the weighted mean log-loss."""
    p = np.clip(p, _EPSILON, 1 - _EPSILON)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


def f1_curve(p: np.ndarray, y: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Return F1 of `p >= t` against `y` for every t of `grid` (0 where nothing is right)."""
    order = np.sort(p)
    positives = np.sort(p[y == 1])
    flagged = len(p) - np.searchsorted(order, grid, side="left")
    hits = len(positives) - np.searchsorted(positives, grid, side="left")
    total = flagged + len(positives)
    return np.where(total > 0, 2.0 * hits / np.maximum(total, 1), 0.0)


@dataclass(frozen=True)
class ThresholdChoice:
    """A label's default threshold, its mean F1 across sources, and how stable the choice is."""

    threshold: float
    mean_f1: float
    per_source: dict[str, dict[str, float]]
    interval: tuple[float, float]
    mean_f1_interval: tuple[float, float]

    def report(self) -> dict:
        """Return the engine.json record of the choice."""
        return {"threshold": self.threshold, "mean_f1": round(self.mean_f1, 4),
                "bootstrap_95": list(self.interval),
                "mean_f1_bootstrap_95": [round(v, 4) for v in self.mean_f1_interval],
                "per_source": self.per_source}


def mean_over_sources(curves: Sequence[np.ndarray], names: Sequence[str],
                      weights: Mapping[str, float] | None = None) -> np.ndarray:
    """Return the mean of the sources' `curves` (one per name of `names`): each source weighs
    the same, or as `weights` says (a source it does not name weighs 1)."""
    if not weights or all(weights.get(n, 1.0) == 1.0 for n in names):
        return np.mean(curves, axis=0)
    return np.average(curves, axis=0, weights=[weights.get(n, 1.0) for n in names])


def choose_threshold(scored: Sequence[tuple[str, np.ndarray, np.ndarray]],
                     grid: np.ndarray = THRESHOLD_GRID, rounds: int = BOOTSTRAP,
                     seed: int = DEV_SEED,
                     weights: Mapping[str, float] | None = None) -> ThresholdChoice:
    """Choose the grid threshold with the best F1 averaged over the (name, probabilities,
    targets) sources that have positives; bootstrap the choice over rows resampled within each
    source (`rounds` times, fixed by `seed`). `weights` (source name -> weight, default 1 each)
    makes the average a weighted one."""
    judged = [(n, p, y) for n, p, y in scored if y.sum() > 0]
    if not judged:
        raise ValueError("no development source has a positive example")
    names = [n for n, _, _ in judged]
    curve = mean_over_sources([f1_curve(p, y, grid) for _, p, y in judged], names, weights)
    best = int(np.argmax(curve))
    rng = np.random.default_rng(seed)
    chosen, peaks = [], []
    for _ in range(rounds):
        resampled = []
        for _, p, y in judged:
            pick = rng.integers(0, len(y), len(y))
            resampled.append(f1_curve(p[pick], y[pick], grid))
        mean = mean_over_sources(resampled, names, weights)
        chosen.append(grid[int(np.argmax(mean))])
        peaks.append(mean.max())
    per_source = {}
    for name, p, y in scored:
        flagged = p >= grid[best]
        per_source[name] = {"n": len(y), "positives": int(y.sum()),
                            "flag_rate": round(float(flagged.mean()), 4),
                            "f1": round(float(f1_curve(p, y, grid[best:best + 1])[0]), 4)}
    return ThresholdChoice(float(grid[best]), float(curve[best]), per_source,
                           (float(np.percentile(chosen, 2.5)), float(np.percentile(chosen, 97.5))),
                           (float(np.percentile(peaks, 2.5)), float(np.percentile(peaks, 97.5))))


@dataclass(frozen=True)
class Calibration:
    """What `calibrate` chose: the evidence prior, Platt (a, c) per label, thresholds, and
    (`long_chars` set) the long texts' Platt (a, c) of the labels fitted twice."""

    evidence_prior: float
    platt: dict[str, tuple[float, float]]
    thresholds: dict[str, ThresholdChoice]
    report: dict
    long_chars: int | None = None
    long_platt: dict[str, tuple[float, float]] = field(default_factory=dict)

    def long_record(self) -> dict | None:
        """Return engine.json's "long_calibration": each long fit as a map on top of the short
        one folded into the weights (None: one calibration for every length)."""
        if self.long_chars is None or not self.long_platt:
            return None
        fits = {}
        for label, (a, c) in self.long_platt.items():
            short_a, short_c = self.platt[label]
            # a * raw + c where raw = (z - short_c) / short_a, z the served (short) logit
            if not a / short_a > 0:  # the engine refuses it: fail here, not at load
                raise ValueError(f"{label}: the long texts' Platt slope {a / short_a:g} is not "
                                 "positive; the long texts rank backwards on this data")
            fits[label] = [a / short_a, c - a * short_c / short_a]
        return {"chars": self.long_chars, "labels": fits}


def _fit(logits: np.ndarray, y: np.ndarray, w: np.ndarray, long: np.ndarray | None
         ) -> tuple[tuple[float, float], tuple[float, float] | None, np.ndarray]:
    """Return the Platt fit of the short rows (all rows without `long`), that of the `long`
    rows (None without, or where every row is of one kind), and every row's calibrated
    probability."""
    if long is None or long.all() or not long.any():
        a, c = platt(logits, y, w)
        return (a, c), None, sigmoid(a * logits + c)
    short = ~long
    a, c = platt(logits[short], y[short], w[short])
    la, lc = platt(logits[long], y[long], w[long])
    return (a, c), (la, lc), np.where(long, sigmoid(la * logits + lc), sigmoid(a * logits + c))


def calibrate(engine: Engine, development: Mapping[str, Sequence[Sample]],
              labels: Sequence[str] = L.DECIDED, prior: float = EVIDENCE_PRIOR,
              priors: Sequence[float] = PRIOR_GRID,
              log: Callable[[str], None] = print,
              long_chars: int | None | Literal["switch"] = "switch") -> Calibration:
    """Fit Platt per label and choose each label's threshold on the development pool, with
    the evidence prior `prior` (the pooled log-loss of each of `priors` is reported too).
    Sets `engine.model.evidence_prior` to each in turn (left at `prior`); the caller folds
    (a, c) into the weights. With `long_chars` (default: the switch LONG_CHARS, read when this
    runs, so a driver that sets it is obeyed; None: one fit for every
    length), LONG_LABELS are fitted twice, on texts of at most that many characters and on
    longer ones. `engine` must serve one calibration for every length: its logits are the
    ones the fits map, and a long calibration already served would be fitted on twice."""
    if engine.length is not None:
        raise ValueError("calibrate needs an engine with one calibration for every length; "
                         "this one serves a long texts' calibration (engine.json "
                         "\"long_calibration\")")
    if long_chars == "switch":
        long_chars = LONG_CHARS
    pools = {label: pool(development, label) for label in labels}
    longs = {label: (np.array([len(t) > long_chars for s in sources for t in s.texts])
                     if long_chars is not None and label in LONG_LABELS else None)
             for label, sources in pools.items()}
    grid: dict[float, dict] = {}
    for candidate in sorted({*priors, prior}):
        engine.model.evidence_prior = candidate
        fits = {}
        for label, sources in pools.items():
            logits = np.concatenate([served_logits(engine, s.texts, label) for s in sources])
            y = np.concatenate([s.y for s in sources])
            w = _weights(sources)
            (a, c), long_fit, p = _fit(logits, y, w, longs[label])
            fits[label] = (a, c, log_loss(p, y, w), p, long_fit)
        total = sum(f[2] for f in fits.values())
        grid[candidate] = {"fits": fits, "log_loss": total}
        log(f"  calibration: evidence prior {candidate:g}: pooled log-loss {total:.4f} ("
            + ", ".join(f"{k} {v[2]:.4f}" for k, v in fits.items()) + ")")
    engine.model.evidence_prior = prior
    fits = grid[prior]["fits"]
    thresholds = {}
    for label, sources in pools.items():
        p = fits[label][3]
        edges = np.cumsum([0] + [len(s.y) for s in sources])
        scored = [(s.name, p[edges[k]:edges[k + 1]], s.y) for k, s in enumerate(sources)]
        thresholds[label] = choose_threshold(scored)
        log(f"  threshold {label}: {thresholds[label].threshold:.2f} (bootstrap 95 % "
            f"{thresholds[label].interval[0]:.2f}-{thresholds[label].interval[1]:.2f}), mean "
            f"F1 {thresholds[label].mean_f1:.3f}")
    report = {
        "method": "Platt per label on pooled development data, each source weighing the same, "
                  f"positives at most {MAX_POSITIVE_SHARE:g} of a source, at most {MAX_ROWS} "
                  "rows per source; evidence prior set by hand (pooled log-loss of a grid "
                  "reported); thresholds "
                  f"by F1 averaged over sources, {BOOTSTRAP} bootstrap rounds",
        "evidence_prior": prior,
        "evidence_prior_grid": {f"{k:g}": {"log_loss": round(v["log_loss"], 5),
                                           **{label: round(f[2], 5)
                                              for label, f in v["fits"].items()}}
                                for k, v in grid.items()},
        "sources": {label: {s.name: {"n": len(s.y), "positives": int(s.y.sum())}
                            for s in sources} for label, sources in pools.items()},
        "platt": {label: [round(f[0], 6), round(f[1], 6)] for label, f in fits.items()},
        "thresholds": {label: t.report() for label, t in thresholds.items()},
    }
    long_platt = {label: f[4] for label, f in fits.items() if f[4] is not None}
    if long_platt:
        report["long"] = {
            "chars": long_chars,
            "platt": {label: [round(v, 6) for v in fit] for label, fit in long_platt.items()},
            "texts": {label: int(longs[label].sum()) for label in long_platt},
            "method": f"Platt fitted apart on the texts longer than {long_chars} characters "
                      "(each row keeping its weight); \"platt\" is the shorter texts' fit"}
    return Calibration(prior, {k: (f[0], f[1]) for k, f in fits.items()}, thresholds, report,
                       long_chars if long_platt else None, long_platt)


def fold(fitted: Mapping[str, FittedLabel], stack: Stack | None,
         scaling: Mapping[str, tuple[float, float]]) -> tuple[dict[str, FittedLabel],
                                                               Stack | None]:
    """Return the labels' weights and the stack with p = sigmoid(a * logit + c) folded in for
    each label of `scaling` (a label's stack terms scale with its weights)."""
    out = dict(fitted)
    for label, (a, c) in scaling.items():
        old = fitted[label]
        out[label] = FittedLabel(old.weights * a, old.bias * a + c,
                                 f"{old.calibration}; served: Platt (a={a:.4f}, c={c:.4f}) on "
                                 "pooled development data", old.platt, old.out_of_fold)
    if stack is None:
        return out, None
    scale = np.array([scaling.get(label, (1.0, 0.0))[0] for label in stack.labels])
    return out, Stack(stack.labels, stack.words, stack.embedding,
                      stack.embedding_weights * scale[:, None], stack.reference_weights * scale,
                      stack.reference, stack.lexicon_weights * scale, stack.lexicon_category)


def recalibrate(development: Mapping[str, Sequence[Sample]], version: str,
                vocabulary: list[str], idf: np.ndarray, fitted: dict[str, FittedLabel],
                lexicon: Lexicon, meta: dict, stack: Stack | None,
                log: Callable[[str], None] = print
                ) -> tuple[dict[str, FittedLabel], Stack | None, dict, Calibration]:
    """Calibrate a trained model as served (`calibrate`, on a scratch copy of its files);
    return its weights, stack and engine.json meta with the calibration folded in."""
    with tempfile.TemporaryDirectory() as scratch:
        write_models(Path(scratch), version, vocabulary, idf, fitted, lexicon, meta, stack)
        calibration = calibrate(load_engine(Path(scratch)), development, log=log)
    fitted, stack = fold(fitted, stack, calibration.platt)
    meta = {**meta, "evidence_prior": calibration.evidence_prior,
            "served_calibration": calibration.report}
    long = calibration.long_record()
    if long is not None:
        meta["long_calibration"] = long
    return fitted, stack, meta, calibration


def served_thresholds(models: Path, encoder: bool = True) -> dict[str, float]:
    """Return the thresholds a model directory's labels are served with, as its engine.json
    records them (a label it chose none for is absent): the pooled calibration's
    ("served_calibration", written above), replaced by the encoder tier's where the directory
    has one and `encoder` is set (an engine loaded without its encoder serves the former)."""
    meta = json.loads((models / ENGINE_FILE).read_text())
    chosen = {label: float(choice["threshold"]) for label, choice
              in meta.get("served_calibration", {}).get("thresholds", {}).items()}
    if encoder:
        chosen.update({label: float(t) for label, t
                       in meta.get("encoder", {}).get("thresholds", {}).items()})
    return chosen


def served_threshold(models: Path, label: str) -> float:
    """Return the threshold `label` is served with from the model directory `models`."""
    return served_thresholds(models)[label]
