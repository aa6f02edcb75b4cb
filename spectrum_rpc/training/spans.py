"""Fit the toxic-span model (`engine/spans.py`) on the toxic-spans data.

Data (`toxicity/toxic_spans/`): `tsd_train.csv` (SemEval-2021 Task 5 train: toxic character
offsets per post) gives the `toxicity` token targets; the typed spans (`comments.csv`,
`annotations.csv`, `spans.csv`: each rater's spans, typed Insult, Identity based Attack,
Profane/Obscene, Threat, Other toxicity) give the typed labels' targets: a token's target is the
share of the post's raters who marked a span of that type over it. `tsd_trial.csv` is the
evaluation set: every post whose text appears in it is left out of everything here.

Posts are split by a hash of their comment id: 70 % fit the token models, 15 % tune the span
thresholds and fit the sub-labels' Platt scaling, 15 % are the held-out test. A post is
positive for a sub-label when at least half of its raters marked a span of that type.

With the spans-2 recipe (`RECIPES`; the default, shipped since 2026-12-06), `toxicity` also
learns from the typed-span posts without a SemEval gold (fit and test splits; about 5,000):
their target is the characters any rater marked with any type, "Other toxicity" included.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from .. import labels as L
from ..engine import LEXICON_FILE, SHIPPED_MODELS, Lexicon
from ..engine import spans as S
from .metrics import expected_calibration_error

DIM = 1 << 18
SPANS_DIR = Path("toxicity") / "toxic_spans"
# spans.csv type -> our label (Other toxicity counts towards `toxicity` only)
TYPES = {"Insult": L.INSULT, "Threat": L.THREAT, "Identity based Attack": L.IDENTITY_ATTACK,
         "Profane/Obscene": L.PROFANITY}
LABELS = (L.TOXICITY, *TYPES.values())
SUB_LABELS = tuple(TYPES.values())
POSITIVE_SHARE = 0.5  # a post is positive for a type when this share of its raters marked one
MAX_RATERS = 7  # one post has 357 judgements (a test item of the crowd platform): left out
OTHER = "Other Toxicity"  # spans.csv's untyped toxicity: counts towards `toxicity` only
SPLIT = {"fit": (0, 70), "tune": (70, 85), "test": (85, 100)}
# L2 strength (scikit-learn's C) of the token models: chosen on the tune split's char F1
# (toxicity: C 0.05 0.6533, 0.1 0.6512, 0.25 0.6459, 0.5 0.6347, 1 0.6189, 2 0.6053).
# The typed labels keep 0.25 (their held-out ROC-AUC was lower at 0.05). spans-2 keeps 0.05
# (0.025 and 0.1 were lower on the cross-fitted tune split).
C = {L.TOXICITY: 0.05}
C_TYPED = 0.25
C_STACK = 1.0


@dataclass(frozen=True)
class Recipe:
    """How a span model is fitted: whether `toxicity` also learns from the typed posts
    without a SemEval gold (`Post.toxic_chars`), and the second stage's inputs."""

    typed_toxicity: bool
    stack_width: int


# spans-1: the recipe of the models shipped until 2026-12-06. spans-2 (shipped since): the
# typed posts' union targets and the logits two tokens away in the second stage. Against
# spans-1 retrained leak-free, tune split char F1 as served 0.6522 -> 0.6608 (+0.0085,
# interval above 0), tsd_trial as served 0.6539 -> 0.6574 (scripts/compare_spans.py;
# docs/BENCHMARKS.md, "Shipped after review: the clean control").
RECIPES = {"spans-1": Recipe(typed_toxicity=False, stack_width=S.STACK_INPUTS),
           "spans-2": Recipe(typed_toxicity=True, stack_width=S.FAR_STACK_INPUTS)}
DEFAULT_RECIPE = "spans-2"  # what `make models` writes: the shipped spans.npz


