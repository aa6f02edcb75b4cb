"""The fast tier: tf-idf n-gram features through per-label calibrated logistic weights.

A text's features are its n-gram occurrences: `x_j = count_j * idf_j / sqrt(sum_j count_j *
idf_j^2)` (tf-idf scaled by the L2 norm of the sqrt-count vector, which needs no per-text
de-duplication and is additive over words). Calibration (Platt) is folded into the weights at
training time, so a probability is `sigmoid(x . W[:, label] + bias[label])`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .features import bigram_key, is_word_feature, word_grams

LINEAR_FILE = "linear.npz"


class LinearModel:
    """Per-label linear scores over a shared n-gram vocabulary (read-only, thread-safe)."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray,
                 bias: np.ndarray, labels: Sequence[str]):
        self.labels = tuple(labels)
        self.vocabulary = {gram: i for i, gram in enumerate(vocabulary)}
        # Feature table: idf-scaled weights plus idf^2 as the last column; the trailing zero row
        # is the "no feature" sentinel.
        self.no_feature = len(vocabulary)
        table = np.column_stack([weights * idf[:, None], idf.astype(np.float64) ** 2])
        self._features = np.vstack([table, np.zeros((1, table.shape[1]))]).astype(np.float32)
        self.words, self._words = self._word_table(vocabulary)
        pairs = ((bigram_key(g), i) for g, i in self.vocabulary.items())
        self.bigrams = {key: i for key, i in pairs if key is not None}
        self.no_word = len(self._words) - 1
        self._bias = bias.astype(np.float64)

    def _word_table(self, vocabulary: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
        """Precompute, per vocabulary word, the sum of its n-gram rows (word + char n-grams)."""
        words = [g[1:-1] for g in vocabulary if is_word_feature(g)]
        vocab = self.vocabulary
        rows = np.zeros((len(words) + 1, self._features.shape[1]), dtype=np.float64)
        for i, word in enumerate(words):
            index = [vocab[g] for g in word_grams(word) if g in vocab]
            rows[i] = self._features[index].sum(axis=0, dtype=np.float64)
        return {w: i for i, w in enumerate(words)}, rows.astype(np.float32)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Load from an `.npz` written by `save` (no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["idf"], data["weights"], data["bias"],
                       data["labels"].tolist())

    @staticmethod
    def save(path: Path, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray,
             bias: np.ndarray, labels: Sequence[str]) -> None:
        """Write the numeric model file."""
        np.savez_compressed(path, vocabulary=np.array(vocabulary, dtype=str),
                            idf=idf.astype(np.float32), weights=weights.astype(np.float32),
                            bias=bias.astype(np.float64), labels=np.array(labels, dtype=str))

    def logits(self, word_rows: Sequence[int], word_counts: Sequence[int],
               features: Sequence[int], feature_counts: Sequence[int]) -> np.ndarray:
        """Return calibrated logits for texts given as concatenated rows (each count >= 1)."""
        if len(word_counts) == 1:
            # One text (the common request): plain sums, a third of the numpy calls.
            sums = self._words[word_rows].sum(axis=0, dtype=np.float64, keepdims=True)
            sums += self._features[features].sum(axis=0, dtype=np.float64, keepdims=True)
        else:
            sums = _segment_sums(self._words, word_rows, word_counts)
            sums += _segment_sums(self._features, features, feature_counts)
        norms = np.sqrt(sums[:, -1])
        norms[norms == 0.0] = 1.0
        return sums[:, :-1] / norms[:, None] + self._bias

    def probabilities(self, *args: Sequence[int]) -> np.ndarray:
        """Return calibrated probabilities, one row per text (arguments as for `logits`)."""
        return 1.0 / (1.0 + np.exp(-self.logits(*args)))


def _segment_sums(table: np.ndarray, rows: Sequence[int], counts: Sequence[int]) -> np.ndarray:
    index = np.array(rows, dtype=np.int64)
    offsets = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(np.array(counts[:-1], dtype=np.int64), out=offsets[1:])
    return np.add.reduceat(table[index], offsets, axis=0, dtype=np.float64)
