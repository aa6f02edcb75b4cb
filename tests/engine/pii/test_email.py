"""Email addresses in the three modes: document 001's table, evasions, look-alikes."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.email import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


@pytest.mark.parametrize(("text", "value", "lowest"), [
    # document 001, "Email" examples
    ("reach me on example@gmail.com", "example@gmail.com", Mode.NORMAL),
    ("reach me on example at gmail dot com", "example at gmail dot com", Mode.SUSPICIOUS),
    ("reach me on example at that google email domain", "example at that google email domain",
     Mode.PARANOID),
])
def test_document_001_examples(text: str, value: str, lowest: Mode) -> None:
    assert_lowest_mode(find, text, value, lowest)


def test_document_001_moderation_example_is_suspicious() -> None:
    text = "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78"
    assert_lowest_mode(find, text, "mr_robot[at]gmail|DOT|com", Mode.SUSPICIOUS)


@pytest.mark.parametrize(("text", "value"), [
    ("write to john (at) mail [dot] co [dot] uk.", "john (at) mail [dot] co [dot] uk"),
    ("jane @ yahoo . com thanks", "jane @ yahoo . com"),
    ("john dot smith at gmail dot com", "john dot smith at gmail dot com"),
    ("john@gmail dot com", "john@gmail dot com"),
    ("JOHN AT GMAIL DOT COM", "JOHN AT GMAIL DOT COM"),
    ("john at gmail.com", "john at gmail.com"),
    ("mr_robot at evilcorp.com", "mr_robot at evilcorp.com"),
    ("x{at}example{dot}org", "x{at}example{dot}org"),
])
def test_evasions_are_suspicious(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.SUSPICIOUS)


@pytest.mark.parametrize(("text", "value"), [
    ("contact john at gmail", "john at gmail"),
    ("jane at the usual hotmail address", "jane at the usual hotmail address"),
    ("ping bob@corp.internal", "bob@corp.internal"),
])
def test_paranoid_reads_providers_named_in_words_and_unknown_suffixes(text: str,
                                                                      value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.PARANOID)


@pytest.mark.parametrize("text", [
    "I'm at home",
    "we met at noon. It was fine",
    "Dinner at eight. No way",
    "look at this.",
    "icon@2x.png",
    "the meeting is at 5.30 pm",
    "I work at Google",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text)


def test_a_domain_written_with_dots_after_a_plain_at_is_a_url_not_an_email() -> None:
    assert texts_found(find, "we are at google.com", Mode.SUSPICIOUS) == []


def test_the_address_stops_at_its_top_level_domain() -> None:
    assert texts_found(find, "mail a@b.com.Thanks", Mode.NORMAL) == ["a@b.com"]
    assert texts_found(find, "mail a@b.com.", Mode.NORMAL) == ["a@b.com"]


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "ёжик café 🙂 — josé@exämple.de ok"
    [match] = find(text, Mode.NORMAL)
    assert (match.begin, match.end) == (text.index("josé"), text.index(" ok"))
    assert match.text == "josé@exämple.de"
    assert match.begin != len(text[:match.begin].encode())  # not a byte offset
