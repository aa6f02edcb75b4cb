"""Seeded draws of written training sentences, shared by `contrast` and `solicitation`.

Both fill frames with word lists; a draw keeps only distinct texts (case-insensitive) and gives
up on a kind after 50 tries per row asked, so a kind whose frames and words cannot make enough
texts yields fewer rather than looping.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping


def draw_rows(kinds: Iterable[str], per_kind: Mapping[str, int], seed: int,
              make: Callable[[str, random.Random], str]) -> list[tuple[str, str]]:
    """Return (kind, text) rows, up to `per_kind` of each kind, distinct texts, in a seeded
    order; `make(kind, rng)` writes one text of a kind from the shared generator."""
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind in kinds:
        made, tries = 0, 0
        while made < per_kind[kind] and tries < 50 * per_kind[kind]:
            tries += 1
            text = make(kind, rng)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            rows.append((kind, text))
            made += 1
    rng.shuffle(rows)
    return rows
