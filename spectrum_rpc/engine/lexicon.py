"""Profanity lexicon: one-pass Aho-Corasick matching over normalised text, spans in the original."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import ahocorasick

from .normalize import MASK, TOKEN, normalize, normalize_with_offsets

# Inflections accepted after a term so `fucks`/`fucking` match `fuck` without matching `cocktail`.
_SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "in", "y")
_MIN_LEN_FOR_SUFFIX = 4
# Longest run of masked letters resolved (`a**hole`, `f***`).
_MASK_RUN = 3
CUSTOM_CATEGORY = "custom"
_WORDLIKE = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon hit: `text[start:end]` of the original text is the offending span."""

    start: int
    end: int
    term: str
    category: str
    severity: float


@dataclass(frozen=True, slots=True)
class Entry:
    """A normalised lexicon term with its category, severity (1 mild .. 3 severe) and canonical
    form (the word it spells: `fuck` for `fvck`; the term itself when the source gives none)."""

    term: str
    category: str
    severity: float
    canonical: str = ""


class Lexicon:
    """Find and mask lexicon terms; derive per-project variants with `with_words`."""

    def __init__(self, entries: Iterable[Entry], fold: Callable[[str], str] = normalize):
        """Index `entries` under `fold` of their terms (`normalize`: matched in normalised
        text; `str.lower`: matched in lower-cased text as written)."""
        by_term: dict[str, Entry] = {}
        for entry in entries:
            term = fold(entry.term).strip()
            if term and (term not in by_term or by_term[term].severity < entry.severity):
                canonical = entry.canonical.strip().lower() or term
                by_term[term] = Entry(term, entry.category, entry.severity, canonical)
        self.entries: tuple[Entry, ...] = tuple(by_term.values())
        self._automaton = _automaton(self.entries)
        # Scoring looks single-word terms (and their inflections) up per token; only phrases
        # and terms with punctuation need the automaton there.
        words = [e for e in self.entries if _WORDLIKE.fullmatch(e.term)]
        self._words: dict[str, Entry] = {e.term: e for e in words}
        for entry in words:
            if len(entry.term) >= _MIN_LEN_FOR_SUFFIX:
                for suffix in _SUFFIXES:
                    self._words.setdefault(entry.term + suffix, entry)
        # A masked word (`f_ck`, as `normalize` writes `f*ck`) -> the term it masks.
        self._unmasked: dict[str, str] = {}
        for masked, entry in _masked_forms(words):
            self._unmasked.setdefault(masked, entry.term)
        self._phrases = _automaton([e for e in self.entries if not _WORDLIKE.fullmatch(e.term)])

    @classmethod
    def from_records(cls, records: Sequence[dict]) -> Lexicon:
        """Build from JSON records `{"term", "category", "severity"}` and an optional
        `"canonical"`."""
        return cls(Entry(r["term"], r["category"], float(r["severity"]), r.get("canonical", ""))
                   for r in records)

    def to_records(self) -> list[dict]:
        """Return JSON-serialisable records (the stored model file format); `canonical` only
        where it differs from the term, so a lexicon without canonical forms writes as before."""
        return [{"term": e.term, "category": e.category, "severity": e.severity,
                 **({"canonical": e.canonical} if e.canonical != e.term else {})}
                for e in self.entries]

    def with_words(self, banned: Iterable[str] = (), allowed: Iterable[str] = (),
                   severity: float = 2.0) -> Lexicon:
        """Return a derived lexicon with extra banned words and without allowed ones."""
        allow = {normalize(w).strip() for w in allowed}
        extra = [Entry(w, CUSTOM_CATEGORY, severity) for w in banned]
        kept = [e for e in self.entries if e.term not in allow]
        return Lexicon([*kept, *(e for e in extra if normalize(e.term).strip() not in allow)])

    def unmask(self, tokens: Sequence[str]) -> list[str]:
        """Return `tokens` with each masked word that masks one term replaced by that term
        (`f_ck` -> `fuck`), so models and lexicon read it as the word it hides."""
        get = self._unmasked.get
        return [get(t, t) for t in tokens]

    def scoring_hits(self, normalized: str, tokens: Sequence[str]) -> list[Entry]:
        """Return the distinct terms in a normalised text and its tokens (fast, no spans)."""
        found = self.word_hits(tokens)
        found.extend(self.phrase_hits(normalized))
        return found

    def word_hits(self, tokens: Iterable[str]) -> list[Entry]:
        """Return the `scoring_hits` of single-word terms among `tokens`."""
        # sorted: set order varies with the hash seed, and training must be reproducible
        return [self._words[t] for t in sorted(self._words.keys() & set(tokens))]

    def phrase_hits(self, normalized: str) -> list[Entry]:
        """Return the `scoring_hits` of the other terms in a normalised text."""
        return [entry for _, _, entry in _hits(self._phrases, normalized)]

    def word_terms(self) -> Iterable[str]:
        """Return the tokens that `word_hits` finds (terms and their inflections)."""
        return self._words.keys()

    def word_entries(self) -> Mapping[str, Entry]:
        """Return the tokens that `word_hits` finds, each with its entry (read-only)."""
        return MappingProxyType(self._words)

    def phrase_openings(self) -> list[tuple[str, str]]:
        """Return token pairs (as `TOKEN` cuts normalised text) such that every `phrase_hits`
        term in a normalised text without `_` starts with one of them, the two adjacent.

        A phrase holds a space or punctuation, so it is two tokens or more. `_` is the one
        word character that is not alphanumeric: without it a whole-word hit starts at a
        token's start, and its first tokens are whole ones, except that a two-token term's
        last token may run on into an inflection (`_word_end`)."""
        openings = []
        for entry in self.entries:
            if not _WORDLIKE.fullmatch(entry.term):
                first, second, *more = TOKEN.findall(entry.term)
                openings.append((first, second))
                if not more and _WORDLIKE.fullmatch(second):
                    openings.extend((first, second + suffix) for suffix in _SUFFIXES)
        return openings

    def phrase_candidates(self, normalized: str) -> list[tuple[int, int]]:
        """Return (start, end) of every phrase occurrence, whole word or not: `phrase_hits` of
        a substring of `normalized` can only find terms inside one of these."""
        if self._phrases is None:
            return []
        return [(last + 1 - len(entry.term), last + 1)
                for last, entry in self._phrases.iter(normalized)]

    def hits(self, normalized: str) -> Iterator[tuple[int, int, Entry]]:
        """Yield (start, end, entry) for whole-word hits in already normalised text."""
        return _hits(self._automaton, normalized)

    def occurrences(self, normalized: str) -> Iterator[tuple[int, int, Entry]]:
        """Yield (start, end, entry) for every occurrence of a term, whole word or not."""
        if self._automaton is None:
            return iter(())
        return ((last + 1 - len(entry.term), last + 1, entry)
                for last, entry in self._automaton.iter(normalized))

    def find(self, text: str) -> list[Match]:
        """Return non-overlapping matches (longest first) with spans in the original text."""
        normalized, starts, ends = normalize_with_offsets(text)
        chosen: list[tuple[int, int, Entry]] = []
        by_position = sorted(self.hits(normalized), key=lambda h: (h[0], -h[1], -len(h[2].term)))
        for start, end, entry in by_position:
            if chosen and start < chosen[-1][1]:
                continue
            chosen.append((start, end, entry))
        return [Match(starts[s], ends[e - 1], entry.term, entry.category, entry.severity)
                for s, e, entry in chosen]

    def mask(self, text: str, char: str = "*") -> str:
        """Return `text` with every matched span replaced by `char`s of the same length."""
        pieces: list[str] = []
        last = 0
        for m in self.find(text):
            pieces.append(text[last:m.start])
            pieces.append(char * (m.end - m.start))
            last = m.end
        pieces.append(text[last:])
        return "".join(pieces)


