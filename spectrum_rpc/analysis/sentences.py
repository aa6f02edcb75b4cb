"""Sentence-like spans of a text, with offsets in code points into the original text.

A span ends after a run of sentence-ending marks (`.`, `!`, `?`, `…` and their full-width forms)
that is followed by whitespace, or at a line break; whitespace around a span is left out of it.
Decimal numbers and URLs stay whole because a mark ends a sentence only when whitespace follows
it. One regular-expression pass and one look at each character: linear in the text's length.
"""

from __future__ import annotations

import re

# Spans scored per text at most (Analyzer.sentence_scores), and the length from which a text
# is split in a worker thread.
MAX_SPANS = 100
THREAD_CHARS = 65536

_MARKS = ".!?…。！？"
# Where a sentence ends: a run of ending marks (matched only from its first mark, so a long run
# that no space follows is not rescanned from each of its marks), closing quotes or brackets
# after it, then whitespace or the end; or a line break.
_END = re.compile(rf"""(?<![{_MARKS}])[{_MARKS}]+["'”’)\]]*(?=\s|$)|\n""")
_WORD = re.compile(r"\S")


def split(text: str) -> list[tuple[int, int]]:
    """Return the (begin, end) of each sentence, begin inclusive and end exclusive, in order."""
    spans = []
    start = 0
    for end in [m.end() for m in _END.finditer(text)] + [len(text)]:
        first = _WORD.search(text, start, end)
        if first is not None:
            last = end
            while text[last - 1].isspace():
                last -= 1
            spans.append((first.start(), last))
        start = end
    return spans


def grouped(spans: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    """Return at most `most` spans: consecutive ones joined in equal-sized runs when there are
    more (a long text is scored in as many pieces, never more)."""
    if len(spans) <= most:
        return spans
    size = -(-len(spans) // most)  # ceiling division
    return [(spans[i][0], spans[min(i + size, len(spans)) - 1][1])
            for i in range(0, len(spans), size)]
