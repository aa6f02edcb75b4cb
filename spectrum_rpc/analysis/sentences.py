"""Sentence-like spans of a text, with offsets in code points into the original text.

A span ends after a run of sentence-ending marks (`.`, `!`, `?`, `…` and the full-width `。`,
`！`, `？`), with any closing quotes or brackets after it, that is followed by whitespace or the
end of the text, or at a line break; whitespace around a span is left out of it.
Decimal numbers and URLs stay whole because a mark ends a sentence only when whitespace follows
it. One regular-expression pass and one look at each character: linear in the text's length; the
spans are yielded one at a time, so memory does not grow with the number of sentences.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterator

# Spans scored per text at most (Analyzer.sentence_scores), and the length from which a text
# is split in a worker thread: 1 K characters hold at most 512 sentences, about 2 ms of
# splitting and counting on the event loop; a hop to a thread costs a tenth of a millisecond.
MAX_SPANS = 100
THREAD_CHARS = 1024

_MARKS = ".!?…。！？"
# Where a sentence ends: a run of ending marks (matched only from its first mark, so a long run
# that no space follows is not rescanned from each of its marks), closing quotes or brackets
# after it, then whitespace or the end; or a line break.
_END = rf"""(?<![{_MARKS}])[{_MARKS}]+["'”’)\]]*(?=\s|$)|\n"""
# A sentence: from a character that is not whitespace to the first end after it (whitespace
# between two ends holds no sentence), or to the end of the text.
_SENTENCE = re.compile(rf"(?=\S).*?(?:{_END}|\Z)", re.DOTALL)


def split(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (begin, end) of each sentence, begin inclusive and end exclusive, in order."""
    for match in _SENTENCE.finditer(text):
        yield match.start(), _trimmed_end(text, match)


def _trimmed_end(text: str, match: re.Match[str]) -> int:
    end = match.end()
    while text[end - 1].isspace():
        end -= 1
    return end


def count(text: str) -> int:
    """Return how many sentences `split` yields, holding none of them."""
    # The last of the numbered matches, without a Python step per sentence.
    last = deque(enumerate(_SENTENCE.finditer(text), 1), maxlen=1)
    return last[0][0] if last else 0


def grouped(text: str, most: int) -> list[tuple[int, int]]:
    """Return the text's sentences, at most `most` of them: consecutive ones joined in
    equal-sized runs when there are more (a long text is scored in as many pieces, never
    more). Two passes, the first counting: memory holds `most` spans, whatever the text."""
    size = -(-count(text) // most)  # ceiling division
    runs = []
    matches = _SENTENCE.finditer(text)
    for first in matches:
        # The run's last sentence: the others are skipped without a Python step each.
        rest = deque(itertools.islice(matches, size - 1), maxlen=1)
        runs.append((first.start(), _trimmed_end(text, rest[0] if rest else first)))
    return runs