@dataclass
class Post:
    """One post: its text, toxicity gold (SemEval) if any, and each rater's typed spans."""

    comment_id: str
    text: str
    raters: int = 0
    typed: dict[str, list[list[tuple[int, int]]]] = field(default_factory=dict)  # per rater
    gold: list[int] | None = None  # SemEval toxic offsets (tsd_train posts only)
    marked: list[list[tuple[int, int]]] = field(default_factory=list)  # per rater, any type

    @property
    def split(self) -> str:
        bucket = zlib.crc32(self.comment_id.encode()) % 100
        return next(name for name, (lo, hi) in SPLIT.items() if lo <= bucket < hi)

    def share(self, label: str) -> float:
        """Return the share of raters who marked a span of `label` anywhere in the post."""
        marked = self.typed.get(label, [])
        return sum(1 for spans in marked if spans) / self.raters if self.raters else 0.0

    def typed_chars(self, label: str) -> np.ndarray:
        """Return, per character, the share of raters who marked it as `label`."""
        counts = np.zeros(len(self.text) + 1)
        for spans in self.typed.get(label, []):
            marked = np.zeros(len(self.text) + 1, dtype=bool)
            for begin, end in spans:
                marked[begin:end] = True
            counts += marked
        return counts[:len(self.text)] / max(self.raters, 1)

    def toxic_chars(self) -> np.ndarray:
        """Return the `toxicity` target per character: the SemEval gold where there is one,
        else 1 where any rater marked a span of any type."""
        if self.gold is not None:
            return gold_chars(self.text, self.gold)
        chars = np.zeros(len(self.text))
        for spans in self.marked:
            for begin, end in spans:
                chars[begin:end] = 1.0
        return chars


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def same_text(text: str) -> str:
    """Return a text with its case and runs of white space folded (seven comments.csv posts
    are trial posts but for white space)."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_posts(data: Path) -> tuple[list[Post], list[tuple[str, list[int]]]]:
    """Return the typed-span posts (never a trial post, nor one differing from a trial post
    only in case or white space) and the trial set (text, offsets)."""
    root = data / SPANS_DIR
    trial = [(r["text"], json.loads(r["spans"])) for r in read_csv(root / "tsd_trial.csv")]
    held = {same_text(text) for text, _ in trial}
    posts = {r["comment_id"]: Post(r["comment_id"], r["comment_text"])
             for r in read_csv(root / "comments.csv") if same_text(r["comment_text"]) not in held}
    rater_of: dict[str, tuple[str, int]] = {}
    for r in read_csv(root / "annotations.csv"):
        post = posts.get(r["comment_id"])
        if post is not None:
            rater_of[r["annotation"]] = (post.comment_id, post.raters)
            post.raters += 1
    marks: dict[tuple[str, int], dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list))
    for r in read_csv(root / "spans.csv"):
        label = TYPES.get(r["type"], OTHER if r["type"] == OTHER else None)
        found = rater_of.get(r["annotation"])
        if label is not None and found is not None:
            marks[found][label].append((int(r["start"]), int(r["end"])))
    for post in posts.values():
        rated = [marks.get((post.comment_id, k), {}) for k in range(post.raters)]
        for label in SUB_LABELS:
            post.typed[label] = [spans.get(label, []) for spans in rated]
        post.marked = [[s for spans in by_label.values() for s in spans] for by_label in rated]
    by_text = {p.text: p for p in posts.values()}
    extra = 0
    for r in read_csv(root / "tsd_train.csv"):
        if same_text(r["text"]) in held:
            continue
        post = by_text.get(r["text"])
        if post is None:  # a few SemEval posts are not among the comments: toxicity only
            extra += 1
            post = by_text[r["text"]] = Post(f"tsd-{extra}", r["text"])
        post.gold = json.loads(r["spans"])
    kept = [p for p in by_text.values() if p.raters <= MAX_RATERS]
    return kept, trial


def token_targets(begins: np.ndarray, ends: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Return each token's target: the mean of a per-character target over its characters."""
    cumulative = np.concatenate([[0.0], np.cumsum(chars)])
    return (cumulative[ends] - cumulative[begins]) / np.maximum(ends - begins, 1)


