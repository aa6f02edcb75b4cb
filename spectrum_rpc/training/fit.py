"""Fit a candidate model from the lineage's base model (the shipped one) and the corrections.

Only labels the corrections contradict (some target disagrees with the base model) change;
the others keep the base model's weights exactly. The vocabulary is the base model's plus
grams seen in at least two corrections (new grams weigh as the rarest known gram), so new
slang and spam phrases get features. Two methods:

- "finetune" (default): start from the base model's calibrated weights and minimise the
  log-loss on the weighted corrections plus a fixed sample of base texts (anchors) scored by
  the base model itself, with an L2 pull toward the base weights. Seconds; without
  corrections the optimum is the base model, so it moves only where the moderators pull.
  A label the base model never learnt (a constant base rate, no weights) is fitted afresh
  on the anchors and the corrections instead: there is nothing to start from.
- "refit": refit the label from scratch on the whole base corpus plus the weighted
  corrections with the engine's training code (its calibration included). Minutes; only as
  close to the shipped model as the engine's current training code is to the one that made it.

A stacked label (toxicity, sexual: `engine/stack.py`) is served as its weight column plus its
stack terms (alt-profanity-check's probability, a word-embedding vector, for sexual a lexicon
count). Fine-tuning learns that served logit: the label's stack terms of each text are a fixed
offset and the weight column moves around them. Refitting a stacked label from scratch fits a
plain linear model, so its candidate is written without that label's stack terms (and says so
in its calibration note); the other stacked labels keep theirs.

A label with a long texts' calibration (engine.json "long_calibration") is served as
sigmoid(slope * z + shift) on texts longer than its length, z the logit above: fine-tuning fits
that served score on those rows (and scores the anchors with it), the plain sigmoid(z) on the
others. The candidate keeps the map (`write_candidate`), so what it learnt is what it serves,
but for the evidence prior (`engine/linear.py`: serving shrinks a text's evidence toward the
base rate, by a factor near 1 for long texts); fine-tuning has always left that out.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit

from ..engine import ENGINE_FILE, LEX_PREFIX, LINEAR_FILE, Engine, Lexicon, Stack, load_engine
from .contrast import SOURCE as CONTRAST
from .corpus import ENRON, SEED, Sample
from .dataset import BaseCorpus
from .recipe import (
    PLANS,
    FittedLabel,
    LabelPlan,
    featurize,
    fit_label,
    matrix,
    targets,
    write_models,
)
from .solicitation import SOURCE as SOLICITATION

NEW_GRAM_MIN_DF = 2
NEW_GRAM_LIMIT = 20_000
ENCODE_CHUNK = 4000
ANCHOR_ROWS = 3000
FINETUNE_L2 = 1.0
METHODS = ("finetune", "refit")
MIN_PER_CLASS = 5  # out-of-fold calibration needs a few of each class in every fold

Log = Callable[[str], None]


@dataclass
class ModelFiles:
    """A model directory's arrays and lexicon, as written by the engine's training."""

    vocabulary: list[str]
    idf: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    labels: list[str]
    meta: dict
    engine: Engine  # the same directory loaded for serving: its lexicon, stack, contradictions

    @property
    def lexicon(self) -> Lexicon:
        return self.engine.lexicon

    @property
    def stack(self) -> Stack | None:
        return self.engine.model.stack


def read_model(model_dir: Path) -> ModelFiles:
    """Verify and read a model directory: the raw arrays, and the engine serving them."""
    engine = load_engine(model_dir)  # verifies every file against the manifest
    with np.load(model_dir / LINEAR_FILE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in ("vocabulary", "idf", "weights", "bias", "labels")}
    meta = json.loads((model_dir / ENGINE_FILE).read_text())
    return ModelFiles(arrays["vocabulary"].tolist(), arrays["idf"].astype(np.float64),
                      arrays["weights"].astype(np.float64), arrays["bias"],
                      arrays["labels"].tolist(), meta, engine)


def stack_offsets(model: ModelFiles, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Return what the model's stack adds to each stacked label's logit for each text (its
    served logit minus the weight column's), by label; empty without a stack. One pass over
    the texts for every stacked label (a retrain's pool is thousands of texts)."""
    labels = model.stack.labels if model.stack is not None else ()
    return dict(zip(labels, model.engine.stack_offsets(texts).T, strict=True))


