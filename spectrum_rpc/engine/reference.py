"""alt-profanity-check's model (MIT) as plain arrays, scored with numpy.

The package is a scikit-learn `TfidfVectorizer` (lowercase, `(?u)\\b\\w\\w+\\b`, English stop
words, l2 norm) and a `CalibratedClassifierCV` of five `LinearSVC`s with sigmoid calibration;
its score is the mean of the five calibrated probabilities. Serving must not unpickle (a pickle
is code), so training copies the vocabulary, idf and SVM/calibration weights into
`reference.npz` (`from_package`, training side only) and this module scores them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REFERENCE_FILE = "reference.npz"
# scikit-learn's default token pattern; its stop words are not in the vocabulary, so dropping
# unknown tokens drops them too.
PATTERN = re.compile(r"(?u)\b\w\w+\b")


class ReferenceModel:
    """Tf-idf over a word vocabulary, then the mean of sigmoid-calibrated linear SVMs.

    Serving does not call `probabilities`: the stack folds these arrays into the engine's word
    table (`stack.py`). `probabilities` (with `from_terms` and `calibrate`) is the plain
    statement of the package's formula that `tests/engine/test_stack.py` holds both sides against:
    it equals the package's `predict_prob`, and the served word-table path equals it."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, slope: np.ndarray, offset: np.ndarray):
        self.vocabulary = {word: i for i, word in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)  # (svms, words)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        # Calibration per SVM: p = 1 / (1 + exp(slope * decision + offset)).
        self.slope = np.asarray(slope, dtype=np.float64)
        self.offset = np.asarray(offset, dtype=np.float64)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Return the package's `predict_prob` of raw texts."""
        owners, terms = [], []
        for i, text in enumerate(texts):
            found = [self.vocabulary.get(t) for t in PATTERN.findall(text.lower())]
            known = [t for t in found if t is not None]
            terms.extend(known)
            owners.extend([i] * len(known))
        return self.from_terms(np.asarray(owners, dtype=np.int64),
                               np.asarray(terms, dtype=np.int64), len(texts))

    def from_terms(self, owners: np.ndarray, terms: np.ndarray, n: int) -> np.ndarray:
        """Return the scores of `n` texts given each term occurrence's text and term index."""
        counts = Counter(zip(owners.tolist(), terms.tolist(), strict=True))
        rows = np.fromiter((k[0] for k in counts), dtype=np.int64, count=len(counts))
        cols = np.fromiter((k[1] for k in counts), dtype=np.int64, count=len(counts))
        tfidf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=tfidf ** 2, minlength=n))
        decisions = np.zeros((n, len(self.intercept)))
        np.add.at(decisions, rows, tfidf[:, None] * self.coef[:, cols].T)
        norms[norms == 0.0] = 1.0
        return self.calibrate(decisions / norms[:, None] + self.intercept)

    def calibrate(self, decisions: np.ndarray) -> np.ndarray:
        """Return the mean calibrated probability of (texts x svms) decision values."""
        return (1.0 / (1.0 + np.exp(decisions * self.slope + self.offset))).sum(axis=1) \
            / len(self.slope)

    @classmethod
    def load(cls, path: Path) -> ReferenceModel:
        """Load from an `.npz` written by `save` (no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["idf"], data["coef"], data["intercept"],
                       data["slope"], data["offset"])

    def save(self, path: Path) -> None:
        """Write the numeric model file (float64: the scores match the package's to 1e-12)."""
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(path, vocabulary=np.array(words, dtype=str), idf=self.idf,
                            coef=self.coef, intercept=self.intercept, slope=self.slope,
                            offset=self.offset)

    @classmethod
    def from_package(cls) -> ReferenceModel:
        """Read the installed alt-profanity-check's model (training side: it unpickles)."""
        from profanity_check import profanity_check as apc

        vectorizer, model = apc.vectorizer, apc.model
        order = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        parts = model.calibrated_classifiers_
        if vectorizer.get_params()["token_pattern"] != PATTERN.pattern or any(
                p.method != "sigmoid" or list(p.classes) != [0, 1] for p in parts):
            raise ValueError("alt-profanity-check's model is not the one this module mirrors")
        return cls(order, vectorizer.idf_,
                   np.vstack([p.estimator.coef_[0] for p in parts]),
                   np.array([p.estimator.intercept_[0] for p in parts]),
                   np.array([p.calibrators[0].a_ for p in parts]),
                   np.array([p.calibrators[0].b_ for p in parts]))