def gold_chars(text: str, offsets: Iterable[int]) -> np.ndarray:
    chars = np.zeros(len(text))
    inside = [o for o in offsets if 0 <= o < len(text)]
    chars[inside] = 1.0
    return chars


@dataclass
class Table:
    """Every token of a set of posts: its features, targets per label and post index."""

    rows: list[list[int]] = field(default_factory=list)
    post: list[int] = field(default_factory=list)
    targets: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    has_gold: list[bool] = field(default_factory=list)
    toxic: list[bool] = field(default_factory=list)  # the row has any `toxicity` target

    def matrix(self, mask: np.ndarray | None = None) -> sparse.csr_matrix:
        rows = self.rows if mask is None else [r for r, m in zip(self.rows, mask, strict=True)
                                               if m]
        indptr = np.cumsum([0, *map(len, rows)])
        indices = np.fromiter((i for r in rows for i in r), dtype=np.int32, count=indptr[-1])
        x = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                              shape=(len(rows), DIM))
        x.sum_duplicates()
        return x


def tabulate(posts: Sequence[Post], featurizer: S.SpanModel) -> Table:
    """Return the token table of `posts`."""
    table = Table()
    for k, post in enumerate(posts):
        begins, ends, rows = featurizer.feature_rows(post.text)
        table.rows.extend(rows)
        table.post.extend([k] * len(rows))
        table.has_gold.extend([post.gold is not None] * len(rows))
        table.toxic.extend([post.gold is not None or post.raters > 0] * len(rows))
        table.targets[L.TOXICITY].extend(token_targets(begins, ends, post.toxic_chars()) >= 0.5)
        for label in SUB_LABELS:
            table.targets[label].extend(token_targets(begins, ends, post.typed_chars(label)))
    return table


def fit_label(x: sparse.csr_matrix | np.ndarray, y: np.ndarray, c: float
              ) -> tuple[np.ndarray, float]:
    """Fit a logistic regression on soft targets (each row counted as positive with weight
    y and negative with weight 1 - y); return its weights and bias."""
    soft = (y > 0) & (y < 1)
    xs = sparse.vstack([x, x[soft]]).tocsr() if sparse.issparse(x) else np.vstack([x, x[soft]])
    labels = np.concatenate([y >= 0.5, ~(y[soft] >= 0.5)]).astype(int)
    weight = np.concatenate([np.where(y >= 0.5, y, 1 - y), np.where(y[soft] >= 0.5, 1 - y[soft],
                                                                    y[soft])])
    model = LogisticRegression(C=c, max_iter=300, tol=1e-4)
    model.fit(xs, labels, sample_weight=weight)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def char_f1(predicted: set[int], gold: set[int]) -> float:
    """Return SemEval-2021 Task 5's per-post F1 (1 when both are empty, 0 when one is)."""
    if not gold:
        return float(not predicted)
    if not predicted:
        return 0.0
    common = len(predicted & gold)
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def predicted_offsets(analysis: S.SpanAnalysis, label: str) -> set[int]:
    return {o for s in analysis.spans if s.label == label for o in range(s.begin, s.end)}


def mean_f1(model: S.SpanModel, texts: Sequence[str], golds: Sequence[Iterable[int]],
            label: str = L.TOXICITY) -> float:
    """Return the mean char F1 of a label's spans over texts with gold offsets."""
    scores = [char_f1(predicted_offsets(model.analyze(t, [label]), label), set(g))
              for t, g in zip(texts, golds, strict=True)]
    return float(np.mean(scores)) if scores else float("nan")


