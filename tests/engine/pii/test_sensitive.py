"""Sensitive numbers in the three modes, with components; the checksums behind NORMAL."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.checksums import (
    card_number_valid,
    iban_valid,
    luhn_valid,
    ssn_valid,
)
from spectrum_rpc.engine.pii.sensitive import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found


def components(text: str, mode: Mode) -> list[tuple[str | None, str]]:
    return [(m.component, m.text) for m in find(text, mode)]


def test_document_001_example_with_components() -> None:
    text = "my login is password1234 and my card 4242 4242 4242 4242"
    assert components(text, Mode.NORMAL) == [("password", "password1234"),
                                             ("credit_debit_number", "4242 4242 4242 4242")]


@pytest.mark.parametrize(("digits", "valid"), [
    ("4242424242424242", True), ("4242424242424243", False), ("378282246310005", True),
    ("5213591727586604", True), ("79927398713", True), ("79927398710", False),
])
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_a_card_needs_a_network_prefix_and_a_length() -> None:
    assert card_number_valid("4242424242424242")
    assert not card_number_valid("0000000000000000")  # Luhn-valid, no network starts with 0
    assert not card_number_valid("424242424242")  # 12 digits


@pytest.mark.parametrize(("iban", "valid"), [
    ("DE89370400440532013000", True), ("GB82WEST12345698765432", True),
    ("gb82west12345698765432", True), ("NO9386011117947", True),
    ("GB82WEST12345698765431", False), ("DE8937040044053201300", False), ("XX00123", False),
])
def test_iban_mod_97_and_country_length(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


@pytest.mark.parametrize(("ssn", "valid"), [
    ("531-21-7351", True), ("000-12-3456", False), ("666-12-3456", False),
    ("912-12-3456", False), ("123-00-4567", False), ("123-45-0000", False),
    ("078-05-1120", False),
])
def test_ssn_issued_ranges(ssn: str, valid: bool) -> None:
    assert ssn_valid(*ssn.split("-")) is valid


@pytest.mark.parametrize(("text", "component", "value"), [
    ("card 4242-4242-4242-4242 ok", "credit_debit_number", "4242-4242-4242-4242"),
    ("amex 378282246310005.", "credit_debit_number", "378282246310005"),
    ("IBAN DE89 3704 0044 0532 0130 00 thanks", "iban", "DE89 3704 0044 0532 0130 00"),
    ("His social security number is 531-21-7351", "ssn", "531-21-7351"),
    ("SSN: 531217351", "ssn", "531217351"),
    ("blocked 58.74.121.78 again", "ip_address", "58.74.121.78"),
    ("addr fe80::1ff:fe23:4567:890a ok", "ip_address", "fe80::1ff:fe23:4567:890a"),
    ("password: hunter2", "password", "hunter2"),
    ("my pw is hunter2.", "password", "hunter2"),
    ("pin = 4821", "password", "4821"),
])
def test_normal(text: str, component: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.NORMAL)
    assert components(text, Mode.NORMAL) == [(component, value)]


@pytest.mark.parametrize(("text", "component", "value"), [
    ("card 4242.4242.4242.4242", "credit_debit_number", "4242.4242.4242.4242"),
    ("4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2", "credit_debit_number",
     "4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2"),
    ("iban de89-3704-0044-0532-0130-00", "iban", "de89-3704-0044-0532-0130-00"),
    ("it is 531 21 7351", "ssn", "531 21 7351"),
    ("server 10[.]0[.]0[.]1", "ip_address", "10[.]0[.]0[.]1"),
    ("10 dot 0 dot 0 dot 1", "ip_address", "10 dot 0 dot 0 dot 1"),
    ("my password for the wifi is hunter2", "password", "hunter2"),
    ("password hunter2", "password", "hunter2"),
])
def test_suspicious(text: str, component: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.SUSPICIOUS)
    assert components(text, Mode.SUSPICIOUS) == [(component, value)]


@pytest.mark.parametrize(("text", "component", "value"), [
    ("card 1234 5678 9012 3456", "credit_debit_number", "1234 5678 9012 3456"),
    ("DE00 3704 0044 0532 0130 00", "iban", "DE00 3704 0044 0532 0130 00"),
    ("version 1.2.3.4", "ip_address", "1.2.3.4"),
    ("Tr0ub4dor&3 is it", "password", "Tr0ub4dor&3"),
])
def test_paranoid(text: str, component: str, value: str) -> None:
    assert_lowest_mode(find, text, value, Mode.PARANOID)
    assert components(text, Mode.PARANOID) == [(component, value)]


@pytest.mark.parametrize("text", [
    "card 4242 4242 4242 4243",
    "SSN 666-21-7351 and 000-12-3456",
    "999.1.1.1 and 1.2.3.4.5",
    "at 12:30:45 use std::vector",
    "my password is wrong",
    "Password: ********",
    "I'll pass 123 cars",
    "the bus pass is expired",
])
def test_innocent_look_alikes(text: str) -> None:
    assert_none(find, text, up_to=Mode.SUSPICIOUS)


def test_a_dotted_quad_after_a_version_word_is_a_version_until_paranoid() -> None:
    """Decision: "version 1.2.3.4" is far more often a version than an IP in a comment."""
    for text in ("version 1.2.3.4", "firmware 10.0.0.1", "v 2.0.1.3"):
        assert texts_found(find, text, Mode.SUSPICIOUS) == []
        assert texts_found(find, text, Mode.PARANOID) == [text.split()[-1]]
    assert texts_found(find, "ping 1.2.3.4", Mode.NORMAL) == ["1.2.3.4"]


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    text = "Ödeme 💳 kartı: 4242 4242 4242 4242"
    [match] = find(text, Mode.NORMAL)
    assert (match.begin, match.end) == (text.index("4242"), len(text))
