"""Profanity matches in document 001's three modes, per-request word lists, a censored copy.

Modes, each finding everything the one before it finds (a match reports the lowest mode that
finds it, so `fuck` is NORMAL in every mode):

- NORMAL: the lexicon's terms as written, whole words, case-insensitive, with the lexicon's
  inflections (`fucks`, `fucking`). Terms are stored normalised, so a leetspeak spelling the
  source lists (`b1tch`) is found from SUSPICIOUS on.
- SUSPICIOUS: evasions. Everything `normalize` undoes (leetspeak `f4ck`, `sh!t`; runs of 3+
  letters `fuuuck`; spaced or dotted letters `f.u.c.k`; accents, homoglyphs, fullwidth and
  zero-width characters), plus repeated letters of any length where the term has none or fewer
  (`ffuuccckkk`, `asssss`; never fewer: `as` is not `ass`), plus letters masked with `*`, `#`,
  `%`, or a `-`/`_` between letters (`f*ck`, `f**k`, `a**hole`, `f-ck`) when at least two
  letters show and a lexicon word of that length fits.
- PARANOID: also reversed words (`kcuf`), masked words showing one letter (`f***`), and terms of
  4+ letters inside longer tokens (`fuckface99`). A reversed or longer token that is an English
  word of `vocabulary` is skipped (`stun` is not `nuts`, `bonk` not `knob`, `assessment` and
  `cocktail` stay clean), but a token the vocabulary lacks is flagged: `Scunthorpe`,
  `shitake`, `Lightwater` are PARANOID matches, as the document warns this mode may give false
  positives; an allowed word clears them.

Word lists: `banned` words count as profanity (category `custom`, severity `severity`, 2 unless
given) and are searched with the same evasion handling as the lexicon in each mode; `allowed`
words are never flagged, in any mode, and neither is any match inside an allowed word or phrase.
Lists are bounded (`MAX_WORDS` words of `MAX_WORD_CHARS` characters; callers validate, `find`
refuses more) and compiled once per distinct list, in a bounded cache.

Modes are `engine/modes.py`'s `Mode`, shared with the personal-data detectors; a mode may also
be given by name. Offsets are code points into the original text, begin inclusive, end
exclusive. Long texts are searched in chunks, so memory stays bounded and time linear.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Container, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from .lexicon import CUSTOM_CATEGORY, Entry, Lexicon
from .modes import Mode
from .normalize import normalize, normalize_with_offsets
from .textviews import DOUBLE, Renormalized, Squeezed, View
from .textviews import plain as plain_view

MAX_WORDS = 1_000
MAX_WORD_CHARS = 100
CUSTOM_SEVERITY = 2.0
LIST_CACHE_SIZE = 128
EMBEDDED_MIN_CHARS = 4
# Texts are searched in chunks of about CHUNK characters, each seen with MARGIN more characters
# of right context, so a match starting in a chunk is whole (terms and lists hold at most 100
# characters; spaced-out letters at most triple that).
CHUNK = 16_384
MARGIN = 512
CENSOR_ALL = "all"
CENSOR_FIRST = "first"
# Ordinary words the lexicon matches (a term or a term plus an inflection: `spic` + `y`), never
# reported by this detector unless a request bans them. Found by running NORMAL over the 82,765
# words of symspellpy's English dictionary and reading the 316 hits: these are the ones whose
# everyday sense is innocent. The lexicon itself, and so the scores, keep them.
INNOCENT_WORDS = frozenset("""
assess bates beanery bender benders buttermilk cocked cocker cockers cocking cocky coot coots
cox crow crowed crowing crows cummings dicker dicky dipstick dipsticks finger fingers forked
hoar hoary hustler hustlers jerkin jerky jigger jiggers knickers knob knobs lesbos monger mongers
mongrel mongrels muffin nip nuggets peen peter petered peters pricked pricking retarder
retarders retarding sack sacked sacker sacking sacks scutes sheet sheeted sheeting sheets slit
slits snatch snatched snatcher snatchers snatches snatching sobs spiced spicer spices spicing
spicy spiked spikes spiking spiky spooked spooking spooky spunky swine tardy tart tarter tarts
tramp tramped tramper tramping tramps wang
""".split()) | {"pussy willow", "pussy willows", "niger river", "river niger",
                                  "niger delta"}


@dataclass(frozen=True, slots=True)
class Match:
    """A profane word: `text` is the original text's `[begin:end]`; `mode` the lowest that
    finds it."""

    text: str
    begin: int
    end: int
    canonical: str
    category: str
    severity: float
    mode: Mode


# a word with letters masked: `f*ck`, `f**k`, `f***`, `a**hole`, `f-ck`, `f_ck` (`normalize`
# writes `*` and `#` inside a word as `_`: `f__k`, `f___`)
_MASKED = re.compile(r"(?<![\w*#%-])[a-z]+(?:[*#%_]+[a-z]*|-[a-z]+)+(?![\w*#%-])")


def _squeeze(term: str) -> str:
    return DOUBLE.sub(r"\1", term)


def _runs(term: str) -> list[int]:
    return [len(m.group()) for m in re.finditer(r"([a-z])\1*|[^a-z]", term)]


# ---------------------------------------------------------------- one compiled word list


class _Matcher:
    """A lexicon with what the SUSPICIOUS and PARANOID passes need besides it."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        by_squeeze: dict[str, list[Entry]] = {}
        for entry in lexicon.entries:
            squeezed = _squeeze(entry.term)
            if normalize(squeezed).strip() == squeezed:
                by_squeeze.setdefault(squeezed, []).append(entry)
        self._by_squeeze = {k: sorted(v, key=lambda e: -e.severity) for k, v in by_squeeze.items()}
        self.squeezed = Lexicon(Entry(k, v[0].category, v[0].severity)
                                for k, v in by_squeeze.items())
        # masked words: every single-word form (term or inflection) by length and first letter
        self._shapes: dict[tuple[int, str], list[tuple[str, Entry]]] = {}
        for form, entry in lexicon.word_entries().items():
            if form.isascii() and form.isalpha():
                self._shapes.setdefault((len(form), form[0]), []).append((form, entry))
        # a masked word fitting several terms reads as the canonical form most entries share
        self._prior = Counter(e.canonical for e in lexicon.entries)

    def squeezed_hits(self, text: str, view: View, squeezed: Squeezed,
                      vocabulary: Container[str],
                      found: Container[tuple[int, int]]) -> Iterator[tuple[int, int, Entry]]:
        """Yield view spans whose letters, each repeated at least as often as in a term, spell it
        (`ffuuccckkk` -> `fuck`), unless the original word is in `vocabulary` (`battery`) or the
        span is `found` already."""
        for start, end, hit in self.squeezed.hits(squeezed.text):
            begin, stop = squeezed.first(start), squeezed.last(end - 1) + 1
            if (begin, stop) in found:
                continue
            entry = self._fitting(view, squeezed, start, hit.term)
            if entry is not None and _word(text, *view.span(begin, stop)) not in vocabulary:
                yield begin, stop, entry

    def _fitting(self, view: View, squeezed: Squeezed, start: int, key: str) -> Entry | None:
        weights = _weights(view, squeezed, start, len(key))
        for entry in self._by_squeeze.get(key, ()):
            if all(w >= r for w, r in zip(weights, _runs(entry.term), strict=True)):
                return entry
        return None

    def masked(self, token: str, min_shown: int) -> Entry | None:
        """Return the entry of the likeliest word `token` spells with its masked letters, if at
        least `min_shown` letters show."""
        if sum(c.isalpha() for c in token) < min_shown:
            return None
        fits = [entry for form, entry in self._shapes.get((len(token), token[0]), ())
                if all(c == f or not c.isalpha() for c, f in zip(token, form, strict=True))]
        if not fits:
            return None
        # the plain word of the likeliest canonical form, else its most severe spelling
        return max(fits, key=lambda e: (self._prior[e.canonical], e.term == e.canonical,
                                        e.severity, e.term))