def _masked_forms(words: Iterable[Entry]) -> list[tuple[str, Entry]]:
    """Return each single-word term with one run of 1 to _MASK_RUN letters after its first
    masked (`f_ck`, `f__k`, `f___`: as `normalize` writes `f*ck`, `f**k`, `f***`). Where two
    terms mask alike, the likelier first: the one whose canonical form most terms share (as
    the profanity detector reads masked words), then a plain word, then the more severe."""
    words = list(words)
    prior = Counter(e.canonical for e in words)
    ranked = sorted((e for e in words if len(e.term) >= 3 and MASK not in e.term),
                    key=lambda e: (-prior[e.canonical], e.term != e.canonical, -e.severity,
                                   e.term))
    forms = []
    for entry in ranked:
        term = entry.term
        for start in range(1, len(term)):
            for run in range(1, min(_MASK_RUN, len(term) - start) + 1):
                forms.append((term[:start] + MASK * run + term[start + run:], entry))
    return forms


def _automaton(entries: Sequence[Entry]) -> ahocorasick.Automaton | None:
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for entry in entries:
        automaton.add_word(entry.term, entry)
    automaton.make_automaton()
    return automaton


def _hits(automaton: ahocorasick.Automaton | None,
          normalized: str) -> Iterator[tuple[int, int, Entry]]:
    if automaton is None:
        return
    n = len(normalized)
    for last, entry in automaton.iter(normalized):
        start = last + 1 - len(entry.term)
        if start > 0 and normalized[start - 1].isalnum():
            continue
        end = _word_end(normalized, last + 1, n, len(entry.term))
        if end is not None:
            yield start, end, entry


def _word_end(text: str, end: int, n: int, term_len: int) -> int | None:
    if end >= n or not text[end].isalnum():
        return end
    if term_len < _MIN_LEN_FOR_SUFFIX:
        return None
    for suffix in _SUFFIXES:
        stop = end + len(suffix)
        if text.startswith(suffix, end) and (stop >= n or not text[stop].isalnum()):
            return stop
    return None