def tune_threshold(model: S.SpanModel, label: str, texts: Sequence[str],
                   golds: Sequence[Iterable[int]]) -> tuple[float, float]:
    """Set the threshold of a label's spans that maximises mean char F1; return it and F1."""
    j = model.labels.index(label)
    scored = [[(b, e, p[:, j]) for b, e, _, p in model.blocks(text)] for text in texts]
    gold_sets = [set(g) for g in golds]
    best = (-1.0, 0.5)
    for threshold in np.arange(0.1, 0.81, 0.05):
        scores = []
        for blocks, gold in zip(scored, gold_sets, strict=True):
            merger = S.Merger(label, float(threshold))
            for begins, ends, probabilities in blocks:
                merger.add(begins, ends, probabilities)
            merger.close()
            scores.append(char_f1({o for s in merger.spans for o in range(s.begin, s.end)},
                                  gold))
        best = max(best, (float(np.mean(scores)), round(float(threshold), 2)))
    model.thresholds[j] = best[1]
    return best[1], best[0]


def stage_inputs(model: S.SpanModel, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the begins, ends and second-stage inputs of a text's tokens."""
    blocks = list(model.logits(text))
    if not blocks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, len(model.labels), model.stack_width))
    begins, ends, logits = (np.concatenate(part) for part in zip(*blocks, strict=True))
    return begins, ends, S.stack_inputs(logits, 0, len(logits), model.stack_width)


def fit_stack(model: S.SpanModel, gold_posts: Sequence[Post], typed_posts: Sequence[Post]
              ) -> None:
    """Fit each label's second stage on held-out posts (the token models never saw them)."""
    for j, label in enumerate(model.labels):
        chosen = gold_posts if label == L.TOXICITY else typed_posts
        inputs, targets = [], []
        for post in chosen:
            begins, ends, x = stage_inputs(model, post.text)
            chars = (gold_chars(post.text, post.gold or ()) if label == L.TOXICITY
                     else post.typed_chars(label))
            y = token_targets(begins, ends, chars)
            inputs.append(x[:, j, :])
            targets.append(y >= 0.5 if label == L.TOXICITY else y)
        w, b = fit_label(np.vstack(inputs), np.concatenate(targets).astype(float), C_STACK)
        model.stack[j] = [*w, b]


def platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit sigmoid(a x + b) to binary targets (nearly unregularised)."""
    model = LogisticRegression(C=100.0).fit(x.reshape(-1, 1), y.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def top_logits(model: S.SpanModel, texts: Sequence[str]) -> np.ndarray:
    """Return each text's highest token logit per label."""
    out = np.zeros((len(texts), len(model.labels)))
    for k, text in enumerate(texts):
        top = np.full(len(model.labels), -np.inf)
        for _, _, logits in model.logits(text):
            top = np.maximum(top, logits.max(axis=0))
        out[k] = np.where(np.isfinite(top), top, model.bias)
    return out


def majority_offsets(post: Post, label: str) -> set[int]:
    """Return the characters at least half of a post's raters marked as `label`."""
    return set(np.flatnonzero(post.typed_chars(label) >= POSITIVE_SHARE).tolist())


@dataclass
class Trained:
    model: S.SpanModel
    report: dict


def words_of(model_dir: Path = SHIPPED_MODELS) -> Mapping:
    """Return the shipped lexicon's word entries (the lexicon features)."""
    lexicon = Lexicon.from_records(json.loads((model_dir / LEXICON_FILE).read_text()))
    return lexicon.word_entries()


def toxicity_rows(table: Table, recipe: Recipe) -> np.ndarray:
    """Return which rows of `table` the `toxicity` token model learns from: the tokens of
    posts with a SemEval gold, and with `recipe.typed_toxicity` also those of typed posts."""
    return np.array(table.toxic if recipe.typed_toxicity else table.has_gold, dtype=bool)


