"""Spelling correction of English text with symspellpy and the dictionaries two packages ship.

symspellpy (MIT) finds the most frequent dictionary word within an edit distance (Damerau-OSA,
computed by editdistpy) of an unknown word; its English dictionary holds 82,765 words with
their frequencies. Chosen over pyspellchecker by measurement (docs/BENCHMARKS.md): more
accurate on a public list of misspellings, ten times faster, and bounded in time where
pyspellchecker is not. But its dictionary is British-leaning: it lacks a third of US spellings
(`favorite`, `neighborhood`, `theater`), so pyspellchecker's English word list (MIT; 160,572
words, US spellings) also counts as known: a word either list holds is never corrected.

Conservative on purpose, since a wrong correction is worse than none. A word is corrected only
when it is English letters (4-30 of them), unknown to the dictionary, and none of: a lexicon
word (profanity is not a misspelling; pass `protected`), a word of the request's allow-list, in
a URL, e-mail, @handle, #hashtag or next to digits, with an apostrophe, with a capital inside
(`iPhone`, `NASA`), capitalised anywhere but at the start of a sentence (a name), or stretched
(`sooooo`). A contraction missing its apostrophe gets it back (`dont` -> `don't`); other
short words get one edit, longer ones two; a correction into a protected word is not made.
Case is kept (`Recieve` reads `Receive`) and everything not corrected stays byte for byte;
`edits` gives the original offsets of each change.

Only English is corrected: with another `language` the text comes back unchanged, and so does a
text longer than `MAX_CHARS` (`skipped` says which).
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Collection, Container, Iterator
from dataclasses import dataclass

from spellchecker import SpellChecker
from symspellpy import SymSpell, Verbosity
from symspellpy.editdistance import DistanceAlgorithm, EditDistance

from .normalize import normalize

MAX_CHARS = 20_000
MIN_WORD_CHARS = 4
MAX_WORD_CHARS = 30
# Words of up to this many letters get one edit, longer ones two.
ONE_EDIT_UP_TO = 5
SKIPPED_LANGUAGE = "language"
SKIPPED_SIZE = "size"
DICTIONARY = "frequency_dictionary_en_82_765.txt"
_CACHE_LIMIT = 100_000

_SPACE = re.compile(r"\s")
_SQUEEZE = re.compile(r"([a-z])\1+")
# an ASCII word with no other letter next to it (`café`, `Überraschung` are left alone)
_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]+(?:['\u2019][A-Za-z]+)*(?![^\W\d_])")
# chunks never touched: links, addresses, handles, hashtags, anything with a digit, dotted names
_UNTOUCHABLE = re.compile(r"[@#/\\\d]|www\.|[A-Za-z]\.[A-Za-z]")
_STRETCHED = re.compile(r"([a-z])\1\1")
_SENTENCE_END = ".!?\n"


@dataclass(frozen=True, slots=True)
class Edit:
    """One corrected word: `original` was the text's `[begin:end]`."""

    begin: int
    end: int
    original: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Correction:
    """The corrected text, its edits, and why correction did not run (None when it ran)."""

    text: str
    edits: tuple[Edit, ...]
    skipped: str | None = None


def dictionary_lines() -> Iterator[tuple[str, int]]:
    """Yield (word, count) of symspellpy's English frequency dictionary."""
    path = importlib.resources.files("symspellpy") / DICTIONARY
    for line in path.read_text(encoding="utf-8").splitlines():
        word, count = line.split()
        yield word, int(count)


def english_words() -> frozenset[str]:
    """Return the words of symspellpy's and pyspellchecker's English dictionaries (lower case;
    about half a second)."""
    listed = SpellChecker(language="en", distance=1).word_frequency.keys()
    return frozenset(word for word, _ in dictionary_lines()) | frozenset(listed)


