"""What every personal-data detector returns: detection modes, the Match type, and tier merging.

A detector runs its rules tier by tier, NORMAL first, and stops at the mode it was asked for.
`Match.mode` is the tier whose rule found the value, which is the lowest mode that finds it: a
higher tier never replaces what a lower one found (`merge_tiers`), so the matches of a mode are
always a superset of the matches of every lower mode, the same values at the same offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..modes import Mode


@dataclass(frozen=True, slots=True)
class Match:
    """One value found: `text == original[begin:end]`, offsets in code points of the original."""

    type: str  # "email", "phone", "url", "address", "username", "sensitive"
    text: str
    begin: int
    end: int
    mode: Mode  # the lowest mode that finds this value
    component: str | None = None  # for "sensitive": credit_debit_number, iban, ssn, ...


# Iterating an Enum class runs a Python generator each time (several µs a call): once here.
_MODES = tuple(Mode)

Span = tuple[int, int, str | None]  # begin, end, component
Rule = Callable[[str], Iterable[Span]]
"""A rule yields (begin, end, component) spans of one text, in increasing order, not overlapping."""


def find_tiers(text: str, mode: Mode, kind: str,
               tiers: dict[Mode, tuple[Rule, ...]]) -> list[Match]:
    """Run the rules of every tier up to `mode`, lower tiers first, and merge them."""
    found: list[Match] = []
    for tier in _MODES:
        if tier > mode:
            break
        for rule in tiers.get(tier, ()):
            found = merge_tiers(found, _matches(text, kind, tier, rule(text)))
    return found


def merge_tiers(kept: list[Match], extra: list[Match]) -> list[Match]:
    """Return `kept` plus each of `extra` that overlaps none of `kept`, sorted by offset.

    Both lists are sorted and free of overlaps within themselves; one linear sweep suffices.
    """
    if not extra:
        return kept
    if not kept:
        return extra
    merged: list[Match] = []
    i = 0
    for match in extra:
        while i < len(kept) and kept[i].end <= match.begin:
            merged.append(kept[i])
            i += 1
        if i < len(kept) and kept[i].begin < match.end:
            continue  # overlaps a value a lower rule found: that one stands
        merged.append(match)
    merged.extend(kept[i:])
    return merged


def merge_spans(*rules: Iterable[Span]) -> Iterator[Span]:
    """Yield the spans of several rules of one tier in offset order, the longest first where they
    overlap (ties: the earlier rule's), dropping the others."""
    spans = sorted((span for rule in rules for span in rule), key=lambda s: (s[0], -s[1]))
    last_end = 0
    for span in spans:
        if span[0] >= last_end:
            yield span
            last_end = span[1]


def _matches(text: str, kind: str, tier: Mode,
             spans: Iterable[Span]) -> list[Match]:
    found: list[Match] = []
    last_end = 0
    for begin, end, component in spans:
        if begin < last_end or begin >= end:
            continue  # rules should not overlap themselves; keep the first if one does
        found.append(Match(kind, text[begin:end], begin, end, tier, component))
        last_end = end
    return found


def spans_of(pattern: re.Pattern[str], text: str, group: int | str = 0,
             component: str | None = None) -> Iterator[Span]:
    """Yield the span of `group` of every non-empty match of `pattern` in `text`."""
    for found in pattern.finditer(text):
        begin, end = found.span(group)
        if begin < end:
            yield begin, end, component