def train(data: Path, log=print, recipe: Recipe = RECIPES[DEFAULT_RECIPE]) -> Trained:
    """Fit the token models, tune thresholds, fit the sub-labels' scaling, test; return all."""
    posts, _ = load_posts(data)
    words = words_of()
    blank = S.SpanModel(np.zeros((DIM, len(LABELS)), np.float32), np.zeros(len(LABELS)), LABELS,
                        np.full(len(LABELS), 0.5), np.zeros((0, 2)), (), words)
    parts = {name: [p for p in posts if p.split == name] for name in SPLIT}
    log({name: len(part) for name, part in parts.items()})
    # `toxicity` learns from the SemEval posts of the test split too: that split tests only
    # the typed sub-labels, whose models never see it (tune split char F1 0.673 -> 0.677;
    # trial 0.673 -> 0.672, a wash).
    # With `recipe.typed_toxicity`, also from the test split's typed posts without a gold.
    fitted = [*parts["fit"], *(p for p in parts["test"]
                               if p.gold is not None or (recipe.typed_toxicity and p.raters))]
    table = tabulate(fitted, blank)
    log(f"{len(table.rows)} tokens")
    weights = np.zeros((DIM, len(LABELS)), np.float32)
    bias = np.zeros(len(LABELS), np.float32)
    gold_rows = toxicity_rows(table, recipe)
    typed_rows = np.array([k < len(parts["fit"]) and fitted[k].raters > 0 for k in table.post])
    for j, label in enumerate(LABELS):
        rows = gold_rows if label == L.TOXICITY else typed_rows
        x = table.matrix(rows)
        y = np.asarray(table.targets[label], dtype=float)[rows]
        weights[:, j], bias[j] = fit_label(x, y, C.get(label, C_TYPED))
        log(f"fitted {label} on {x.shape[0]} tokens ({y.mean():.3f} positive)")
    # Served in float16: tune on the numbers that ship.
    model = S.SpanModel(weights.astype(np.float16).astype(np.float32), bias, LABELS,
                        np.full(len(LABELS), 0.5), np.zeros((len(SUB_LABELS), 2)),
                        SUB_LABELS, words, stack=np.zeros((len(LABELS), recipe.stack_width + 1)))
    tune = parts["tune"]
    report: dict = {"posts": {name: len(part) for name, part in parts.items()}}
    gold_posts = [p for p in tune if p.gold is not None]
    fit_stack(model, gold_posts, [p for p in tune if p.raters])
    threshold, f1 = tune_threshold(model, L.TOXICITY, [p.text for p in gold_posts],
                                   [p.gold for p in gold_posts])
    report["tune"] = {L.TOXICITY: {"threshold": threshold, "char_f1": round(f1, 4)}}
    typed_tune = [p for p in tune if p.raters]
    tops = top_logits(model, [p.text for p in typed_tune])
    for j, label in enumerate(SUB_LABELS):
        positive = [p for p in typed_tune if p.share(label) >= POSITIVE_SHARE]
        threshold, f1 = tune_threshold(model, label, [p.text for p in positive],
                                       [majority_offsets(p, label) for p in positive])
        y = np.array([p.share(label) >= POSITIVE_SHARE for p in typed_tune])
        model.platt[j] = platt(tops[:, LABELS.index(label)], y)
        report["tune"][label] = {"threshold": threshold, "char_f1_on_positive_posts": round(f1, 4)}
        log(label, report["tune"][label])
    report["test"] = test_sub_labels(model, [p for p in parts["test"] if p.raters])
    return Trained(model, report)


def test_sub_labels(model: S.SpanModel, posts: Sequence[Post]) -> dict:
    """Return ROC-AUC, ECE and counts of each sub-label on held-out typed-span posts."""
    scores = [dict(model.analyze(p.text, ()).labels) for p in posts]
    out = {}
    for label in SUB_LABELS:
        y = np.array([p.share(label) >= POSITIVE_SHARE for p in posts], dtype=int)
        s = np.array([row[label] for row in scores])
        out[label] = {"n": len(y), "positives": int(y.sum()),
                      "roc_auc": round(float(roc_auc_score(y, s)), 4),
                      "ece": round(expected_calibration_error(y, s), 4)}
    return out


def write(trained: Trained, out: Path, meta: dict) -> Path:
    """Write spans.npz and its manifest into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / S.SPANS_FILE
    S.save(path, trained.model, meta)
    S.write_manifest(out)
    return path