def _word(text: str, begin: int, end: int) -> str:
    return text[begin:end].lower()


def _weights(view: View, squeezed: Squeezed, start: int, count: int) -> list[int]:
    """Return how many original characters each of `count` squeezed characters stands for."""
    low, high = squeezed.first(start), squeezed.last(start + count - 1) + 1
    offsets = view.between(low, high)
    spans = [(squeezed.first(k), squeezed.last(k)) for k in range(start, start + count)]
    if offsets is None:
        return [last + 1 - first for first, last in spans]
    starts, ends = offsets
    return [sum(ends[i - low] - starts[i - low] for i in range(first, last + 1))
            for first, last in spans]


def _masked_tokens(text: str) -> Iterator[tuple[int, int, str]]:
    if not any(c in text for c in "*#%-_"):
        return
    for m in _MASKED.finditer(text):
        yield m.start(), m.end(), m.group()


# ---------------------------------------------------------------- per-request word lists


@dataclass(frozen=True, slots=True)
class WordLists:
    """Banned and allowed words compiled for `Profanity` (see `Profanity.compiled`)."""

    banned: _Matcher | None
    verbatim: Lexicon | None  # banned words NORMAL can see only as written (`covid19`)
    allowed: Lexicon | None
    allowed_terms: frozenset[str]


