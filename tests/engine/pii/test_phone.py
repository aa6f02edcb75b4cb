"""Phone numbers in the three modes: document 001's table, evasions, look-alikes."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.phone import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


@pytest.mark.parametrize(("text", "lowest"), [
    # document 001, "Phone number" examples: the whole value is the match
    ("12 34 56 78", Mode.NORMAL),
    ("one two three four five six seven eight", Mode.SUSPICIOUS),
    ("12 this 34 is 46 an 7 example 8", Mode.PARANOID),
])
def test_document_001_examples(text: str, lowest: Mode) -> None:
    assert_lowest_mode(find, text, text, lowest)


def test_document_001_moderation_example_is_normal() -> None:
    text = "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78"
    assert_lowest_mode(find, text, "12 34 65 78", Mode.NORMAL)


@pytest.mark.parametrize("value", [
    "+1 415 555 2671", "(07) 5331 0577", "020 7946 0958", "555-1234", "+44 20 7946 0958",
    "986.291.2294x751", "001-420-335-7509x38548", "+1-944-435-4352x04732", "21 212 133 2727",
])
def test_formatted_numbers_are_normal(value: str) -> None:
    assert_lowest_mode(find, f"call me on {value} tonight", value, Mode.NORMAL)


@pytest.mark.parametrize("value", [
    "five five five one two three four",
    "five5five 1 2 3 4",
    "5_5_5*1_2_3_4",
    "zero seven nine one, two three four five six",
])
def test_spelled_and_punctuated_digits_are_suspicious(value: str) -> None:
    assert_lowest_mode(find, f"text me {value} ok", value, Mode.SUSPICIOUS)


@pytest.mark.parametrize("text", [
    "in 2019 it cost 1999 dollars",
    "it was $1,234,567 in total",
    "born 1998-06-28 and married 12/27/2010",
    "pi is 3.14159265",
    "13 000 000 people",
    "years 2019, 2020, 2021 were hard",
    "my IP is 58.74.121.78",
    "His social security number is 531-21-7351",
    "My driver's license number is 481195160",
    "card 4532 2766 4457 7020 please",
    "I have 2 cats and 3 dogs",
    "the zip is 12345",
    "When: 1998-06-28 14:48:14",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text)


def test_lists_of_counts_read_as_interleaved_digits_only_in_paranoid() -> None:
    text = "2 cows, 3 cats, 4 dogs, 5 fish, 6 birds, 7 rats and 8 snakes"
    assert texts_found(find, text, Mode.SUSPICIOUS) == []
    assert texts_found(find, text, Mode.PARANOID) == [text[:text.index(" snakes")]]


def test_a_decimal_yields_no_number_from_its_fraction() -> None:
    assert find("pi 3.14159265 and e 2.7182818", Mode.PARANOID) == []


def test_two_numbers_in_a_row_are_two_matches() -> None:
    text = "Mobile: 041-412-293\nDesk: 986.291.2294x751"
    assert texts_found(find, text, Mode.NORMAL) == ["041-412-293", "986.291.2294x751"]


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "Позвони мне 🙂: 12 34 56 78"
    [match] = find(text, Mode.NORMAL)
    assert (match.begin, match.end) == (text.index("12"), len(text))