def encode(texts: Sequence[str], vocabulary: Sequence[str], idf: np.ndarray,
           lexicon: Lexicon) -> sp.csr_matrix:
    """Binary tf-idf rows, L2-normalised, as the engine's training builds them (in chunks,
    so the gram strings of a large corpus never all sit in memory at once)."""
    parts = [matrix(featurize(texts[i:i + ENCODE_CHUNK], lexicon), vocabulary, idf)
             for i in range(0, len(texts), ENCODE_CHUNK)]
    if not parts:
        return sp.csr_matrix((0, len(vocabulary)))
    return sp.csr_matrix(sp.vstack(parts))


def new_grams(texts: Sequence[str], lexicon: Lexicon, known: Mapping[str, int]) -> list[str]:
    """Return grams of the corrections missing from the vocabulary, most frequent first."""
    df: Counter[str] = Counter()
    for doc in featurize(texts, lexicon):
        df.update(set(doc))
    fresh = [g for g, n in df.items()
             if n >= NEW_GRAM_MIN_DF and g not in known and not g.startswith(LEX_PREFIX)]
    fresh.sort(key=lambda g: (-df[g], g))
    return fresh[:NEW_GRAM_LIMIT]


def contradicted(engine: Engine, corrections: Sequence[Sample], threshold: float = 0.5
                 ) -> list[str]:
    """Return the labels for which some correction disagrees with `engine`'s decision."""
    scores = engine.classify([s.text for s in corrections]) if corrections else []
    found = {label for s, sc in zip(corrections, scores, strict=True)
             for label, y in s.labels.items()
             if label in sc and (sc[label] >= threshold) != bool(y)}
    return [label for label in engine.model.labels if label in found]


@dataclass
class Candidate:
    """A fitted candidate, ready to be written."""

    vocabulary: list[str]
    idf: np.ndarray
    fitted: dict[str, FittedLabel]
    refit: list[str]
    skipped: dict[str, str]
    new_grams: int
    stack: Stack | None = None
    # The refitted labels fitted from scratch (method "refit", or nothing to fine-tune from):
    # calibrated afresh, one fit for every length; a fine-tuned label keeps its base weights'
    # calibration, and so the base model's long texts' calibration on top of them.
    afresh: list[str] = field(default_factory=list)


def fit_candidate(base_model: ModelFiles, base: BaseCorpus | None, corrections: Sequence[Sample],
                  refit: Sequence[str], weight: float, log: Log,
                  method: str = "finetune") -> Candidate:
    """Fit the `refit` labels from base model, base corpus and weighted corrections."""
    if method not in METHODS:
        raise ValueError(f"unknown training method {method!r}; choose from {METHODS}")
    known = {g: i for i, g in enumerate(base_model.vocabulary)}
    added = new_grams([s.text for s in corrections], base_model.lexicon, known)
    vocabulary = [*base_model.vocabulary, *added]
    idf = np.concatenate([base_model.idf, np.full(len(added), base_model.idf.max())])
    pool = list(base.train) if base else []
    if method == "finetune":
        pool = _anchors(pool)
    x = None
    if refit:
        log(f"encoding {len(pool)} base texts and {len(corrections)} corrections")
        x = encode([s.text for s in [*pool, *corrections]], vocabulary, idf, base_model.lexicon)
    fitted: dict[str, FittedLabel] = {}
    skipped: dict[str, str] = {}
    done: list[str] = []
    afresh: list[str] = []
    stack = base_model.stack
    offsets: dict[str, np.ndarray] | None = None  # the base model's stack terms, on first need
    for j, label in enumerate(base_model.labels):
        kept = _kept(base_model, j, len(added))
        result = None
        if label in refit and x is not None:
            # A label the base model never learnt (constant base rate: no weights) has nothing
            # to fine-tune from; it is fitted afresh on the base texts and the corrections.
            if method == "finetune" and kept.weights.any():
                # The base model's stack terms of this label, held fixed (zeros if unstacked).
                if offsets is None:
                    offsets = stack_offsets(base_model, [s.text for s in [*pool, *corrections]])
                offset = offsets.get(label, np.zeros(x.shape[0]))
                served = served_map(base_model, label, [s.text for s in [*pool, *corrections]])
                result, why = _finetune_one(label, x, pool, corrections, weight, kept, offset,
                                            served)
            else:
                result, why = _fit_one(label, x, pool, corrections, weight, base, vocabulary,
                                       idf, base_model.lexicon)
                afresh.append(label)
            if result is None:
                skipped[label] = why
            else:
                if stack is not None and label in stack.labels and method == "refit":
                    stack = stack.without(label)  # a plain linear refit replaces its terms
                    result.calibration += (" (linear only: the base model's stack terms of "
                                           "this label are dropped)")
                done.append(label)
                log(f"  {label}: {why}")
        fitted[label] = result or kept
    return Candidate(vocabulary, idf, fitted, done, skipped, len(added), stack,
                     [label for label in afresh if label in done])


