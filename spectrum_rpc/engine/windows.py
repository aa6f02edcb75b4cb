"""Cut long texts into overlapping windows so memory stays bounded and the worst part shows."""

from __future__ import annotations

from collections.abc import Iterator

WINDOW = 512
OVERLAP = 64


def windows(text: str, size: int = WINDOW, overlap: int = OVERLAP) -> Iterator[str]:
    """Yield overlapping slices of about `size` chars, cut at whitespace where possible."""
    n = len(text)
    if n <= size + size // 2:
        yield text
        return
    start = 0
    while start < n:
        stop = min(start + size, n)
        if stop < n:
            cut = text.rfind(" ", start + size // 2, stop)
            stop = cut if cut > 0 else stop
        yield text[start:stop]
        if stop >= n:
            return
        back = text.rfind(" ", stop - overlap, stop)
        start = back + 1 if back > start else stop