def _compile_lists(banned: Collection[str], allowed: Collection[str],
                   severity: float) -> WordLists:
    allowed_terms = frozenset(t for t in (normalize(w).strip() for w in allowed) if t)
    kept = [w for w in banned if normalize(w).strip() not in allowed_terms]
    entries = [Entry(w, CUSTOM_CATEGORY, severity, w) for w in kept]
    banned_lexicon = Lexicon(entries)
    verbatim = Lexicon([e for e in entries if e.term.strip().lower() != normalize(e.term).strip()],
                       fold=str.lower)
    return WordLists(_Matcher(banned_lexicon) if banned_lexicon.entries else None,
                     verbatim if verbatim.entries else None,
                     Lexicon(Entry(t, "allowed", 1.0) for t in allowed_terms)
                     if allowed_terms else None, allowed_terms)


def _check_lists(banned: Collection[str], allowed: Collection[str], severity: float) -> None:
    for name, words in (("banned", banned), ("allowed", allowed)):
        if len(words) > MAX_WORDS:
            raise ValueError(f"{name} holds {len(words)} words; at most {MAX_WORDS}")
        if words and max(map(len, words)) > MAX_WORD_CHARS:
            raise ValueError(f"{name} holds a word longer than {MAX_WORD_CHARS} characters")
    if not 1.0 <= severity <= 3.0:
        raise ValueError(f"severity must lie in [1, 3], not {severity}")


# ---------------------------------------------------------------- the detector


