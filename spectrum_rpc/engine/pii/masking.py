"""Replace found values by per-type templates: `mask(text, matches, templates)`.

Matches of different types may overlap (a phone number inside an address, a url inside an
email-looking string). Overlaps are resolved deterministically before masking: within each group
of transitively overlapping matches, the longest match wins, then the earliest, then the type that
comes first in `TYPE_ORDER`; every match that overlaps a winner is dropped, and so on down the
group. Longest first because the longer value usually contains the shorter one's information
(an address holding its postcode), so hiding it hides both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .match import Match

DEFAULT_TEMPLATES: Mapping[str, str] = {
    "email": "{{ email hidden }}",
    "phone": "{{ phone hidden }}",
    "url": "{{ url hidden }}",
    "address": "{{ address hidden }}",
    "name": "{{ name hidden }}",
    "username": "{{ username hidden }}",
    "sensitive": "{{ sensitive hidden }}",
}

# Tie-break between equally long matches at the same offset: the more specific type first.
TYPE_ORDER = ("sensitive", "email", "url", "phone", "address", "name", "username")


def mask(text: str, matches: Iterable[Match],
         templates: Mapping[str, str] = DEFAULT_TEMPLATES) -> str:
    """Return `text` with every match (after `resolve_overlaps`) replaced by its type's template.

    A type missing from `templates` falls back to DEFAULT_TEMPLATES, then to `{{ TYPE hidden }}`.
    """
    pieces: list[str] = []
    at = 0
    for match in resolve_overlaps(matches):
        pieces.append(text[at:match.begin])
        pieces.append(template_for(match.type, templates))
        at = match.end
    pieces.append(text[at:])
    return "".join(pieces)


def template_for(kind: str, templates: Mapping[str, str] = DEFAULT_TEMPLATES) -> str:
    """Return the mask of one data type."""
    found = templates.get(kind)
    if found is None:
        found = DEFAULT_TEMPLATES.get(kind, f"{{{{ {kind} hidden }}}}")
    return found


def resolve_overlaps(matches: Iterable[Match]) -> list[Match]:
    """Return non-overlapping matches sorted by offset, longest first within each overlap group.

    Groups are found in one sweep over the matches sorted by offset, so the cost is
    O(n log n) plus the square of the largest group, which stays small: a detector never
    overlaps itself, so a group holds at most a few matches per type.
    """
    ordered = sorted(matches, key=lambda m: (m.begin, m.end))
    kept: list[Match] = []
    group: list[Match] = []
    group_end = -1
    for match in ordered:
        if group and match.begin >= group_end:
            kept.extend(_winners(group))
            group = []
        group.append(match)
        group_end = max(group_end, match.end) if len(group) > 1 else match.end
    kept.extend(_winners(group))
    return kept


def _winners(group: list[Match]) -> list[Match]:
    if len(group) == 1:
        return group
    chosen: list[Match] = []
    for match in sorted(group, key=_priority):
        if all(match.end <= c.begin or c.end <= match.begin for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.begin)


def _priority(match: Match) -> tuple[int, int, int]:
    rank = TYPE_ORDER.index(match.type) if match.type in TYPE_ORDER else len(TYPE_ORDER)
    return (match.begin - match.end, match.begin, rank)
