"""URLs in the three modes: document 001's table, evasions, look-alikes."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.url import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


@pytest.mark.parametrize(("text", "lowest"), [
    # document 001, "URLs" examples: the whole value is the match
    ("http://anonymous.com", Mode.NORMAL),
    ("anonymous.com", Mode.SUSPICIOUS),
    ("anonymous(dot)com", Mode.PARANOID),
])
def test_document_001_examples(text: str, lowest: Mode) -> None:
    assert_lowest_mode(find, text, text, lowest)


@pytest.mark.parametrize(("text", "value"), [
    ("see http://www.DialForum.co.uk/ now", "http://www.DialForum.co.uk/"),
    ("Just posted https://TestingStress.pl/.", "https://TestingStress.pl/"),
    ("go to www.google.com.", "www.google.com"),
    ("(see https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("ftp://files.example.org/a.zip, then", "ftp://files.example.org/a.zip"),
])
def test_links_with_a_scheme_or_www_are_normal(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.NORMAL)


@pytest.mark.parametrize(("text", "value"), [
    ("visit shop.example.co.uk/sale?x=1, ok", "shop.example.co.uk/sale?x=1"),
    ("hxxps://evil.example/login", "hxxps://evil.example/login"),
    ("cheap pills at PILLS.RU", "PILLS.RU"),
])
def test_bare_domains_and_defanged_schemes_are_suspicious(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.SUSPICIOUS)


@pytest.mark.parametrize(("text", "value"), [
    ("anonymous dot com", "anonymous dot com"),
    ("anonymous [.] com", "anonymous [.] com"),
    ("anonymous . com", "anonymous . com"),
    ("shop|DOT|example|DOT|net", "shop|DOT|example|DOT|net"),
    ("I was home.It was late", "home.It"),
    ("open README.md now", "README.md"),
])
def test_written_out_dots_and_doubtful_names_are_paranoid(text: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.PARANOID)


@pytest.mark.parametrize("text", [
    "Dr. Smith said e.g. this, i.e. that",
    "version 1.2.3.4 is out",
    "the dot com bubble",
    "a photo.jpg and a.b",
    "it was late. is it?",
    "it costs 3.50 each",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text)


def test_an_emails_domain_is_not_a_url() -> None:
    assert texts_found(find, "mail john.smith@gmail.com", Mode.PARANOID) == []


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "日本語のテキスト anonymous.com です"
    [match] = find(text, Mode.SUSPICIOUS)
    assert (match.begin, match.end) == (text.index("anonymous"), text.index(" です"))