def is_english(language: str) -> bool:
    """Return whether an ISO 639-1 code or locale (`en`, `en-US`, `en_GB`) is English."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] == "en"


class Speller:
    """Correct misspelt English words; `protected` words (the lexicon's) are never touched.

    Building one loads the dictionary with every deletion within two edits: about 150 MB and
    several seconds, so build it once, when spelling is first enabled. Thread-safe.
    """

    def __init__(self, protected: Container[str] = frozenset(),
                 known: Container[str] | None = None):
        """`known`: the words never corrected, `english_words()` unless given."""
        self._protected = protected
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7,
                                  distance_comparer=EditDistance(
                                      DistanceAlgorithm.DAMERAU_OSA_FAST))
        for word, count in dictionary_lines():
            self._symspell.create_dictionary_entry(word, count)
        self._known = english_words() if known is None else known
        self._suggestions: dict[str, str | None] = {}

    def correct(self, text: str, language: str = "en", allowed: Collection[str] = (),
                keep: Collection[tuple[int, int]] = ()) -> Correction:
        """Return `text` with its misspelt English words corrected; words overlapping a `keep`
        span (profanity matches, say) stay as they are."""
        if not is_english(language):
            return Correction(text, (), SKIPPED_LANGUAGE)
        if len(text) > MAX_CHARS:
            return Correction(text, (), SKIPPED_SIZE)
        allow = {w.lower() for w in allowed}
        edits = tuple(self._edits(text, allow, list(keep)))
        return Correction(_applied(text, edits), edits)

    def suggestion(self, word: str) -> str | None:
        """Return the correction of a lower-case word, None when it is known or has none."""
        if word in self._known:
            return None
        if word in self._suggestions:
            return self._suggestions[word]
        best = self._contraction(word)
        if best is None:
            distance = 1 if len(word) <= ONE_EDIT_UP_TO else 2
            found = self._symspell.lookup(word, Verbosity.TOP, max_edit_distance=distance)
            best = found[0].term if found and found[0].term != word else None
        if best is not None and self._is_protected(best):
            best = None
        if len(self._suggestions) > _CACHE_LIMIT:
            self._suggestions.clear()  # bounded; other threads at worst look up again
        self._suggestions[word] = best
        return best

    def _contraction(self, word: str) -> str | None:
        """Return the contraction a word lacks the apostrophe of (`dont` -> `don't`), if any."""
        for cut in (len(word) - 2, len(word) - 1, len(word) - 3):
            spelt = word[:cut] + "'" + word[cut:]
            if cut > 0 and spelt in self._known:
                return spelt
        return None

    def _edits(self, text: str, allow: Container[str],
               keep: list[tuple[int, int]]) -> Iterator[Edit]:
        known = self._known
        for m in _WORD.finditer(text):
            word = m.group()
            if len(word) < MIN_WORD_CHARS or word.lower() in known:
                continue  # the common case, kept cheap
            begin = m.start()
            if self._candidate(word, text, begin, allow) and not _kept(begin, m.end(), keep):
                best = self.suggestion(word.lower())
                if best is not None:
                    yield Edit(begin, m.end(), word,
                               best.capitalize() if word[0].isupper() else best)

    def _candidate(self, word: str, text: str, begin: int, allow: Container[str]) -> bool:
        lower = word.lower()
        if len(word) > MAX_WORD_CHARS or "'" in word or "\u2019" in word:
            return False
        if any(c.isupper() for c in word[1:]) or _STRETCHED.search(lower):
            return False
        if word[0].isupper() and not _starts_sentence(text, begin):
            return False
        if _UNTOUCHABLE.search(_chunk(text, begin, begin + len(word))):
            return False
        return lower not in allow and not self._is_protected(lower)

    def _is_protected(self, word: str) -> bool:
        """Return whether a word is protected as written, normalised or unstretched (`shiit`)."""
        return any(w in self._protected for w in (word, normalize(word), _SQUEEZE.sub(r"\1", word)))


def _chunk(text: str, begin: int, end: int) -> str:
    """Return the whitespace-delimited run of text around [begin, end) (up to 200 chars more
    each side)."""
    left = max(0, begin - 200)
    space = max(text.rfind(c, left, begin) for c in " \t\n\r")
    start = space + 1 if space >= 0 else left
    m = _SPACE.search(text, end, end + 200)
    return text[start:m.start() if m else min(len(text), end + 200)]


def _kept(begin: int, end: int, keep: list[tuple[int, int]]) -> bool:
    return any(b < end and begin < e for b, e in keep)


def _starts_sentence(text: str, begin: int) -> bool:
    before = text[max(0, begin - 200):begin].rstrip(" \t\"'(")
    return not before or before[-1] in _SENTENCE_END


def _applied(text: str, edits: tuple[Edit, ...]) -> str:
    if not edits:
        return text
    pieces: list[str] = []
    last = 0
    for edit in edits:
        pieces += [text[last:edit.begin], edit.replacement]
        last = edit.end
    pieces.append(text[last:])
    return "".join(pieces)
