"""Views of a text that the profanity detector searches, each mapping its characters back to
the original text: lower-cased, evasion-normalised (`normalize`), and with stretched letters
merged."""

from __future__ import annotations

import bisect
import re

from .normalize import normalize, normalize_with_offsets

DOUBLE = re.compile(r"([a-z])\1+")


class View:
    """A transformed text and, per character, its original start and end (None: the same).

    The evasion view is `normalize(source)`. Its offsets (`normalize_with_offsets`, ten times
    slower) are computed only where a match needs them: for ASCII text whose words stay one per
    whitespace-separated token, on just the tokens a match spans; else on the whole text.
    """

    __slots__ = ("text", "starts", "ends", "_source", "_words", "_tokens", "_pieces")

    def __init__(self, text: str, starts: list[int] | None = None,
                 ends: list[int] | None = None, source: str | None = None):
        self.text, self.starts, self.ends, self._source = text, starts, ends, source
        self._words: list[int] | None = None  # start of each word of `text`
        self._tokens: list[tuple[int, int]] | None = None  # span of each token of `_source`
        # (first, last) word -> the offsets of their tokens' normal form (None: they differ)
        self._pieces: dict[tuple[int, int], tuple[int, list[int], list[int]] | None] = {}

    @classmethod
    def evasions(cls, text: str, lowered: str) -> View:
        """Return the `normalize` view of `text` (`lowered` is its lower-cased view's text)."""
        normal = normalize(text)
        if normal == lowered and len(lowered) == len(text):
            return cls(normal)  # nothing rewritten: every character is where it was
        return cls(normal, source=text)

    def between(self, a: int, b: int) -> tuple[list[int], list[int]] | None:
        """Return the original starts and ends of characters a..b-1, None for the identity."""
        if self._source is not None:
            local = self._local(a, b)
            if local is not None:
                return local
            text, self.starts, self.ends = normalize_with_offsets(self._source)
            self._source = None
            if text != self.text:  # the two paths agree (tested); should they not, use this one
                raise Renormalized(text)
        if self.starts is None or self.ends is None:
            return None
        return self.starts[a:b], self.ends[a:b]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original span of view characters start..end-1."""
        offsets = self.between(start, end)
        return (start, end) if offsets is None else (offsets[0][0], offsets[1][-1])

    def _local(self, a: int, b: int) -> tuple[list[int], list[int]] | None:
        source = self._source
        if source is None or not source.isascii():
            return None
        if self._words is None:
            self._words = [0, *(m.end() for m in re.finditer(" ", self.text))]
            self._tokens = [m.span() for m in re.finditer(r"\S+", source)]
        words, tokens = self._words, self._tokens
        if tokens is None or len(words) != len(tokens):
            return None  # spaced-out letters joined tokens: words and tokens do not pair
        first = bisect.bisect_right(words, a) - 1
        last = bisect.bisect_right(words, b - 1) - 1
        if (first, last) not in self._pieces:
            stop = words[last + 1] - 1 if last + 1 < len(words) else len(self.text)
            begin = tokens[first][0]
            text, starts, ends = normalize_with_offsets(source[begin:tokens[last][1]])
            self._pieces[first, last] = ((begin, starts, ends)
                                         if text == self.text[words[first]:stop] else None)
        piece = self._pieces[first, last]
        if piece is None:
            return None
        begin, starts, ends = piece
        base = words[first]
        return ([begin + starts[i - base] for i in range(a, b)],
                [begin + ends[i - base] for i in range(a, b)])


class Renormalized(Exception):
    """`normalize_with_offsets` gave another string than `normalize`: search that one."""


def plain(text: str) -> View:
    """Return the lower-cased view of `text`."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return View(lowered)
    # a few characters lower-case to two (`İ`): map each back to its source
    starts = [i for i, c in enumerate(text) for _ in c.lower()]
    return View("".join(c.lower() for c in text), starts, [s + 1 for s in starts])


class Squeezed:
    """A view with every run of one repeated letter merged (`ffuuck` -> `fuck`); `first(k)` and
    `last(k)` give the view indices of its character k (mapped only when asked)."""

    __slots__ = ("text", "_source", "_at", "_runs", "_gone")

    def __init__(self, text: str):
        self.text = DOUBLE.sub(r"\1", text)
        self._source = text
        self._at: list[int] = []  # the squeezed index of each run's letter
        self._runs: list[tuple[int, int]] = []  # each run's span in the view
        self._gone: list[int] = []  # characters merged away up to each run's end
        if len(self.text) != len(text):
            gone = 0
            for m in DOUBLE.finditer(text):
                self._at.append(m.start() - gone)
                self._runs.append(m.span())
                gone += m.end() - m.start() - 1
                self._gone.append(gone)

    def first(self, k: int) -> int:
        """Return the view index of the first letter character k stands for."""
        return self._map(k, 0)

    def last(self, k: int) -> int:
        """Return the view index of the last letter character k stands for."""
        return self._map(k, 1)

    def _map(self, k: int, side: int) -> int:
        i = bisect.bisect_right(self._at, k) - 1
        if i < 0:
            return k
        if self._at[i] == k:
            return self._runs[i][side] - side
        return k + self._gone[i]
