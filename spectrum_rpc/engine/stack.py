"""The inputs stacked labels add to their linear logits: a reference model, word embeddings
and a lexicon count.

A stacked label's served score is a logistic regression over its linear logit(s) and shared
inputs (`engine/stacking.py` fits them): toxicity over [its linear logit, a second linear
model, alt-profanity-check's probability, a 64-d text embedding], sexual over [its linear
logit, the same probability and embedding, log1p of the text's hits of one lexicon category].
Linear inputs merge into the label's weight column. The shared inputs are computed once per
text, each label weighing them with its own coefficients. They come from the text's word rows
and features, so they ride in the tables as extra columns:

- embedding: each vocabulary word's 64-d vector times the word's idf; a text's vector is the
  sum over its words, L2-normalised, and enters the logit as `unit . embedding_weights`;
- reference (`ReferenceModel`): each of its words' `idf * coef` per SVM; a text's decision
  values are those sums over its tf-idf norm (which needs each distinct word's count, so the
  word rows also map to the reference's word index);
- lexicon count: a feature-table column holding 1.0 at the category's lexicon feature (one
  per hit, `features.entry_grams`), so its sum is the text's hit count (`LinearModel`).

A window's word rows are the same whether it is scored alone or as part of a stream, so it
gets the same stacked score either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .reference import REFERENCE_FILE, ReferenceModel

STACK_FILE = "stack.npz"
# `Stack._batch_norms` keys: a text's index above this many bits, its word + 1 below them.
_TEXT_BITS = 32
_WORD_MASK = (1 << _TEXT_BITS) - 1
_BEFORE_FIRST = np.array([-1])
_TINY = np.array(1e-300)  # a 0-d array: `np.maximum` converts a Python float on every call


def _sum_rows(values: np.ndarray) -> np.ndarray:
    """Return `values.sum(axis=1)`, the same reduction without `ndarray.sum`'s Python-level
    wrapper (half a microsecond of a short text's few dozen numpy calls)."""
    return np.add.reduce(values, axis=1)


class Stack:
    """Shared extra table columns and how they add to each stacked label's logit (read-only).

    Per stacked label (`labels[k]`): `embedding_weights[k]` (dims), `reference_weights[k]` and
    `lexicon_weights[k]` (on log1p of the hits of `lexicon_category`; "" counts nothing).
    """

    def __init__(self, labels: Sequence[str], words: Sequence[str], embedding: np.ndarray,
                 embedding_weights: np.ndarray, reference_weights: Sequence[float],
                 reference: ReferenceModel, lexicon_weights: Sequence[float] | None = None,
                 lexicon_category: str = ""):
        self.labels = tuple(labels)
        self.words = list(words)
        # Rounded to the stored precision here, so training computes the served inputs.
        self.embedding = np.asarray(embedding, dtype=np.float16).astype(np.float32)
        # One contiguous row per label: `emb * row` is the same kernel as for one label.
        self.embedding_weights = np.array(embedding_weights, dtype=np.float64)
        self.reference_weights = np.array(reference_weights, dtype=np.float64)
        if lexicon_weights is None:
            lexicon_weights = np.zeros(len(self.labels))
        self.lexicon_weights = np.array(lexicon_weights, dtype=np.float64)
        self.lexicon_category = lexicon_category
        if not (len(self.labels) == len(self.embedding_weights) == len(self.reference_weights)
                == len(self.lexicon_weights)):
            raise ValueError("a stack needs one set of weights per stacked label")
        if self.lexicon_weights.any() and not lexicon_category:
            raise ValueError("a stack with a lexicon weight needs the lexicon category it counts")
        self.reference = reference
        # Python floats for the one-text loop (squares as `_reference_norms` computes them)
        self._idf = reference.idf.tolist()
        self._squares = (reference.idf * reference.idf).tolist()
        # For a batch: idf by word index + 1, 0 at 0 ("no reference word").
        self._shifted_idf = np.concatenate([[0.0], reference.idf])
        if len(self._shifted_idf) > _WORD_MASK:
            raise ValueError("the reference vocabulary is too large for the norm keys")
        # The reference's calibration with its intercepts folded in, for `offsets`.
        self._slope = reference.slope
        self._shift = reference.slope * reference.intercept + reference.offset
        self._per_svm = [float(w) / len(reference.slope) for w in self.reference_weights]
        # Per label (embedding row, per-SVM reference weight, lexicon weight or None): the
        # lexicon term is left out where its weight is 0 (toxicity), not added as 0.0.
        self._terms_of = [(self.embedding_weights[k], self._per_svm[k],
                           float(self.lexicon_weights[k]) or None)
                          for k in range(len(self.labels))]
        # The per-SVM weights as a column, for one text's labels in one quotient.
        self._per_svm_column = np.array(self._per_svm)[:, None]
        self.dims = self.embedding.shape[1]

    def without(self, label: str) -> Stack | None:
        """Return this stack without `label`'s terms (None if no label is left); the other
        labels' terms are computed as before."""
        keep = [k for k, name in enumerate(self.labels) if name != label]
        if not keep:
            return None
        return Stack([self.labels[k] for k in keep], self.words, self.embedding,
                     self.embedding_weights[keep], self.reference_weights[keep],
                     self.reference, self.lexicon_weights[keep], self.lexicon_category)

    def new_words(self, known: set[str]) -> list[str]:
        """Return the reference's words missing from `known` (they need word rows too)."""
        return sorted(w for w in self.reference.vocabulary if w not in known)

    def columns(self, words: Sequence[str], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the extra columns of word rows `words` (idf: each word's tf-idf weight, 0
        where none) and each row's reference word index (-1: none).

        Columns: the idf-weighted embedding (`dims`), then per reference SVM `slope * idf *
        coef` (its calibration slope folded in, so `offsets` needs fewer steps).
        """
        extra = np.zeros((len(words), self.dims + len(self._slope)))
        mine = {w: i for i, w in enumerate(self.words)}
        rows = [(r, mine[w]) for r, w in enumerate(words) if w in mine]
        if rows:
            at, which = np.array(rows).T
            extra[at, :self.dims] = self.embedding[which] * idf[at, None]
        vocabulary = self.reference.vocabulary
        terms = np.array([vocabulary.get(w, -1) for w in words], dtype=np.int64)
        have = terms >= 0
        extra[have, self.dims:] = (self.reference.coef[:, terms[have]]
                                   * self.reference.idf[terms[have]]).T * self._slope
        return extra, terms

    def inputs(self, extra: np.ndarray, terms: np.ndarray, counts: Sequence[int],
               hits: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return each text's reference probability, unit embedding and log1p lexicon hits
        (zeros without `hits`), given the sums of its extra columns, the reference index of
        each of its word rows, its row counts and its summed hit-count column."""
        emb = extra[:, :self.dims]
        length = np.sqrt(np.square(emb).sum(axis=1, keepdims=True))
        length[length == 0.0] = 1.0
        reference = np.divide(1.0, self._denominators(
            extra[:, self.dims:], self._reference_norms(terms, counts)[:, None]))
        lexicon = np.log1p(hits) if hits is not None else np.zeros(len(counts))
        return reference.sum(axis=1) / len(self._slope), emb / length, lexicon

    def offsets(self, extra: np.ndarray, terms: np.ndarray, counts: Sequence[int],
                hits: np.ndarray | None = None) -> np.ndarray:
        """Return what the stack adds to each stacked label's logit (texts x labels; inputs
        as for `inputs`).

        Few numpy calls (a short text's score is mostly call overhead), and only row-wise
        ones: no matrix product, whose BLAS kernel may change with the batch size, so a
        window scores the same alone and in a group. The shared inputs are computed once;
        each label's terms are then the same operations as for a stack of that label alone.
        """
        logs = np.log1p(hits) if hits is not None else None
        if len(counts) == 1:
            return np.array([self._offsets_of_one(extra[0], terms, logs)])
        emb = extra[:, :self.dims]
        length = np.sqrt(_sum_rows(np.square(emb)))
        np.maximum(length, _TINY, out=length)  # an empty vector's product is 0 anyway
        denominators = self._denominators(extra[:, self.dims:],
                                           self._reference_norms(terms, counts)[:, None])
        out = np.empty((len(counts), len(self.labels)))
        for k, (weights, per_svm, lexicon) in enumerate(self._terms_of):
            embedded = _sum_rows(emb * weights)
            embedded /= length
            embedded += _sum_rows(np.divide(per_svm, denominators))
            if lexicon is not None:
                embedded += lexicon * logs
            out[:, k] = embedded
        return out

    def _offsets_of_one(self, extra: np.ndarray, terms: np.ndarray,
                        logs: np.ndarray | None) -> list[float]:
        """`offsets` of one text (the usual request): its per-text steps (root, maximum,
        quotient, sums) on Python floats, which are the same IEEE operations on the same
        float64 numbers, so the same bits in a third fewer numpy calls. The reductions are
        the same numpy kernels over the same contiguous rows: every label's products (and
        quotients) are one (labels x n) array, whose rows add as a batch's rows do."""
        emb = extra[:self.dims]
        length = max(math.sqrt(np.add.reduce(np.square(emb))), 1e-300)
        values = self._denominators(extra[self.dims:], self._reference_norm(terms))
        embedded = np.add.reduce(emb * self.embedding_weights, axis=1).tolist()
        referenced = np.add.reduce(self._per_svm_column / values, axis=1).tolist()
        out = []
        for k, (_, _, lexicon) in enumerate(self._terms_of):
            term = embedded[k] / length
            term += referenced[k]
            if lexicon is not None:  # `logs` by the batch's kernel: the same bits
                term += lexicon * float(logs[0])
            out.append(term)
        return out

    def _denominators(self, sums: np.ndarray, norms: np.ndarray | float) -> np.ndarray:
        """Return `1 + exp(-z)` of each reference SVM's calibrated decision value per text
        (`norms`: a column of reference norms, or one text's as a float): a label's reference
        term is its per-SVM weight over these, summed."""
        values = sums / norms
        values += self._shift
        np.exp(values, out=values)
        values += 1.0
        return values

    def _reference_norms(self, terms: np.ndarray, counts: Sequence[int]) -> np.ndarray:
        """Return each text's reference tf-idf norm (1 without words): over distinct words in
        increasing index order, so that one text (a plain loop, the usual request) and a batch
        (a sort of (text, word) keys) add the same numbers in the same order."""
        if len(counts) == 1:
            return np.array([self._reference_norm(terms)])
        return self._batch_norms(terms, counts)

    def _reference_norm(self, terms: np.ndarray) -> float:
        """`_reference_norms` of one text, whose word rows' reference indices are `terms`."""
        found = sorted([term for term in terms.tolist() if term >= 0])
        total = 0.0
        if len(set(found)) == len(found):  # no word twice
            for term in found:
                total += self._squares[term]
        else:  # counted in a dict, which keeps the sorted order (a Counter is slower)
            repeats = dict.fromkeys(found, 0)
            for term in found:
                repeats[term] += 1
            for term, count in repeats.items():
                value = count * self._idf[term]
                total += value * value
        return math.sqrt(total) if total else 1.0

    def _batch_norms(self, terms: np.ndarray, counts: Sequence[int]) -> np.ndarray:
        """`_reference_norms` of several texts in a dozen numpy calls (`np.unique` took
        twice as long): each word row's key is (text, word + 1), word 0 standing for "no
        reference word" (its idf is 0, so it adds exactly 0.0 to a sum of squares that starts
        at 0.0, where the loop skips it); sorted keys put each text's words in increasing
        order, and a run of equal keys is a word's repeats."""
        n = len(counts)
        keys = np.arange(1, (n << _TEXT_BITS) + 1, 1 << _TEXT_BITS).repeat(counts)
        keys += terms
        keys.sort()
        last = np.empty(len(keys), dtype=bool)  # the last of each run of equal keys
        np.not_equal(keys[1:], keys[:-1], out=last[:-1])
        last[-1] = True
        ends = last.nonzero()[0]
        repeats = ends - np.concatenate([_BEFORE_FIRST, ends[:-1]])
        keys = keys[ends]
        values = repeats * self._shifted_idf[keys & _WORD_MASK]
        values *= values
        norms = np.sqrt(np.bincount(keys >> _TEXT_BITS, weights=values, minlength=n))
        norms[norms == 0.0] = 1.0
        return norms

    @classmethod
    def load(cls, model_dir: Path) -> Stack:
        """Load `stack.npz` and `reference.npz` from a model directory (no pickles); reads the
        one-label format of models before 2026.11.22-stacked-3 too (fine-tuned ones under
        var/ keep it): a single `label`, its weights, no lexicon term."""
        reference = ReferenceModel.load(model_dir / REFERENCE_FILE)
        with np.load(model_dir / STACK_FILE, allow_pickle=False) as data:
            if "labels" not in data:
                return cls([str(data["label"])], data["words"].tolist(), data["embedding"],
                           data["embedding_weights"][None, :],
                           [float(data["reference_weight"])], reference)
            return cls(data["labels"].tolist(), data["words"].tolist(), data["embedding"],
                       data["embedding_weights"], data["reference_weights"], reference,
                       data["lexicon_weights"], str(data["lexicon_category"]))

    def save(self, model_dir: Path) -> list[str]:
        """Write the stack's files into `model_dir`; return their names."""
        np.savez_compressed(model_dir / STACK_FILE, labels=np.array(self.labels, dtype=str),
                            words=np.array(self.words, dtype=str),
                            embedding=self.embedding.astype(np.float16),
                            embedding_weights=self.embedding_weights,
                            reference_weights=self.reference_weights,
                            lexicon_weights=self.lexicon_weights,
                            lexicon_category=np.array(self.lexicon_category))
        self.reference.save(model_dir / REFERENCE_FILE)
        return [STACK_FILE, REFERENCE_FILE]