def served_map(model: ModelFiles, label: str, texts: Sequence[str]
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the (slope, shift) per text that serving maps `label`'s logit z of each text
    with (slope * z + shift: the long texts' calibration of the model's engine.json, on the
    texts it calls long); None where that is the identity for every text."""
    record = model.meta.get("long_calibration")
    if not record or label not in record.get("labels", {}):
        return None
    # the engine's rule (`LengthCalibration.long`): longer than "chars" characters is long
    long = np.array([len(t) > int(record["chars"]) for t in texts], dtype=bool)
    if not long.any():
        return None
    slope, shift = (float(v) for v in record["labels"][label])
    return np.where(long, slope, 1.0), np.where(long, shift, 0.0)


def _anchors(pool: list[Sample]) -> list[Sample]:
    # Anchors are drawn from the rows every label trains on: the written solicitation and
    # contrast rows and the Enron e-mails (one label each, appended last) would otherwise change
    # the seeded draw, and so every label's fine-tuning.
    pool = [s for s in pool if s.source not in (SOLICITATION, CONTRAST, ENRON)]
    if len(pool) <= ANCHOR_ROWS:
        return pool
    chosen = np.random.default_rng(SEED).choice(len(pool), ANCHOR_ROWS, replace=False)
    return [pool[i] for i in sorted(chosen)]


def finetune(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, w0: np.ndarray, b0: float,
             l2: float = FINETUNE_L2, offset: np.ndarray | None = None,
             served: tuple[np.ndarray, np.ndarray] | None = None
             ) -> tuple[np.ndarray, float]:
    """Minimise the weighted log-loss of `x @ (w0 + d) + b0 + db + offset` plus `l2/2 |d|^2`
    (`offset`: fixed per-row logit terms, e.g. a stack's); with `served` = (slope, shift) per
    row, the log-loss of `slope * logit + shift`, the logit serving scores (`served_map`)."""
    z0 = x @ w0 + b0 + (offset if offset is not None else 0.0)
    n = x.shape[1]
    bias_l2 = l2 * 0.01  # the bias may move freely: it carries the deployment's base rate

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        z = z0 + x @ p[:n] + p[n]
        if served is not None:
            z = served[0] * z + served[1]
        g = w * (expit(z) - y)
        value = np.sum(w * (np.logaddexp(0.0, z) - y * z))
        if served is not None:
            g = g * served[0]  # d(served logit)/d(logit): the gradient of the weights' logit
        value += 0.5 * l2 * (p[:n] @ p[:n]) + 0.5 * bias_l2 * p[n] ** 2
        return float(value), np.concatenate([x.T @ g + l2 * p[:n], [g.sum() + bias_l2 * p[n]]])

    fit = minimize(loss, np.zeros(n + 1), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    return w0 + fit.x[:n], float(b0 + fit.x[n])


def _finetune_one(label: str, x: sp.csr_matrix, pool: list[Sample],
                  corrections: Sequence[Sample], weight: float, kept: FittedLabel,
                  offset: np.ndarray, served: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> tuple[FittedLabel | None, str]:
    mine = [i for i, s in enumerate(corrections) if label in s.labels]
    if not mine:
        return None, "no correction names this label"
    anchors = x[: len(pool)]
    # Anchors keep the base model's own probabilities as targets, as served (the long texts'
    # map included): without corrections the optimum is the base model itself, and with them
    # it moves only where they pull.
    z = anchors @ kept.weights + kept.bias + offset[:len(pool)]
    if served is not None:
        z = served[0][:len(pool)] * z + served[1][:len(pool)]
    y = np.concatenate([expit(z), [corrections[i].labels[label] for i in mine]])
    w = np.concatenate([np.ones(len(pool)), np.full(len(mine), weight)])
    index = np.concatenate([np.arange(len(pool)), len(pool) + np.array(mine, dtype=np.int64)])
    weights, bias = finetune(x[index], y, w, kept.weights, kept.bias, offset=offset[index],
                             served=None if served is None else (served[0][index],
                                                                 served[1][index]))
    how = (f"fine-tuned from the base model on {len(mine)} corrections (weight {weight:g}),"
           f" anchored on its own scores of {len(pool)} base texts, L2 {FINETUNE_L2:g}")
    return FittedLabel(weights, bias, how), how


def _kept(base_model: ModelFiles, j: int, extra: int) -> FittedLabel:
    how = base_model.meta.get("calibration", {}).get(base_model.labels[j], "")
    weights = np.concatenate([base_model.weights[:, j], np.zeros(extra)])
    return FittedLabel(weights, float(base_model.bias[j]), f"{how} (kept from base model)")


def _fit_one(label: str, x: sp.csr_matrix, pool: list[Sample], corrections: Sequence[Sample],
             weight: float, base: BaseCorpus | None, vocabulary: Sequence[str],
             idf: np.ndarray, lexicon: Lexicon) -> tuple[FittedLabel | None, str]:
    if pool:
        rows, y, w = targets(pool, label)
    else:
        rows, y, w = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    mine = [i for i, s in enumerate(corrections) if label in s.labels]
    rows = np.concatenate([rows, len(pool) + np.array(mine, dtype=np.int64)])
    y = np.concatenate([y, [corrections[i].labels[label] for i in mine]]).astype(np.int64)
    w = np.concatenate([w, np.full(len(mine), weight)])
    calib_samples = base.calibration.get(label) if base else None
    if min(int(y.sum()), int(len(y) - y.sum())) < MIN_PER_CLASS:
        return None, "too few examples of one class"
    calib = None
    if calib_samples:
        calib = (encode([s.text for s in calib_samples], vocabulary, idf, lexicon),
                 np.array([s.labels[label] for s in calib_samples]))
    fitted = fit_label(x[rows], y, w, PLANS.get(label, LabelPlan()), calib)
    how = f"{len(y)} texts ({len(mine)} corrections, weight {weight:g}), {fitted.calibration}"
    return fitted, how


def write_candidate(out: Path, version: str, base_model: ModelFiles, candidate: Candidate,
                    meta: dict) -> None:
    """Write the candidate as an engine model directory (with its SHA-256 manifest)."""
    # the evidence prior belongs to the weights (their calibration was fitted with it)
    keep = {k: base_model.meta[k] for k in ("profanity", "seed", "stack", "evidence_prior")
            if k in base_model.meta}
    # so does the long texts' calibration, but of no label fitted from scratch: that one is
    # calibrated afresh, one fit for every length (the long map would move it twice)
    long = base_model.meta.get("long_calibration")
    kept = {k: v for k, v in (long or {}).get("labels", {}).items()
            if k not in candidate.afresh}
    if kept:
        keep["long_calibration"] = {**long, "labels": kept}
    tier = carry_encoder(base_model, out)
    write_models(out, version, candidate.vocabulary, candidate.idf, candidate.fitted,
                 base_model.lexicon, {**keep, **tier, **meta}, candidate.stack)


def carry_encoder(base_model: ModelFiles, out: Path) -> dict:
    """Give the candidate in `out` the base model's encoder tier unchanged; return its
    engine.json entry (empty without a tier).

    The tier is fitted on shared development data, never on feedback, so a retrain has
    nothing to teach it: the encoder, its bands and its stack are kept as they are. The bands
    lie around the served thresholds (which a retrain does not move) and the stack reads the
    linear tier's logit as a calibrated probability, which fine-tuning on the log-loss keeps
    it (and a refit calibrates afresh); whether its decisions still hold for the moved logit
    is measured in the candidate's evaluation (`evaluation.tier_figures`), and the gate
    refuses a candidate the tier hurts (on a base test set, beyond the tolerance).
    """
    record = base_model.meta.get("encoder")
    if record is None or base_model.engine.source is None:
        return {}
    out.mkdir(parents=True, exist_ok=True)
    for name in record["files"]:
        link_or_copy(base_model.engine.source / name, out / name)
    return {"encoder": {**record,
                        "carried_from": record.get("carried_from", base_model.meta["version"])}}


# Why a hard link cannot be made where a copy can: another file system, one without links (or
# that forbids them), too many links to the file. Any other error (the target exists: it may
# be a link into another version's file) is raised, never copied through.
_NO_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link `source` to `target` (the encoder is 23 MB: versions share one copy on disk),
    or copy it where a link cannot be made (another file system)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        _copy(source, target)


def _copy(source: Path, target: Path) -> None:
    """Copy to a temporary file beside `target`, then rename it into place: a new file, never
    one written through an existing link."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        shutil.copy2(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
