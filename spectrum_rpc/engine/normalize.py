"""Text normalisation against evasion: the one view of a text that models and lexicon see.

Two entry points produce the *same* string: `normalize(text)` is the fast path used for scoring,
`normalize_with_offsets(text)` also returns, for every output character, the span of the original
text it came from, so lexicon matches can be reported in original character offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, pairwise
from operator import itemgetter

import numpy as np

# Zero-width/format characters and combining marks (after NFKD, accents become marks we drop).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)

# Cyrillic/Greek/IPA letters that render like Latin ones (applied after case folding).
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ո": "n", "ս": "u", "һ": "h", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ς": "s", "σ": "o",
        "ı": "i", "ɑ": "a", "ℓ": "l",
    }
)

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
     "+": "t", "!": "i", "|": "i"}
)
_LEET_CHARS = "0-9@$+!|"
# A run of letters/leet characters in which a leet character touches a letter: `f4ck`, `@ss`.
_LEET_WORD = re.compile(
    rf"(?<![a-z{_LEET_CHARS}])[a-z{_LEET_CHARS}]*"
    rf"(?:[a-z][{_LEET_CHARS}]|[{_LEET_CHARS}][a-z])[a-z{_LEET_CHARS}]*"
)
# A word with letters masked by `*` or `#` (`f*ck`, `a**hole`, `sh*t`, `f***`): each mask
# character becomes `_`, so the word stays one token, of its length, that the lexicon can
# resolve (`Lexicon`: a masked term). A trailing mask needs two characters after at most three
# letters (`f***`, not a footnote's `word*` or `c#`).
_MASKED = re.compile(
    r"(?<![a-z0-9_*#])(?:[a-z]+(?:[*#]+[a-z]+)+|[a-z]{1,3}[*#]{2,})(?![a-z0-9_*#])"
)
MASK = "_"
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|net|org|ly|co|uk|info|biz)/\S*")
_EMAIL = re.compile(r"\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
_LONG_NUMBER = re.compile(r"\d{5,}")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Three or more single letters separated by one or two separators (`f.u.c.k`, `f u c k`),
# optionally ending in a word glued by punctuation (`f.u.c.king`).
_SPACED = re.compile(
    r"(?<![a-z0-9])[a-z](?:[\s.\-_*~,]{1,2}[a-z]){2,}(?:[.\-_*~][a-z]+)?(?![a-z0-9])"
)

# Each rewrite returns (replacement, source spans); a source span (i, j) says that a replacement
# character comes from match characters i..j inclusive.
Rewrite = Callable[[re.Match[str]], tuple[str, list[tuple[int, int]]]]


def _placeholder(token: str) -> Rewrite:
    def rewrite(m: re.Match[str]) -> tuple[str, list[tuple[int, int]]]:
        whole = (0, len(m.group()) - 1)
        return token, [whole] * len(token)

    return rewrite


def _leet(m: re.Match[str]) -> tuple[str, list[tuple[int, int]]]:
    # Between letters every leet character is translated; a leading or trailing run only when it
    # holds no `!`, so `b1tch35` -> `bitches` but `life!!1!` keeps its punctuation.
    word = m.group()
    first = next(i for i, c in enumerate(word) if "a" <= c <= "z")
    last = max(i for i, c in enumerate(word) if "a" <= c <= "z")
    lead, core, tail = word[:first], word[first:last + 1], word[last + 1:]
    out = (lead if "!" in lead else lead.translate(_LEET)) + core.translate(_LEET) + \
        (tail if "!" in tail else tail.translate(_LEET))
    return out, [(i, i) for i in range(len(word))]


def _unmask(m: re.Match[str]) -> tuple[str, list[tuple[int, int]]]:
    word = m.group()
    return word.replace("*", MASK).replace("#", MASK), [(i, i) for i in range(len(word))]


def _has_mask(token: str) -> bool:
    return "*" in token or "#" in token


def _collapse(m: re.Match[str]) -> tuple[str, list[tuple[int, int]]]:
    return m.group(1), [(0, len(m.group()) - 1)]


def _join(m: re.Match[str]) -> tuple[str, list[tuple[int, int]]]:
    word = m.group()
    keep = [i for i, c in enumerate(word) if "a" <= c <= "z"]
    return "".join(word[i] for i in keep), [(i, i) for i in keep]


# A leet character touching a letter (other than a word's trailing `!`): where _LEET_WORD can
# change anything. Checking it first keeps ordinary words off the slower pattern.
_LEET_TOUCH = re.compile(rf"[a-z][0-9@$+|]|[{_LEET_CHARS}][a-z]|[a-z]![a-z0-9@$]")
_WORD = re.compile(r"\S+")


def _always(token: str) -> bool:
    return True


def _has_url(token: str) -> bool:
    return "/" in token or "www." in token


def _has_email(token: str) -> bool:
    return "@" in token


def _may_repeat(token: str) -> bool:
    return len(token) > 2


# Per whitespace-separated token: (pattern, rewrite with offsets, plain replacement for the
# fast path or None to use the rewrite, cheap pre-check: when false the pattern cannot match).
_TOKEN_STEPS: tuple[tuple[re.Pattern[str], Rewrite, str | None, Callable[[str], object]], ...] = (
    (_URL, _placeholder("xurlx"), "xurlx", _has_url),
    (_EMAIL, _placeholder("xemailx"), "xemailx", _has_email),
    (_LONG_NUMBER, _placeholder("xnumx"), "xnumx", _always),
    (_LEET_WORD, _leet, None, _LEET_TOUCH.search),
    (_MASKED, _unmask, None, _has_mask),
    (_REPEATS, _collapse, r"\1", _may_repeat),
    (_SPACED, _join, None, _may_repeat),
)
_CACHE_LIMIT = 500_000
# raw token -> (normalised token, its TOKEN.findall, _shortness, how many tokens)
_token_cache: dict[str, tuple[str, tuple[str, ...], str, int]] = {}
_WORD_OF, _TOKENS_OF, _SHORTNESS_OF, _COUNT_OF = (itemgetter(0), itemgetter(1), itemgetter(2),
                                                  itemgetter(3))
# The placeholders of URLs, e-mail addresses and long numbers: one feature each, no char n-grams
# (`xnumx` shares nothing with `number`).
PLACEHOLDERS = frozenset({"xurlx", "xemailx", "xnumx"})
# Word and punctuation tokens, as the models see them.
TOKEN = re.compile(r"\w+|[^\w\s]")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKD", text))
    return text.casefold().translate(_HOMOGLYPHS)


def _token(token: str) -> str:
    for pattern, rewrite, plain, may_match in _TOKEN_STEPS:
        if may_match(token):
            token = pattern.sub(plain if plain is not None else lambda m, r=rewrite: r(m)[0],
                                token)
    return token


def _shortness(token: str) -> str:
    # "s" for a 1-2 char token: three in a row may be a spaced-out word (`f u c k`, `f. u. c.`)
    return "s" if len(token) <= 2 else "l"


def _has_spaced_run(tokens: list[str]) -> bool:
    """Return whether three tokens in a row are 1-2 chars long."""
    return "sss" in "".join(map(_shortness, tokens))


def _parts(raws: list[str]) -> list[tuple[str, tuple[str, ...], str, int]]:
    """Return the cached (word, tokens, shortness, token count) of each whitespace-separated
    raw token."""
    cache = _token_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()  # bounded memory; other threads at worst recompute a token
    parts = list(map(cache.get, raws))
    if None in parts:
        for i, part in enumerate(parts):
            if part is None:
                token = _token(raws[i])
                tokens = tuple(TOKEN.findall(token))
                parts[i] = cache[raws[i]] = (token, tokens, _shortness(token), len(tokens))
    return parts


def normalize(text: str) -> str:
    """Return the evasion-resistant normal form of `text` that models and lexicon see."""
    return normalize_tokens(text)[0]


def normalize_tokens(text: str) -> tuple[str, list[str]]:
    """Return `normalize(text)` and its word/punctuation tokens (`TOKEN.findall` of it)."""
    parts = _parts(_fold(text).split())
    words = list(map(_WORD_OF, parts))
    joined = " ".join(words)
    if "sss" in "".join(map(_SHORTNESS_OF, parts)):
        joined = _SPACED.sub(lambda m: _join(m)[0], joined)
        return joined, TOKEN.findall(joined)
    return joined, list(chain.from_iterable(map(_TOKENS_OF, parts)))


@dataclass(frozen=True, slots=True)
class Stream:
    """Consecutive pieces of one text normalised at once (see `normalize_pieces`).

    `words` are the normalised whitespace-separated tokens, `shortness` has one `_shortness`
    char per word, `tokens` are the word/punctuation tokens of all words in order. The text
    from piece `i` to piece `j` has words `words[word_edges[i]:word_edges[j]]` and tokens
    `tokens[token_edges[i]:token_edges[j]]`.
    """

    words: list[str]
    shortness: str
    tokens: list[str]
    word_edges: list[int]
    token_edges: list[int]

    def joined(self, start: int, stop: int) -> str:
        """Return the words of pieces `start` to `stop` joined: their `normalize`, unless
        `rewrites_spaced` says otherwise."""
        return " ".join(self.words[self.word_edges[start]:self.word_edges[stop]])

    def rewrites_spaced(self, start: int, stop: int) -> bool:
        """Return whether the spaced-letters pass over pieces `start` to `stop` joined would
        change them (then only `normalize_tokens` of their text gives their normal form)."""
        first, last = self.word_edges[start], self.word_edges[stop]
        return "sss" in self.shortness[first:last] and _SPACED.search(
            self.joined(start, stop)) is not None


def normalize_pieces(pieces: Sequence[str]) -> Stream:
    """Normalise consecutive pieces of a text, each cut at a space, in one pass.

    Folding and the per-token rewrites see one whitespace-separated token at a time (NFKD
    reorders marks only between two spaces), so the text of any run of pieces normalises to
    the run of their words; only the spaced-letters pass runs over a whole text
    (`Stream.rewrites_spaced` says when it changes anything).
    """
    text = "".join(pieces)
    if text.isascii():  # fold once; the pieces keep their lengths
        text = text.lower()
        cuts = accumulate(map(len, pieces), initial=0)
        split = [text[start:end].split() for start, end in pairwise(cuts)]
    else:
        split = [_fold(piece).split() for piece in pieces]
    parts = _parts(list(chain.from_iterable(split)))
    words = list(map(_WORD_OF, parts))
    word_edges = list(accumulate(map(len, split), initial=0))
    shortness = "".join(map(_SHORTNESS_OF, parts))
    counts = np.fromiter(map(_COUNT_OF, parts), dtype=np.int64, count=len(parts))
    if not len(counts) or counts.min() == counts.max() == 1:
        # one token per word (as in text without punctuation): the token is the word
        return Stream(words, shortness, words, word_edges, word_edges)
    ends = np.concatenate([[0], np.cumsum(counts)])
    return Stream(words, shortness, list(chain.from_iterable(map(_TOKENS_OF, parts))),
                  word_edges, ends[word_edges].tolist())


def normalize_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """Return `normalize(text)` plus, per output character, its original start and end offsets."""
    folded, starts, ends = _fold_with_offsets(text)
    pieces: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    tokens = []
    for m in _WORD.finditer(folded):
        token, t_starts, t_ends = m.group(), starts[m.start():m.end()], ends[m.start():m.end()]
        for pattern, rewrite, _, _ in _TOKEN_STEPS:
            token, t_starts, t_ends = _apply(pattern, rewrite, token, t_starts, t_ends)
        if pieces:
            pieces.append(" ")
            out_starts.append(out_ends[-1])
            out_ends.append(t_starts[0] if t_starts else out_ends[-1])
        pieces.append(token)
        tokens.append(token)
        out_starts.extend(t_starts)
        out_ends.extend(t_ends)
    joined = "".join(pieces)
    if _has_spaced_run(tokens):
        return _apply(_SPACED, _join, joined, out_starts, out_ends)
    return joined, out_starts, out_ends


def _fold_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    if text.isascii():
        pos = list(range(len(text)))
        return text.lower(), pos, [p + 1 for p in pos]
    chars: list[str] = []
    starts: list[int] = []
    for i, c in enumerate(text):
        folded = _fold(c) if not c.isascii() else c.lower()
        chars.append(folded)
        starts.extend([i] * len(folded))
    return "".join(chars), starts, [p + 1 for p in starts]


def _apply(
    pattern: re.Pattern[str], rewrite: Rewrite, text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        pieces.append(text[last:m.start()])
        new_starts.extend(starts[last:m.start()])
        new_ends.extend(ends[last:m.start()])
        repl, spans = rewrite(m)
        pieces.append(repl)
        new_starts.extend(starts[m.start() + i] for i, _ in spans)
        new_ends.extend(ends[m.start() + j] for _, j in spans)
        last = m.end()
    if not pieces:
        return text, starts, ends
    pieces.append(text[last:])
    new_starts.extend(starts[last:])
    new_ends.extend(ends[last:])
    return "".join(pieces), new_starts, new_ends