class Profanity:
    """Find profanity in a text with a lexicon, per-request word lists and a mode.

    `vocabulary` holds lower-case English words (`spelling.english_words()`): a token that is
    one is not read as stretched (SUSPICIOUS), reversed or holding a term (PARANOID). Lexicon
    matches inside an `innocent` word are dropped. Thread-safe.
    """

    def __init__(self, lexicon: Lexicon, vocabulary: Container[str] = frozenset(),
                 innocent: Collection[str] = INNOCENT_WORDS, cache_size: int = LIST_CACHE_SIZE):
        self._base = _Matcher(lexicon)
        self._vocabulary = vocabulary
        self._innocent = Lexicon(Entry(w, "innocent", 1.0) for w in innocent)
        self._cache: OrderedDict[int, tuple[tuple, WordLists]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def find(self, text: str, mode: Mode | str = Mode.NORMAL, banned: Collection[str] = (),
             allowed: Collection[str] = (), severity: float = CUSTOM_SEVERITY,
             limit: int | None = None) -> list[Match]:
        """Return the matches in `text` in order, at most `limit` of them."""
        return list(islice(self.scan(text, mode, banned, allowed, severity), limit))

    def scan(self, text: str, mode: Mode | str = Mode.NORMAL, banned: Collection[str] = (),
             allowed: Collection[str] = (), severity: float = CUSTOM_SEVERITY
             ) -> Iterator[Match]:
        """Yield `find`'s matches one chunk of text at a time (bounded memory on long texts)."""
        mode = Mode.parse(mode) if isinstance(mode, str) else mode
        lists = self.compiled(banned, allowed, severity)
        last = 0
        for begin, stop, end in _chunks(text):
            for match in self._find_in(text[begin:end], mode, lists):
                if match.begin >= stop - begin:
                    break
                if match.begin + begin < last:
                    continue  # the previous chunk's last match ran into this one
                last = match.end + begin
                yield Match(match.text, match.begin + begin, match.end + begin,
                            match.canonical, match.category, match.severity, match.mode)

    def compiled(self, banned: Collection[str], allowed: Collection[str],
                 severity: float = CUSTOM_SEVERITY) -> WordLists | None:
        """Return the compiled word lists (cached by a hash of the lists), None for none."""
        if not banned and not allowed:
            return None
        key = (tuple(banned), tuple(allowed), severity)
        digest = hash(key)  # once: a tuple does not keep its hash
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None and hit[0] == key:
                self._cache.move_to_end(digest)
                return hit[1]
        _check_lists(banned, allowed, severity)  # cached lists passed it
        lists = _compile_lists(banned, allowed, severity)  # outside the lock: up to 0.2 s
        with self._lock:
            self._cache[digest] = (key, lists)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return lists

    def _find_in(self, text: str, mode: Mode, lists: WordLists | None) -> list[Match]:
        matchers = [self._base] + ([lists.banned] if lists and lists.banned else [])
        plain = plain_view(text)
        found = [(s, e, entry, Mode.NORMAL) for matcher in matchers
                 for s, e, entry in matcher.lexicon.hits(plain.text)]
        if lists is not None and lists.verbatim is not None:
            found += [(s, e, entry, Mode.NORMAL) for s, e, entry in lists.verbatim.hits(plain.text)]
        found = [(*plain.span(s, e), entry, m) for s, e, entry, m in found]
        views = [plain]
        if mode is not Mode.NORMAL:
            evasive = View.evasions(text, plain.text)
            views.append(evasive)
            try:
                found += self._evasive_spans(text, evasive, matchers, mode)
            except Renormalized:
                evasive = views[-1] = View(*normalize_with_offsets(text))
                found += self._evasive_spans(text, evasive, matchers, mode)
        if not found:
            return []
        return _chosen(text, self._cleared(found, views), lists, views)

    def _evasive_spans(self, text: str, view: View, matchers: list[_Matcher],
                       mode: Mode) -> list[tuple[int, int, Entry, Mode]]:
        hits = list(self._evasive(text, view, matchers, mode))
        return [(*view.span(s, e), entry, m) for s, e, entry, m in hits]

    def _cleared(self, found: list[tuple[int, int, Entry, Mode]],
                 views: list[View]) -> list[tuple[int, int, Entry, Mode]]:
        """Drop lexicon matches inside an innocent word (a banned word stays banned)."""
        innocent = [view.span(s, e) for view in views for s, e, _ in self._innocent.hits(view.text)]
        if not innocent:
            return found
        return [f for f in found
                if f[2].category == CUSTOM_CATEGORY or not _inside(f[0], f[1], innocent)]

    def _evasive(self, text: str, view: View, matchers: list[_Matcher],
                 mode: Mode) -> Iterator[tuple[int, int, Entry, Mode]]:
        squeezed = Squeezed(view.text)
        masked = list(_masked_tokens(view.text))
        for matcher in matchers:
            hits = list(matcher.lexicon.hits(view.text))
            for s, e, entry in hits:
                yield s, e, entry, Mode.SUSPICIOUS
            found = {(s, e) for s, e, _ in hits}
            for s, e, entry in matcher.squeezed_hits(text, view, squeezed, self._vocabulary,
                                                     found):
                yield s, e, entry, Mode.SUSPICIOUS
            for s, e, token in masked:
                entry = matcher.masked(token, 1 if mode is Mode.PARANOID else 2)
                if entry is not None:
                    shown = sum(c.isalpha() for c in token)
                    yield s, e, entry, Mode.SUSPICIOUS if shown >= 2 else Mode.PARANOID
        if mode is Mode.PARANOID:
            yield from self._paranoid(view.text, matchers)

    def _paranoid(self, text: str,
                  matchers: list[_Matcher]) -> Iterator[tuple[int, int, Entry, Mode]]:
        backwards = text[::-1]  # a word reversed in place: `kcuf` reads `fuck`
        n = len(text)
        for matcher in matchers:
            for s, e, entry in matcher.lexicon.hits(backwards):
                token = text[n - e:n - s]
                if token.isalnum() and token != token[::-1] and token not in self._vocabulary:
                    yield n - e, n - s, entry, Mode.PARANOID
            for s, e, entry in matcher.lexicon.occurrences(text):
                if len(entry.term) < EMBEDDED_MIN_CHARS or not entry.term.isalpha():
                    continue
                a, b = _token_around(text, s, e)
                if (a, b) != (s, e) and text[a:b] not in self._vocabulary:
                    yield s, e, entry, Mode.PARANOID


def _token_around(text: str, begin: int, end: int, reach: int = MAX_WORD_CHARS) -> tuple[int, int]:
    """Return the alphanumeric run holding text[begin:end], looking at most `reach` characters
    each way (a longer run is no word anyway)."""
    a = begin
    while a > max(0, begin - reach) and text[a - 1].isalnum():
        a -= 1
    b = end
    while b < min(len(text), end + reach) and text[b].isalnum():
        b += 1
    return a, b


def _chosen(text: str, found: list[tuple[int, int, Entry, Mode]], lists: WordLists | None,
            views: list[View]) -> list[Match]:
    """Return non-overlapping matches: the longest first at each position, then the lowest
    mode, then the most severe; without those the allowed words clear."""
    if lists is not None and lists.allowed is not None:
        cleared = [view.span(s, e) for view in views for s, e, _ in lists.allowed.hits(view.text)]
        found = [f for f in found if f[2].term not in lists.allowed_terms
                 and not _inside(f[0], f[1], cleared)]
    found.sort(key=lambda f: (f[0], -f[1], f[3], -f[2].severity, f[2].term))
    chosen: list[Match] = []
    for begin, end, entry, mode in found:
        if chosen and begin < chosen[-1].end:
            continue
        chosen.append(Match(text[begin:end], begin, end, entry.canonical, entry.category,
                            entry.severity, mode))
    return chosen


def _inside(begin: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= begin and end <= e for s, e in spans)


def _chunks(text: str) -> Iterator[tuple[int, int, int]]:
    """Yield (begin, stop, end): matches starting in [begin, stop) are searched in
    text[begin:end], which holds MARGIN characters more (both cut at whitespace if any)."""
    n = len(text)
    begin = 0
    while begin < n:
        if n - begin <= CHUNK + MARGIN:
            yield begin, n, n
            return
        stop = _cut(text, begin + CHUNK)
        yield begin, stop, _cut(text, stop + MARGIN)
        begin = stop


def _cut(text: str, at: int) -> int:
    """Return the first whitespace position at or after `at` (within a short reach), else
    `at`; the end of the text if that comes first."""
    if at >= len(text):
        return len(text)
    m = re.compile(r"\s").search(text, at, min(len(text), at + MARGIN))
    return m.start() + 1 if m else at


def censor(text: str, matches: Iterable[Match], style: str = CENSOR_ALL, char: str = "*") -> str:
    """Return `text` with every match masked: each non-space character becomes `char` (style
    "all": `****`), or every one but the first (style "first": `f***`). Lengths are kept, so
    offsets into the text stay valid."""
    if style not in (CENSOR_ALL, CENSOR_FIRST):
        raise ValueError(f"unknown censor style {style!r}: {CENSOR_ALL!r} or {CENSOR_FIRST!r}")
    pieces: list[str] = []
    last = 0
    for m in matches:
        if m.begin < last:
            continue
        span = text[m.begin:m.end]
        masked = re.sub(r"\S", char, span)
        if style == CENSOR_FIRST and span:
            masked = span[0] + masked[1:]
        pieces += [text[last:m.begin], masked]
        last = m.end
    pieces.append(text[last:])
    return "".join(pieces)
