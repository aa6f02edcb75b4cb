"""Cut long texts into overlapping windows so memory stays bounded and the worst part shows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

WINDOW = 512
OVERLAP = 64


def fits_one_window(text: str, size: int = WINDOW) -> bool:
    """Return whether `windows(text)` yields `text` itself."""
    return len(text) <= size + size // 2


def spans(text: str, size: int = WINDOW, overlap: int = OVERLAP) -> Iterator[tuple[int, int]]:
    """Yield (start, stop) of overlapping slices of about `size` chars, cut at whitespace where
    possible."""
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
        back = text.rfind(" ", stop - overlap, stop)
        start = back + 1 if back > start else stop


def windows(text: str, size: int = WINDOW, overlap: int = OVERLAP) -> Iterator[str]:
    """Yield the slices of `spans`."""
    for start, stop in spans(text, size, overlap):
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
