"""Default reject thresholds of the labels outside classifyText's three, chosen on development
data (scripts/choose_thresholds.py prints the figures; settings.ThresholdSettings holds the
choice).

Development data only, never a test split:
- `harassment`, `hate`, `violence`, `self_harm` (the linear model's labels): the moderation
  samples' development part (`Corpus.development["moderation_dev"]`: never trained on).
- `insult`, `threat`, `identity_attack`, `profanity` (the toxic-span model's post-level labels):
  the span model's `tune` split of the typed-span posts (15 % by a hash of the comment id; its
  token models never saw it: training/spans.py). corpus.py's `toxic_spans_dev` half overlaps the
  span model's fit split, where its scores would be in-sample. A post is positive for a label
  when at least half its raters marked a span of that type, as the span model's own test says.

Each source is cut to a realistic share of positives first (`calibration.realistic`, as the
decided labels' thresholds are chosen): the typed-span posts were sampled for toxicity and are
45 % insults, which would pull the best threshold far below what ordinary traffic needs. The
reject threshold is the grid value with the best F1, with a bootstrap interval over resampled
rows (`calibration.choose_threshold`). A label is left off (no default: never flagged unless a
project sets a pair) when it has fewer than MIN_POSITIVES positives, when its best F1 is below
MIN_F1 (a default that would be wrong more often than right), or when the bootstrap interval of
the choice is wider than MAX_INTERVAL (too unstable to be a default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import labels as L
from ..engine import load_engine
from ..engine import spans as S
from .calibration import BOOTSTRAP, choose_threshold, realistic
from .corpus import Sample, load_corpus
from .spans import POSITIVE_SHARE, SUB_LABELS, load_posts

MIN_POSITIVES = 15
MIN_F1 = 0.4
MAX_INTERVAL = 0.2
GRID = np.round(np.arange(0.02, 0.985, 0.01), 2)
MODERATION_LABELS = (L.TOXICITY, L.SEXUAL, L.HARASSMENT, L.HATE, L.VIOLENCE, L.SELF_HARM)


@dataclass(frozen=True)
class Scored:
    """One label's development source: scores and 0/1 targets."""

    label: str
    source: str
    p: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Choice:
    """A label's default reject threshold (None: off), and why."""

    reject: float | None
    best: float | None = None  # the best-F1 threshold, even when it was not kept
    f1: float | None = None
    interval: tuple[float, float] | None = None
    rule: str = ""


def fbeta(p: np.ndarray, y: np.ndarray, t: float, beta: float = 1.0
          ) -> tuple[float, float, float]:
    """Return precision, recall and F-beta of `p >= t` against `y`."""
    flagged = p >= t
    hits = float((flagged & (y == 1)).sum())
    precision = hits / flagged.sum() if flagged.sum() else 0.0
    recall = hits / y.sum() if y.sum() else 0.0
    b2 = beta * beta
    f = (1 + b2) * precision * recall / (b2 * precision + recall) if hits else 0.0
    return precision, recall, f


def best_f2(p: np.ndarray, y: np.ndarray, ceiling: float) -> float:
    """Return the grid threshold at or below `ceiling` with the best F2 (recall twice)."""
    grid = GRID[GRID <= ceiling + 1e-9]
    return float(grid[int(np.argmax([fbeta(p, y, t, 2.0)[2] for t in grid]))])


def choose(p: np.ndarray, y: np.ndarray, rounds: int = BOOTSTRAP) -> Choice:
    """Return a label's default reject threshold by the rule of the module docstring."""
    if y.sum() < MIN_POSITIVES:
        return Choice(None, rule=f"off: < {MIN_POSITIVES} positives")
    chosen = choose_threshold([("development", p, y)], GRID, rounds)
    low, high = chosen.interval
    if chosen.mean_f1 < MIN_F1 or high - low > MAX_INTERVAL:
        return Choice(None, chosen.threshold, chosen.mean_f1, chosen.interval,
                      f"off: best F1 {chosen.mean_f1:.2f} at {chosen.threshold:.2f} "
                      f"({low:.2f}-{high:.2f})")
    return Choice(chosen.threshold, chosen.threshold, chosen.mean_f1, chosen.interval,
                  "best F1")


def development_scores(root: Path) -> tuple[list[Scored], dict[str, np.ndarray]]:
    """Return every label's development source, scored as moderateText scores it, and every
    label's scores of the moderation development part's ordinary prompts (no category
    positive): the false alarms a default costs there."""
    engine = load_engine()
    dev = load_corpus(root).development["moderation_dev"]
    scores = engine.classify([s.text for s in dev])
    by_text = {s.text: row for s, row in zip(dev, scores, strict=True)}
    out = []
    for label in MODERATION_LABELS:
        texts, y = realistic(dev, label)
        out.append(Scored(label, "moderation_dev", np.array([by_text[t][label] for t in texts]),
                          y))
    model = S.load(S.MODEL_DIR, engine.lexicon.word_entries())
    ordinary = [i for i, s in enumerate(dev) if not any(s.labels.values())]
    sub = [dict(model.analyze(dev[i].text, ()).labels) for i in ordinary]
    plain = {label: np.array([scores[i][label] for i in ordinary]) for label in MODERATION_LABELS}
    plain.update({label: np.array([row[label] for row in sub]) for label in SUB_LABELS})
    tune = [p for p in load_posts(root)[0] if p.split == "tune" and p.raters]
    labelled = {p.text: dict(model.analyze(p.text, ()).labels) for p in tune}
    for label in SUB_LABELS:
        samples = [Sample(p.text, "typed_spans_tune",
                          {label: int(p.share(label) >= POSITIVE_SHARE)}) for p in tune]
        texts, y = realistic(samples, label)
        out.append(Scored(label, "typed spans, tune 15 %",
                          np.array([labelled[t][label] for t in texts]), y))
    return out, plain
