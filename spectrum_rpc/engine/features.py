"""N-gram features of normalised text: padded words, word bigrams, in-word char 3-5-grams, lexicon.

Training enumerates feature strings with `grams`; serving (`Featurizer`) reaches the same
features through the stored vocabulary. Serving keeps per-token Python work near zero: a word
whose padded form is in the vocabulary maps in one C-level dict lookup to a precomputed row
(the sum of all its n-gram weights); other words go through a per-word cache of indices.
A long text's overlapping windows are featurised together (`StreamFeatures`): per-token work
once per stretch of text, then each window's slice, exactly as `Featurizer.add` would give it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING

import numpy as np

from .lexicon import Entry, Lexicon
from .normalize import MASK, PLACEHOLDERS, TOKEN, Stream, normalize_tokens

if TYPE_CHECKING:
    from .linear import LinearModel

# What `Featurizer.featurize` returns (and `StreamFeatures.windows` too): word rows, word
# counts, feature indices, feature counts and top lexicon severities, per text.
Featurized = tuple[list[int], list[int], list[int], list[int], list[float]]

CHAR_NGRAMS = (3, 4, 5)
MAX_WORD = 24  # longer tokens are cut for char n-grams: a 1 MB "word" must not cost 3 M n-grams
LEX_PREFIX = "\x00lex:"
_CACHE_LIMIT = 200_000


def word_grams(token: str) -> list[str]:
    """Return the features of one token: the padded word and its char n-grams (none for a
    placeholder)."""
    padded = f" {token[:MAX_WORD]} "
    grams = [padded]
    if len(token) > 1 and token[0].isalnum() and token not in PLACEHOLDERS:
        for n in CHAR_NGRAMS:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


def is_word_feature(gram: str) -> bool:
    """Return whether a vocabulary entry is a padded single word (` word `)."""
    return len(gram) > 2 and gram[0] == " " and gram[-1] == " " and " " not in gram[1:-1]


def bigram_key(gram: str) -> tuple[str, str] | None:
    """Return the token pair of a bigram vocabulary entry (` a b `), else None."""
    if gram.count(" ") != 3 or gram[0] != " " or gram[-1] != " ":
        return None
    first, second = gram[1:-1].split(" ")
    return first, second


def lexicon_grams(lexicon: Lexicon, normalized: str,
                  tokens: list[str]) -> tuple[list[str], float]:
    """Return features for each distinct lexicon term (category, severity band), top severity."""
    return entry_grams(lexicon.scoring_hits(normalized, tokens))


def entry_grams(entries: Iterable[Entry]) -> tuple[list[str], float]:
    """Return the `lexicon_grams` of the lexicon hits `entries`."""
    grams: list[str] = []
    top = 0.0
    for entry in entries:
        grams.append(LEX_PREFIX + entry.category)
        grams.append(f"{LEX_PREFIX}sev{int(entry.severity)}")
        top = max(top, entry.severity)
    return grams, top


def grams(normalized: str, lexicon: Lexicon) -> Iterator[str]:
    """Yield every feature string of a normalised text (training side)."""
    tokens = TOKEN.findall(normalized)
    if MASK in normalized:
        tokens = lexicon.unmask(tokens)
    for token in tokens:
        yield from word_grams(token)
    for a, b in zip(tokens, tokens[1:], strict=False):
        yield f" {a} {b} "
    yield from lexicon_grams(lexicon, normalized, tokens)[0]


class Featurizer:
    """Map normalised text to word rows and feature indices; safe to share between threads.

    `words` maps a vocabulary word to its row in the model's word table, `bigrams` a token pair
    to its feature index (zip() builds those keys without formatting strings); `no_word` and
    `no_feature` are the all-zero rows that stand for "nothing here".
    """

    def __init__(self, vocabulary: Mapping[str, int], words: Mapping[str, int],
                 bigrams: Mapping[tuple[str, str], int], no_feature: int, no_word: int,
                 lexicon: Lexicon):
        self.vocabulary = vocabulary
        self.words = words
        self.bigrams = bigrams
        self.no_feature = no_feature
        self.no_word = no_word
        self.lexicon = lexicon
        self._others: dict[str, list[int]] = {}
        # (category, severity) of a lexicon hit -> its feature indices (`entry_grams`, then
        # `_indices`): a hit costs a tuple lookup instead of formatting and looking up strings.
        self._entries: dict[tuple[str, float], list[int]] = {}
        self._index: _TokenIndex | None = None  # built on the first long text

    @classmethod
    def for_model(cls, model: LinearModel, lexicon: Lexicon) -> Featurizer:
        """Return the featurizer of a linear model's tables and a lexicon."""
        return cls(model.vocabulary, model.words, model.bigrams, model.no_feature,
                   model.no_word, lexicon)

    def featurize(self, texts: Iterable[str]) -> Featurized:
        """Featurize texts one by one, each as one unit (normalised, then `add`ed)."""
        words: list[int] = []
        features: list[int] = []
        word_counts: list[int] = []
        feature_counts: list[int] = []
        severities: list[float] = []
        add = self.add
        for text in texts:
            w, f = len(words), len(features)
            severities.append(add(*normalize_tokens(text), words, features))
            word_counts.append(len(words) - w)
            feature_counts.append(len(features) - f)
        return words, word_counts, features, feature_counts, severities

    def add(self, normalized: str, tokens: list[str], word_rows: list[int],
            features: list[int]) -> float:
        """Append the text's word rows and feature indices (one sentinel each, so neither is
        ever empty); return its top lexicon severity. `tokens` is `TOKEN.findall(normalized)`."""
        if MASK in normalized:
            tokens = self.lexicon.unmask(tokens)
        no_word = self.no_word
        rows = list(map(self.words.get, tokens, repeat(no_word)))
        word_rows.extend(rows)
        word_rows.append(no_word)
        if no_word in rows:
            self._bound_others()
            other = self._other
            for token in compress(tokens, map(no_word.__eq__, rows)):
                features.extend(other(token))
        pairs = zip(tokens, tokens[1:])  # noqa: B905 - one shorter by design
        features.extend(map(self.bigrams.get, pairs, repeat(self.no_feature)))
        features.append(self.no_feature)
        return self._add_hits(self.lexicon.scoring_hits(normalized, tokens), features)

    def _add_hits(self, entries: Iterable[Entry], features: list[int]) -> float:
        """Append the feature indices of lexicon hits `entries` (those of `entry_grams`, in
        its order); return their top severity."""
        top = 0.0
        cache = self._entries
        for entry in entries:
            key = entry.category, entry.severity
            found = cache.get(key)
            if found is None:
                found = cache[key] = self._indices(entry_grams([entry])[0])
            features.extend(found)
            top = max(top, entry.severity)
        return top

    def windows(self, stream: Stream) -> StreamFeatures:
        """Return the features of a normalised stream, to `add` window by window."""
        if any(MASK in word for word in stream.words):
            stream = replace(stream, tokens=self.lexicon.unmask(stream.tokens))
        if self._index is None:
            self._index = _TokenIndex(self.words, self.bigrams, self.lexicon, self.no_word,
                                      self.no_feature)
        return StreamFeatures(self, stream, self._index)

    def _bound_others(self) -> None:
        if len(self._others) > _CACHE_LIMIT:
            self._others.clear()  # bounded memory; a concurrent reader just recomputes

    def _other(self, token: str) -> list[int]:
        """Return the feature indices of a token that is not a vocabulary word."""
        cached = self._others.get(token)
        if cached is None:
            cached = self._others[token] = self._indices(word_grams(token))
        return cached

    def _indices(self, grams: Iterable[str]) -> list[int]:
        vocab = self.vocabulary
        return [vocab[g] for g in grams if g in vocab]


