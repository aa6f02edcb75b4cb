"""Postal addresses in the three modes: document 001's examples, other shapes, look-alikes."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.address import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


@pytest.mark.parametrize(("text", "value"), [
    # document 001, "Address" examples (the highlighted matches)
    ("You can visit our store on 767 5th Ave, New York, NY 10153.",
     "767 5th Ave, New York, NY 10153"),
    ("They live on the Abbey Road, but it's a long way from here.", "Abbey Road"),
    ("Diagon Alley 123 is hidden behind the brick wall.", "Diagon Alley 123"),
])
def test_document_001_examples(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.NORMAL)


@pytest.mark.parametrize(("text", "value"), [
    ("Filip lives on Nassaustraat 123 street.", "Nassaustraat 123"),
    ("The bus station is on Ziegelgasse 26", "Ziegelgasse 26"),
    ("The restaurant is at 19 1755 Nelson Mandela Drive", "19 1755 Nelson Mandela Drive"),
    ("95 230 Wit Rd\n Suite 246\n Bryanston\n Rwanda 02438",
     "95 230 Wit Rd\n Suite 246\n Bryanston\n Rwanda 02438"),
    ("change it to 16 48 rue Descartes, Monte Gil, Canada for post",
     "16 48 rue Descartes, Monte Gil, Canada"),
    ("ZIP: 11164", "11164"),
    ("London SW1A 1AA", "SW1A 1AA"),
    ("send it to 12 Via Roma 4, please", "12 Via Roma 4"),
])
def test_streets_with_numbers_are_normal(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.NORMAL)


@pytest.mark.parametrize(("text", "value"), [
    ("they live on abbey road now", "abbey road"),
    ("Shelby lives at 87 Jakobi 69, Laane", "87 Jakobi 69"),
    ("his address: 46 velký průhon 426, opocnice", "46 velký průhon 426"),
    ("ring at Apt. 018", "Apt. 018"),
])
def test_cued_and_partial_addresses_are_suspicious(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.SUSPICIOUS)


def test_anything_after_an_address_cue_is_paranoid() -> None:
    text = "my address is somewhere near the old mill; come by"
    assert_lowest_mode(find, text, "somewhere near the old mill", Mode.PARANOID)


@pytest.mark.parametrize("text", [
    "Visit St Louis with Dr Smith",
    "I have 3 big road trips planned",
    "Take The Road north",
    "Route 66 and Windows 10",
    "see chapter 5 page 12",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text, up_to=Mode.SUSPICIOUS)


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "Ελλάδα 🙂 — Diagon Alley 123 είναι"
    assert texts_found(find, text, Mode.NORMAL) == ["Diagon Alley 123"]
    [match] = find(text, Mode.NORMAL)
    assert match.begin == text.index("Diagon")
