"""N-gram features of normalised text: padded words, word bigrams, in-word char 3-5-grams, lexicon.

Training enumerates feature strings with `grams`; serving (`Featurizer`) reaches the same
features through the stored vocabulary. Serving keeps per-token Python work near zero: a word
whose padded form is in the vocabulary maps in one C-level dict lookup to a precomputed row
(the sum of all its n-gram weights); other words go through a per-word cache of indices.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import repeat

from .lexicon import Lexicon
from .normalize import TOKEN

CHAR_NGRAMS = (3, 4, 5)
MAX_WORD = 24  # longer tokens are cut for char n-grams: a 1 MB "word" must not cost 3 M n-grams
LEX_PREFIX = "\x00lex:"
_CACHE_LIMIT = 200_000


def word_grams(token: str) -> list[str]:
    """Return the features of one token: the padded word and its char n-grams."""
    padded = f" {token[:MAX_WORD]} "
    grams = [padded]
    if len(token) > 1 and token[0].isalnum():
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
    grams: list[str] = []
    top = 0.0
    for entry in lexicon.scoring_hits(normalized, tokens):
        grams.append(LEX_PREFIX + entry.category)
        grams.append(f"{LEX_PREFIX}sev{int(entry.severity)}")
        top = max(top, entry.severity)
    return grams, top


def grams(normalized: str, lexicon: Lexicon) -> Iterator[str]:
    """Yield every feature string of a normalised text (training side)."""
    tokens = TOKEN.findall(normalized)
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

    def add(self, normalized: str, tokens: list[str], word_rows: list[int],
            features: list[int]) -> float:
        """Append the text's word rows and feature indices (one sentinel each, so neither is
        ever empty); return its top lexicon severity. `tokens` is `TOKEN.findall(normalized)`."""
        vocab = self.vocabulary
        rows = list(map(self.words.get, tokens, repeat(self.no_word)))
        word_rows.extend(rows)
        word_rows.append(self.no_word)
        if self.no_word in rows:
            others = self._others
            if len(others) > _CACHE_LIMIT:
                others.clear()  # bounded memory; a concurrent reader just recomputes
            for token, row in zip(tokens, rows, strict=True):
                if row == self.no_word:
                    cached = others.get(token)
                    if cached is None:
                        cached = others[token] = [vocab[g] for g in word_grams(token)
                                                  if g in vocab]
                    features.extend(cached)
        pairs = zip(tokens, tokens[1:])  # noqa: B905 - one shorter by design
        features.extend(map(self.bigrams.get, pairs, repeat(self.no_feature)))
        features.append(self.no_feature)
        lex, severity = lexicon_grams(self.lexicon, normalized, tokens)
        features.extend(vocab[g] for g in lex if g in vocab)
        return severity