def _hit_features(featurizer: Featurizer, entries: Iterable[Entry]) -> tuple[list[int], float]:
    """Return the feature indices and top severity of lexicon hits (`Featurizer._add_hits`)."""
    features: list[int] = []
    return features, featurizer._add_hits(entries, features)


class _TokenIndex:
    """Word rows, bigram features, lexicon words and phrase openings of a whole token stream
    in a few numpy calls.

    Every word, bigram, lexicon or phrase-opening token gets an integer id (a word's id is its
    row), so a token pair is one int64 key looked up by binary search instead of a tuple
    hashed per pair.
    """

    def __init__(self, words: Mapping[str, int], bigrams: Mapping[tuple[str, str], int],
                 lexicon: Lexicon, no_word: int, no_feature: int):
        if any(not 0 <= row < no_word for row in words.values()):
            raise ValueError("word rows must lie below the no-word row")
        lexicon_words = list(lexicon.word_terms())
        openings = lexicon.phrase_openings()
        self.ids = dict(words)
        others = chain(chain.from_iterable(bigrams), lexicon_words,
                       chain.from_iterable(openings))
        for token in others:
            if token not in self.ids:
                self.ids[token] = no_word + 1 + len(self.ids) - len(words)
        self.no_word = no_word
        self.no_feature = no_feature
        self.base = no_word + 1 + len(self.ids) - len(words)  # above every id
        pairs = {self._key(pair): feature for pair, feature in bigrams.items()}
        opening = {self._key(pair) for pair in openings}
        for key in opening:
            pairs.setdefault(key, no_feature)
        self.keys = np.array(sorted(pairs), dtype=np.int64)
        self.features = np.array([pairs[key] for key in self.keys.tolist()], dtype=np.int64)
        self.opens = np.array([key in opening for key in self.keys.tolist()], dtype=bool)
        # by id, plus a last False for the id -1 of unknown tokens
        self.lexical = np.zeros(self.base + 1, dtype=bool)
        self.lexical[[self.ids[t] for t in lexicon_words]] = True

    def _key(self, pair: tuple[str, str]) -> int:
        return self.ids[pair[0]] * self.base + self.ids[pair[1]]

    def index(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        """Return each token's word row and each adjacent pair's bigram feature (what
        `Featurizer.add` finds with dict lookups), the positions of lexicon words and those of
        pairs that open a phrase (`Lexicon.phrase_openings`)."""
        ids = np.fromiter(map(self.ids.get, tokens, repeat(-1)), dtype=np.int64,
                          count=len(tokens))
        rows = np.where((ids >= 0) & (ids < self.no_word), ids, self.no_word)
        lexical = np.flatnonzero(self.lexical[ids]).tolist()
        if not len(self.keys):
            pairs = np.full(max(0, len(tokens) - 1), self.no_feature)
            return rows, pairs, lexical, np.zeros(0, dtype=np.int64)
        first, second = ids[:-1], ids[1:]
        keys = first * self.base + second
        # Binary search is several times faster for sorted needles (they hit the cache).
        order = np.argsort(keys)
        at = np.empty_like(keys)
        at[order] = np.searchsorted(self.keys, keys[order])
        np.minimum(at, len(self.keys) - 1, out=at)
        found = (first >= 0) & (second >= 0) & (self.keys[at] == keys)
        pairs = np.where(found, self.features[at], self.no_feature)
        return rows, pairs, lexical, np.flatnonzero(found & self.opens[at])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return the concatenated `arange(start, start + length)` of each pair, in order."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(ends[-1] if len(ends) else 0)


class StreamFeatures:
    """What `Featurizer.add` appends for each of many windows over one `Stream`.

    The per-token work (dict lookups, bigram pairs) is done once for the stream and each
    window's word rows and features are gathered from it in a few numpy calls, in the order
    `add` appends them, so the windows score exactly as they would one by one. Only the
    lexicon runs per window, and only for windows holding a lexicon word or phrase candidate.
    """

    def __init__(self, featurizer: Featurizer, stream: Stream, index: _TokenIndex):
        self.featurizer = featurizer
        self.stream = stream
        tokens = stream.tokens
        rows, self.pairs, lexical, openings = index.index(tokens)
        self.rows = np.append(rows, featurizer.no_word)  # the window sentinel at the end
        # Tokens that are not vocabulary words: their char n-gram features, one run each.
        self.others = np.flatnonzero(rows == featurizer.no_word)
        featurizer._bound_others()
        grams = [featurizer._other(tokens[i]) for i in self.others.tolist()]
        self.other_ends = np.cumsum([len(g) for g in grams], dtype=np.int64)
        self.other_features = np.fromiter(chain.from_iterable(grams), dtype=np.int64,
                                          count=int(self.other_ends[-1]) if grams else 0)
        self.lexical = lexical
        # lexicon words -> (features, severity): windows of one text share their few terms
        self._lexicon_cache: dict[frozenset[str], tuple[list[int], float]] = {}
        # Phrases: runs (first, stop) of tokens, or else of words, that may hold one, sorted;
        # a window holding none needs no phrase matching.
        words = stream.words
        joined = " ".join(words)
        if "_" not in joined:  # pairs of tokens (no automaton over the text)
            self.phrase_edges = stream.token_edges
            self.phrases = [(p, p + 2) for p in openings.tolist()]
            return
        self.phrase_edges = stream.word_edges  # words where the automaton finds a phrase
        found = featurizer.lexicon.phrase_candidates(joined)
        if found:
            lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
            starts = np.cumsum(lengths + 1) - lengths - 1  # of each word in the joined text
            chars = np.array(found, dtype=np.int64) - [0, 1]  # first and last char
            spans = np.searchsorted(starts, chars, side="right") - 1
            spans[:, 1] += 1
            found = spans.tolist()
        self.phrases = sorted(map(tuple, found))

    def windows(self, starts: np.ndarray, stops: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[float]]:
        """Return word rows, word counts, features, feature counts and top severities (the
        `Featurizer.add` of each window's normal form) of the windows from piece `starts[k]`
        to piece `stops[k]`; none may need `Stream.rewrites_spaced`."""
        featurizer = self.featurizer
        token_edges = np.asarray(self.stream.token_edges, dtype=np.int64)
        first, last = token_edges[starts], token_edges[stops]
        n = last - first
        # Word rows: the window's tokens, then the sentinel (index len(tokens)).
        word_counts = n + 1
        index = _ranges(first, word_counts)
        index[np.cumsum(word_counts) - 1] = len(self.rows) - 1
        word_rows = self.rows[index]
        # Features: other tokens' n-grams, bigram pairs, the sentinel, lexicon features;
        # all four gathered from one source array by ranges, window by window.
        lexicon, severities = self._lexicon(starts, stops, first, last)
        lex_lengths = np.fromiter(map(len, lexicon), dtype=np.int64, count=len(lexicon))
        lex_ends = np.cumsum(lex_lengths)
        lex_features = np.fromiter(chain.from_iterable(lexicon), dtype=np.int64,
                                   count=int(lex_ends[-1]) if len(lex_ends) else 0)
        others = np.searchsorted(self.others, np.stack([first, last]))
        other_ends = np.concatenate([[0], self.other_ends])
        other_start, other_stop = other_ends[others[0]], other_ends[others[1]]
        source = np.concatenate([self.other_features, self.pairs, [featurizer.no_feature],
                                 lex_features])
        at_pairs = len(self.other_features)
        at_sentinel = at_pairs + len(self.pairs)
        at_lexicon = at_sentinel + 1
        part_starts = np.stack([other_start, at_pairs + first, np.full_like(first, at_sentinel),
                                at_lexicon + lex_ends - lex_lengths], axis=1)
        part_lengths = np.stack([other_stop - other_start, np.maximum(n - 1, 0),
                                 np.ones_like(first), lex_lengths], axis=1)
        features = source[_ranges(part_starts.ravel(), part_lengths.ravel())]
        return word_rows, word_counts, features, part_lengths.sum(axis=1), severities

    def _lexicon(self, starts: np.ndarray, stops: np.ndarray, first: np.ndarray,
                 last: np.ndarray) -> tuple[list[list[int]], list[float]]:
        """Return each window's lexicon feature indices and top severity."""
        featurizer = self.featurizer
        lexicon = featurizer.lexicon
        tokens = self.stream.tokens
        edges = self.phrase_edges
        lexical = self.lexical
        cache = self._lexicon_cache
        at = np.asarray(lexical, dtype=np.int64)
        lo, hi = np.searchsorted(at, first).tolist(), np.searchsorted(at, last).tolist()
        features: list[list[int]] = []
        severities: list[float] = []
        for k, (start, stop) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
            words = frozenset(tokens[i] for i in lexical[lo[k]:hi[k]])
            if self._may_have_phrase(edges[start], edges[stop]):
                hits = lexicon.word_hits(words)
                hits.extend(lexicon.phrase_hits(self.stream.joined(start, stop)))
                found = _hit_features(featurizer, hits)
            else:
                found = cache.get(words)
                if found is None:
                    found = cache[words] = _hit_features(featurizer, lexicon.word_hits(words))
            features.append(found[0])
            severities.append(found[1])
        return features, severities

    def _may_have_phrase(self, begin: int, end: int) -> bool:
        """Return whether a phrase candidate run lies inside `begin` to `end`."""
        phrases = self.phrases
        if not phrases:
            return False
        at = bisect_left(phrases, (begin, begin))
        while at < len(phrases) and phrases[at][0] < end:
            if phrases[at][1] <= end:
                return True
            at += 1
        return False
