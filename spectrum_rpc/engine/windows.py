"""Cut long texts into overlapping windows so memory stays bounded and the worst part shows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .. import labels as L

WINDOW = 512
OVERLAP = 64


@dataclass(frozen=True)
class Scale:
    """Windows of about `size` chars, overlapping by up to `overlap`, whose scores count for
    `labels` only (None: every label)."""

    size: int
    overlap: int
    labels: frozenset[str] | None = None
    wide: bool = True  # overlap by about `overlap` chars (`spans`), not by one word
    # Scored only for texts whose worst score so far (the scales before) reaches this on one
    # of `labels`: a text none of whose windows shows any of the label is spared the cost.
    gate: float = 0.0
    # Scored only for texts longer than this many chars (None: longer than one window).
    after: int | None = None

    def applies(self, text: str) -> bool:
        """Return whether this scale scores `text` (gate aside)."""
        return not fits_one_window(text) if self.after is None else len(text) > self.after


# The worst part of a text longer than one window is its worst window at any of these scales
# (scripts/evaluate_long.py measures them: docs/BENCHMARKS.md "Long texts: the worst-part
# rule"). A linear model over a window's normalised n-grams dilutes a short part by the rest of
# its window: an offensive tweet inside 512 chars of harmless text scored about 0.1 and was
# missed nearly always, and explicit material spread through a story reached no 512-char
# window strongly enough. Windows of 192 chars overlapping by half catch the short part
# (toxicity, sexual; phishing's false alarms on ordinary e-mail rose with small windows, so not
# phishing); windows of 2 and 8 KB gather explicit material spread thinly (sexual), in texts
# where a smaller window already scores sexual 0.1 or more (spread explicit material scored
# 0.2-0.45 there, ordinary long text about 0.01; the gate spares most texts their cost). None
# raised a false alarm on the long harmless texts measured.
# Texts of one window (up to 768 chars) are scored whole, as the calibration was fitted. The
# 192-char windows from 300 chars (`Scale(..., after=MIDDLE)`) caught one insult inside a
# 700-char comment but raised false alarms on ordinary prompts with no new catch there, and
# their worst-window scores sit above the whole-text calibration: measured, not shipped
# (docs/BENCHMARKS.md "Middle-length texts: 192-character windows from 300 characters?").
MIDDLE = 300
_SEXUAL = frozenset({L.SEXUAL})
SCALES = (
    Scale(WINDOW, OVERLAP, wide=False),
    Scale(192, 96, frozenset({L.TOXICITY, L.SEXUAL})),
    Scale(2048, 256, _SEXUAL, wide=False, gate=0.1),
    Scale(8192, 1024, _SEXUAL, wide=False, gate=0.1),
)


# The longest text scored as one window (itself) at the first scale.
WHOLE = WINDOW + WINDOW // 2


def fits_one_window(text: str, size: int = WINDOW) -> bool:
    """Return whether `windows(text)` yields `text` itself."""
    return len(text) <= size + size // 2


def spans(text: str, size: int = WINDOW, overlap: int = OVERLAP, wide: bool = False
          ) -> Iterator[tuple[int, int]]:
    """Yield (start, stop) of overlapping slices of about `size` chars, cut at whitespace where
    possible.

    Consecutive slices share the last word before the cut (within `overlap` chars), or with
    `wide` about `overlap` chars (from the first space within them)."""
    n = len(text)
    if fits_one_window(text, size):
        yield 0, n
        return
    start = 0
    while start < n:
        stop = min(start + size, n)
        if stop < n:
            cut = text.rfind(" ", start + size // 2, stop)
            stop = cut if cut > 0 else stop
        yield start, stop
        if stop >= n:
            return
        find = text.find if wide else text.rfind
        back = find(" ", stop - overlap, stop)
        start = back + 1 if back > start else stop


def windows(text: str, size: int = WINDOW, overlap: int = OVERLAP, wide: bool = False
            ) -> Iterator[str]:
    """Yield the slices of `spans`."""
    for start, stop in spans(text, size, overlap, wide):
        yield text[start:stop]


def edges(text: str, group: Sequence[tuple[int, int]]) -> list[int] | None:
    """Return the sorted window edges of consecutive windows `group`, or None unless each of
    them but the first and last touches a space.

    The stretch the windows cover is then a chain of disjoint pieces between edges, and a
    window is the run of pieces between its own two edges: text can be normalised piece by
    piece once instead of window by window (twice where windows overlap). That equals
    normalising each window only where no token straddles an edge, i.e. at a space.
    """
    points = sorted({p for span in group for p in span})
    inner = points[1:-1]
    if all(text[p - 1] == " " or text[p] == " " for p in inner):
        return points
    return None
