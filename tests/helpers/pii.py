"""Shared assertions of the personal-data detector tests."""

from __future__ import annotations

from collections.abc import Callable

from spectrum_rpc.engine.pii import Match, Mode

Find = Callable[[str, Mode], list[Match]]


def assert_lowest_mode(find: Find, text: str, value: str, lowest: Mode) -> None:
    """`value` is found from `lowest` up (with that mode) and nothing at all below it."""
    for mode in Mode:
        found = find(text, mode)
        for match in found:
            assert text[match.begin:match.end] == match.text
        if mode < lowest:
            assert found == [], (mode, found)
        else:
            hits = [m for m in found if m.text == value]
            assert len(hits) == 1, (mode, found)
            assert hits[0].mode is lowest


def assert_none(find: Find, text: str, up_to: Mode = Mode.PARANOID) -> None:
    """Nothing is found in `text` by any mode up to `up_to`."""
    for mode in Mode:
        if mode <= up_to:
            assert find(text, mode) == [], (mode, text)


def texts_found(find: Find, text: str, mode: Mode) -> list[str]:
    """The texts of the matches of one mode."""
    return [m.text for m in find(text, mode)]
