"""The fast tier: tf-idf n-gram features through per-label calibrated logistic weights.

A text's features are its n-gram occurrences: `x_j = count_j * idf_j / sqrt(sum_j count_j *
idf_j^2)` (tf-idf scaled by the L2 norm of the sqrt-count vector, which needs no per-text
de-duplication and is additive over words). Calibration (Platt) is folded into the weights at
training time, so a probability is `sigmoid(x . W[:, label] + bias[label])`. Stacked labels
(`Stack`) add terms computed from extra table columns to their logits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .features import LEX_PREFIX, bigram_key, is_word_feature, word_grams
from .stack import Stack

LINEAR_FILE = "linear.npz"
# `_segment_sums` pads segments into a block while that at most doubles the rows it adds,
# and gathers the block in chunks of about this many bytes (they stay in L2 cache).
_PADDING = 2
_CHUNK_BYTES = 1 << 20


class LinearModel:
    """Per-label linear scores over a shared n-gram vocabulary (read-only, thread-safe)."""

    # Shrinks a text's evidence (n-gram part and stack terms) by sqrt(q / (q + prior)), q the
    # text's summed squared idf weights: a one-word text should not speak with a sentence's
    # voice. Set from engine.json's "evidence_prior" by `load_engine` (0: models before it).
    evidence_prior: float = 0.0

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray,
                 bias: np.ndarray, labels: Sequence[str], stack: Stack | None = None):
        self.labels = tuple(labels)
        self.stack = stack
        self._stacked = _columns([self.labels.index(label) for label in stack.labels]
                                 if stack else [])
        self.vocabulary = {gram: i for i, gram in enumerate(vocabulary)}
        # Feature table: idf-scaled weights, idf^2, then (if the stack counts a lexicon
        # category) 1.0 at that category's feature, whose sum is the text's hit count (0 if
        # the vocabulary has no such feature: its lexicon lacks the category); the trailing
        # zero row is the "no feature" sentinel.
        self.no_feature = len(vocabulary)
        columns = [weights * idf[:, None], idf.astype(np.float64) ** 2]
        self._counted = bool(stack is not None and stack.lexicon_category)
        if self._counted:
            hits = np.zeros(len(vocabulary))
            counted = self.vocabulary.get(LEX_PREFIX + stack.lexicon_category)
            if counted is not None:
                hits[counted] = 1.0
            columns.append(hits)
        table = np.column_stack(columns)
        self._features = np.vstack([table, np.zeros((1, table.shape[1]))]).astype(np.float32)
        self.words, self._words, self._terms = self._word_table(vocabulary, idf)
        # Served from float64 copies of the float32-rounded tables (the same numbers, so the
        # same sums): sums of float64 rows need no per-element cast, a third faster, for
        # twice the memory (about 20 MB instead of 10 for the shipped model).
        self._features = self._features.astype(np.float64)
        self._words = self._words.astype(np.float64)
        pairs = ((bigram_key(g), i) for g, i in self.vocabulary.items())
        self.bigrams = {key: i for key, i in pairs if key is not None}
        self.no_word = len(self._words) - 1
        self._bias = bias.astype(np.float64)

    def _word_table(self, vocabulary: Sequence[str], idf: np.ndarray
                    ) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Precompute, per vocabulary word, the sum of its n-gram rows (word + char n-grams),
        then the stack's columns; return word rows, table and each row's reference word."""
        words = [g[1:-1] for g in vocabulary if is_word_feature(g)]
        weights = np.zeros(len(words) + 1)
        weights[:len(words)] = idf[[self.vocabulary[f" {w} "] for w in words]]
        if self.stack is not None:  # its words score through word rows too (same n-grams)
            words += self.stack.new_words(set(words))
            weights = np.concatenate([weights, np.zeros(len(words) + 1 - len(weights))])
        vocab = self.vocabulary
        rows = np.zeros((len(words) + 1, self._features.shape[1]), dtype=np.float64)
        for i, word in enumerate(words):
            index = [vocab[g] for g in word_grams(word) if g in vocab]
            rows[i] = self._features[index].sum(axis=0, dtype=np.float64)
        terms = np.full(len(words) + 1, -1, dtype=np.int64)
        if self.stack is not None:
            extra, terms = self.stack.columns([*words, ""], weights)  # "": the no-word row
            rows = np.hstack([rows, extra])
        return {w: i for i, w in enumerate(words)}, rows.astype(np.float32), terms

    @classmethod
    def load(cls, path: Path, stack: Stack | None = None) -> LinearModel:
        """Load from an `.npz` written by `save` (no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["idf"], data["weights"], data["bias"],
                       data["labels"].tolist(), stack)

    @staticmethod
    def save(path: Path, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray,
             bias: np.ndarray, labels: Sequence[str]) -> None:
        """Write the numeric model file."""
        np.savez_compressed(path, vocabulary=np.array(vocabulary, dtype=str),
                            idf=idf.astype(np.float32), weights=weights.astype(np.float32),
                            bias=bias.astype(np.float64), labels=np.array(labels, dtype=str))

    def logits(self, word_rows: Sequence[int], word_counts: Sequence[int],
               features: Sequence[int], feature_counts: Sequence[int],
               stacked: bool = True) -> np.ndarray:
        """Return calibrated logits for texts given as concatenated rows (each count >= 1);
        `stacked=False` leaves out the stack's terms (the linear part alone)."""
        sums, rows = self.sums(word_rows, word_counts, features, feature_counts)
        n = len(self.labels)
        out = sums[:, :n] / _norms(sums[:, n])
        if self.stack is not None and stacked:
            out[:, self._stacked] += self._offsets(sums, rows, word_counts)
        if self.evidence_prior:
            squares = sums[:, n:n + 1]
            out *= np.sqrt(squares / (squares + self.evidence_prior))
        out += self._bias
        return out

    def _offsets(self, sums: np.ndarray, rows: np.ndarray, word_counts: Sequence[int]
                 ) -> np.ndarray:
        """Return the stack's terms (texts x stacked labels) from the summed columns."""
        assert self.stack is not None
        return self.stack.offsets(*self._stack_args(sums, rows, word_counts))

    def _stack_args(self, sums: np.ndarray, rows: np.ndarray, word_counts: Sequence[int]
                    ) -> tuple[np.ndarray, np.ndarray, Sequence[int], np.ndarray | None]:
        """Return the stack's arguments from the summed columns: its own columns' sums, the
        reference index of each word row, the row counts and the lexicon hit counts."""
        width = self._features.shape[1]
        return sums[:, width:], self._terms.take(rows), word_counts, self._hits(sums)

    def _hits(self, sums: np.ndarray) -> np.ndarray | None:
        """Return each text's hit count of the stack's lexicon category (None: not counted)."""
        return sums[:, len(self.labels) + 1] if self._counted else None

    def sums(self, word_rows: Sequence[int], word_counts: Sequence[int],
             features: Sequence[int], feature_counts: Sequence[int]
             ) -> tuple[np.ndarray, np.ndarray]:
        """Return each text's summed table columns (the feature table's columns first, the
        stack's after them) and the word rows as an array."""
        rows = np.asarray(word_rows, dtype=np.int64)
        width = self._features.shape[1]
        if len(word_counts) == 1:
            # One text (the common request): plain sums, a third of the numpy calls; `take`
            # of an array is several times cheaper than indexing with a list, and
            # `np.add.reduce` is `.sum` without its Python-level wrapper.
            sums = np.add.reduce(self._words.take(rows, axis=0), axis=0, keepdims=True)
            sums[:, :width] += np.add.reduce(
                self._features.take(np.asarray(features, dtype=np.int64), axis=0), axis=0,
                keepdims=True)
        else:
            sums = _segment_sums(self._words, rows, word_counts, self.no_word)
            sums[:, :width] += _segment_sums(self._features, features, feature_counts,
                                             self.no_feature)
        return sums, rows

    def stack_inputs(self, *args: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the stack's inputs per text (`Stack.inputs`; arguments as for `logits`)."""
        if self.stack is None:
            raise ValueError("this model has no stack")
        sums, rows = self.sums(*args)
        return self.stack.inputs(*self._stack_args(sums, rows, args[1]))

    def stack_offsets(self, *args: Sequence[int]) -> np.ndarray:
        """Return what the stack adds to each stacked label's logit per text (texts x
        `stack.labels`; arguments as for `logits`): the served terms, for training to hold
        fixed."""
        if self.stack is None:
            raise ValueError("this model has no stack")
        return self._offsets(*self.sums(*args), args[1])

    def probabilities(self, *args: Sequence[int]) -> np.ndarray:
        """Return calibrated probabilities, one row per text (arguments as for `logits`)."""
        return 1.0 / (1.0 + np.exp(-self.logits(*args)))


def _columns(indices: list[int]) -> slice | list[int]:
    """Return column indices as a slice where they are consecutive (the stacked labels come
    first): adding to a slice is in place, a list index copies out and back."""
    if indices and indices == list(range(indices[0], indices[-1] + 1)):
        return slice(indices[0], indices[-1] + 1)
    return indices


def _norms(squares: np.ndarray) -> np.ndarray | float:
    """Return the divisor of each text's row: the root of its summed squares (1 where 0), as
    a column, or for one text as a Python float (the same IEEE root in two numpy calls
    fewer)."""
    if len(squares) == 1:
        return math.sqrt(squares[0]) or 1.0
    norms = np.sqrt(squares)[:, None]
    norms[norms == 0.0] = 1.0
    return norms


def _segment_sums(table: np.ndarray, rows: Sequence[int], counts: Sequence[int],
                  zero: int) -> np.ndarray:
    """Return the float64 sum of `table`'s rows per segment of `rows` (`counts` long each).

    Segments of similar length (a batch of short texts, a long text's windows) are gathered
    into a padded block, position-major (padding: the all-zero row `zero`), and summed over
    its first axis: one vectorised add per position across all segments, in chunks of a few
    texts that stay in cache, 2-3x faster than `np.add.reduceat`. That adds each segment's
    rows in order, exactly as `.sum(axis=0)` of the segment alone (one text) does, so a text
    or window scores the same bits alone and in such a batch. Others (texts of very different
    lengths) use `reduceat`, which does not add strictly in order: where a float64 sum of
    these float32 values rounds, such a batch's score may differ in the last bit.
    """
    index = np.asarray(rows, dtype=np.int64)
    lengths = np.asarray(counts, dtype=np.int64)
    longest = int(np.maximum.reduce(lengths))
    if longest * len(lengths) <= _PADDING * len(index):
        block = np.empty((longest, len(lengths)), dtype=np.int64)
        block.fill(zero)
        block.T[np.arange(longest) < lengths[:, None]] = index  # segment k is column k
        out = np.empty((len(lengths), table.shape[1]))
        step = max(1, _CHUNK_BYTES // (longest * table.shape[1] * table.itemsize))
        for start in range(0, len(lengths), step):
            stop = start + step
            np.add.reduce(table.take(block[:, start:stop], axis=0), axis=0, out=out[start:stop])
        return out
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return np.add.reduceat(table.take(index, axis=0), offsets, axis=0)
