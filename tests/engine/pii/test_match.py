"""What every detector promises: modes nest, offsets are code points, long inputs stay linear."""

from __future__ import annotations

import pickle

import pytest

from spectrum_rpc.engine.pii import DETECTORS, Match, Mode
from spectrum_rpc.engine.pii.match import merge_tiers

SAMPLES = [
    "reach me on example@gmail.com or example at gmail dot com",
    "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78",
    "one two three four five six seven eight, 12 this 34 is 46 an 7 example 8",
    "http://anonymous.com anonymous.com anonymous(dot)com home.It README.md",
    "You can visit our store on 767 5th Ave, New York, NY 10153. They live on the Abbey Road.",
    "my address is 87 Jakobi 69, Laane; Diagon Alley 123",
    "follow @chris_93, my insta is chrisgram, xX_sniper_Xx",
    "password1234 4242 4242 4242 4242 1234 5678 9012 3456 version 1.2.3.4 Tr0ub4dor&3",
    "IBAN DE89 3704 0044 0532 0130 00, ssn 531 21 7351, 10[.]0[.]0[.]1",
]


@pytest.mark.parametrize("kind", sorted(DETECTORS))
def test_each_mode_finds_what_the_lower_modes_find_at_the_same_offsets(kind: str) -> None:
    find = DETECTORS[kind]
    for text in SAMPLES:
        by_mode = {mode: set(find(text, mode)) for mode in Mode}
        assert by_mode[Mode.NORMAL] <= by_mode[Mode.SUSPICIOUS] <= by_mode[Mode.PARANOID]
        for mode, matches in by_mode.items():
            assert all(m.mode <= mode and m.type == kind for m in matches)
            assert all(text[m.begin:m.end] == m.text for m in matches)


def test_every_sample_holds_something_for_some_detector() -> None:
    for text in SAMPLES:
        assert any(find(text, Mode.PARANOID) for find in DETECTORS.values())


def test_matches_are_picklable_for_worker_processes() -> None:
    match = Match("sensitive", "4242", 0, 4, Mode.NORMAL, "credit_debit_number")
    assert pickle.loads(pickle.dumps(match)) == match


def test_modes_parse_by_name() -> None:
    assert Mode.parse("paranoid") is Mode.PARANOID
    with pytest.raises(ValueError, match="unknown detection mode"):
        Mode.parse("LOUD")


def test_a_higher_tier_never_replaces_a_lower_one() -> None:
    low = [Match("url", "b.com", 4, 9, Mode.NORMAL)]
    high = [Match("url", "a b.com", 2, 9, Mode.PARANOID), Match("url", "c.org", 12, 17,
                                                                   Mode.PARANOID)]
    assert merge_tiers(low, high) == [low[0], high[1]]


PATHOLOGICAL = {
    "a@ repeats": "a@" * 500_000,
    "digit run": "1234567890" * 100_000,
    "spaced digits": "1 " * 500_000,
    "dots": "a." * 500_000,
    "at dot words": "x at y dot " * 90_000,
    "grouped digits": "1234 5678 " * 100_000,
}


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_megabyte_of_pathological_input_ends(name: str) -> None:
    """Catastrophic backtracking would never end here; the timeout is the assertion's guard."""
    text = PATHOLOGICAL[name]
    for find in DETECTORS.values():
        for match in find(text, Mode.PARANOID):
            assert text[match.begin:match.end] == match.text
