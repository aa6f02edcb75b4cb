"""Usernames (social handles) in the three modes: document 001's example, evasions, look-alikes."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.username import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


@pytest.mark.parametrize(("text", "value"), [
    ("follow @chris_93!", "@chris_93"),  # document 001's username object
    ("@chris_93.", "@chris_93"),
    ("ask u/spez", "u/spez"),
    ("add chris#1234 on discord", "chris#1234"),
])
def test_handles_as_platforms_write_them_are_normal(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.NORMAL)


@pytest.mark.parametrize(("text", "value"), [
    ("my insta is chris_93", "chris_93"),
    ("snap: chris.93", "chris.93"),
    ("add me on discord chris_93", "chris_93"),
    ("username: chris_93", "chris_93"),
    ("dm me @ chris_93", "chris_93"),
])
def test_handles_without_their_at_after_a_cue_are_suspicious(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.SUSPICIOUS)


@pytest.mark.parametrize(("text", "value"), [
    ("my insta is chrisgram", "chrisgram"),
    ("I am @home", "@home"),
    ("gg xX_sniper_Xx", "xX_sniper_Xx"),
])
def test_plain_words_after_cues_are_paranoid(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.PARANOID)


@pytest.mark.parametrize("text", [
    "mail a@b.com",
    "meet @ 5",
    "my insta is private",
    "my account stay active?",
    "x is 5",
    "account: 12345678",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text)


def test_an_emails_at_is_not_a_handle() -> None:
    assert texts_found(find, "email me at chris@x.com", Mode.PARANOID) == []


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "Привет 🙂 @chris_93"
    [match] = find(text, Mode.NORMAL)
    assert (match.begin, match.end) == (text.index("@"), len(text))
