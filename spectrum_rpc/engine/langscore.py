"""py3langid's `classify`, the same answers with less work per text.

Its identifier walks a byte automaton in Python, one step per byte, and converts the float16
rows of the n-grams it found to float32 on every call (numpy's float16 casts are scalar: about
20 µs of a 100-character text's 100). `Scorer.classify` gives the identifier's own (label,
probability) bit for bit:

- the walk is remembered per (automaton state, word with its following space): the automaton
  is deterministic, so the state after a word and the n-grams it passes are a function of both,
  and the list of n-grams (hence the order numpy adds them in) is the same;
- each n-gram's row is converted to float32 once (exactly: every float16 is a float32) into a
  bounded cache, and the product is numpy's float32 one, as in the mixed-type product.

tests/engine/test_langscore.py compares both on the lingua test data and edge cases.

Memory, worst case per Scorer (one per process), measured with tracemalloc on hostile input
(texts of distinct random words of up to 32 bytes, py3langid 0.4): the word-walk cache holds
up to `walk_limit` (50,000) walks of 23-31 n-grams each, about 24-27 MB, before it is
emptied; the row cache is 9.3 MB (16,384 rows of 142 float32) and its slot index 0.8 MB.
That is about 37 MB held, and about 10 MB more for a moment while a full row cache is being
replaced: about 47 MB (the highest traced peak measured: 43.5 MB). The process's RSS grew
by 31-44 MB
(scripts/bench_langscore_memory.py; docs/BENCHMARKS.md).
"""

from __future__ import annotations

import math
import threading
from collections import Counter

import numpy as np
from py3langid.langid import LanguageIdentifier

_WALK_LIMIT = 50_000  # remembered (state, word) walks (about 27 MB); then forgotten, begun anew
_WORD_BYTES = 32  # longer runs without a space are walked, not remembered
_ROW_LIMIT = 16_384  # float32 rows kept (142 labels: 9.3 MB)
# The identifier's attributes the shortcuts read (py3langid 0.4).
_INTERNALS = ("_norm_probs", "_rowbase", "_alias_pairs", "_encode", "tk_nextmove", "tk_output",
              "nb_pc", "nb_classes", "min_confidence")


class _Rows:
    """Float32 copies of some rows of a float16 table: `slots[feature]` is the row's place
    in `rows`, -1 where it has none yet. Only appended to; replaced whole when full."""

    def __init__(self, features: int, width: int, limit: int):
        self.slots = np.full(features, -1, dtype=np.int64)
        self.rows = np.empty((limit, width), dtype=np.float32)
        self.used = 0


class Scorer:
    """`identifier.classify`, faster (thread-safe; the identifier is only read)."""

    def __init__(self, identifier: LanguageIdentifier, row_limit: int = _ROW_LIMIT,
                 walk_limit: int = _WALK_LIMIT):
        self._identifier = identifier
        table = identifier.nb_ptc
        # The shortcuts hold for the identifier the detector builds (norm_probs, no minimum
        # confidence, a float16 table) of the py3langid this was written against (0.4.x);
        # any other is asked itself.
        self._own = (all(hasattr(identifier, name) for name in _INTERNALS)
                     and identifier._norm_probs and identifier.min_confidence is None
                     and table.dtype == np.float16)
        self._row_limit = row_limit
        self._walk_limit = walk_limit
        self._rows = _Rows(len(table), table.shape[1], row_limit)
        self._walks: dict[tuple[int, bytes], tuple[int, tuple[int, ...]]] = {}
        self._lock = threading.Lock()

    def classify(self, text: str) -> tuple[str, float]:
        """Return the identifier's (label, probability) for `text`."""
        identifier = self._identifier
        if not self._own:
            return identifier.classify(text)
        data = LanguageIdentifier._encode(text)
        scores = self._raw_score(data)
        scores *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in identifier._alias_pairs:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        return identifier.nb_classes[best], float(scores[best])

    def _raw_score(self, data: bytes) -> np.ndarray:
        indexes = self.features(data)
        if not indexes:
            return np.full(len(self._identifier.nb_classes), 0.0, dtype=np.float32)
        visits = Counter(indexes)
        idx = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
        counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
        return np.log1p(counts) @ self._float_rows(idx) + self._identifier.nb_pc

    def features(self, data: bytes) -> list[int]:
        """Return the n-gram features the identifier's walk over `data` finds, in order."""
        identifier = self._identifier
        nm, rowbase, out = identifier.tk_nextmove, identifier._rowbase, identifier.tk_output
        walks = self._walks
        if len(walks) > self._walk_limit:
            self._walks = walks = {}
        state, found = 0, []
        parts = data.split(b" ")
        last = len(parts) - 1
        for k, part in enumerate(parts):
            word = part + b" " if k < last else part
            if not word:
                continue
            remembered = walks.get((state, word)) if len(word) <= _WORD_BYTES else None
            if remembered is None:
                start, passed = state, []
                for letter in word:
                    state = nm[rowbase[state] + letter]
                    feature = out[state]
                    if feature >= 0:
                        passed.append(feature)
                remembered = (state, tuple(passed))
                if len(word) <= _WORD_BYTES:
                    walks[(start, word)] = remembered
            state = remembered[0]
            found.extend(remembered[1])
        return found

    def _float_rows(self, idx: np.ndarray) -> np.ndarray:
        """Return the float32 rows of features `idx` (distinct), converting new ones once."""
        cache = self._rows
        slots = cache.slots[idx]
        if (slots < 0).any():
            with self._lock:
                cache = self._rows
                slots = cache.slots[idx]
                new = idx[slots < 0]
                if cache.used + len(new) > len(cache.rows):
                    table = self._identifier.nb_ptc
                    cache = self._rows = _Rows(len(table), table.shape[1],
                                               max(self._row_limit, len(idx)))
                    new = idx
                stop = cache.used + len(new)
                cache.rows[cache.used:stop] = self._identifier.nb_ptc[new]
                cache.slots[new] = np.arange(cache.used, stop)
                cache.used = stop
                slots = cache.slots[idx]
        return cache.rows[slots]
