"""Phone look-alikes: digits inside a sensitive number, or glued to letters, are no phone.

The IBANs are the examples of their countries' national banks and of the SWIFT registry; each
passes mod-97, so the sensitive detector reports it, and its digit groups, which
libphonenumber reads as a possible number, must not also come out as a phone.
"""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode, sensitive
from spectrum_rpc.engine.pii.phone import find
from tests.helpers.pii import assert_lowest_mode, assert_none, texts_found

IBANS = [
    "DE89 3704 0044 0532 0130 00",
    "GB29 NWBK 6016 1331 9268 19",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "BE68 5390 0754 7034",
    "CH93 0076 2011 6238 5295 7",
    "AT61 1904 3002 3457 3201",
    "PL61 1090 1014 0000 0712 1981 2874",
    "DK50 0040 0440 1162 43",
    "NO93 8601 1117 947",
    "SE45 5000 0000 0583 9825 7466",
    "PT50 0002 0123 1234 5678 9015 4",
]


@pytest.mark.parametrize("iban", IBANS)
@pytest.mark.parametrize("mode", list(Mode))
def test_a_grouped_iban_holds_no_phone(iban: str, mode: Mode) -> None:
    text = f"please wire it to {iban} by friday"
    assert [m.component for m in sensitive.find(text, Mode.NORMAL)] == ["iban"]
    assert find(text, mode) == [], (mode, find(text, mode))


@pytest.mark.parametrize("iban", IBANS[:4])
def test_an_iban_without_spaces_holds_no_phone(iban: str) -> None:
    assert_none(find, f"IBAN: {iban.replace(' ', '')}.")


@pytest.mark.parametrize("card", [
    "4111 1111 1111 1111", "5500-0000-0000-0004", "3782 822463 10005", "6011 0009 9013 9424",
])
def test_a_card_number_holds_no_phone(card: str) -> None:
    assert_none(find, f"my card is {card} exp 12/27")


@pytest.mark.parametrize("text", [
    "tracking 1Z999AA10123456784 is out for delivery",  # UPS
    "token abc12345678901 expired",
    "order A1234567890B shipped",
    "ref XK-ABC1234567890",
    "commit deadbeef1234567890 fixed it",
    "build v1.2.3456789 is out",
    "the part number is 12345678901X",
    "hash 3f2a9c4e81234567890d",
    "SKU B07XJ8C8F5 in stock",
])
def test_digits_glued_to_letters_are_no_phone(text: str) -> None:
    assert find(text, Mode.NORMAL) == [], find(text, Mode.NORMAL)


@pytest.mark.parametrize("text", [
    "meet on 2024-03-15 at 14:30:00",
    "posted 15.03.2024 10:45",
    "released 03/15/2024 at 9:05 pm",
    "version 10.0.19045.3803 of the kernel",
    "it costs 1,299.99 or 1.299,99 EUR",
    "upgrade to 2.14.3 then 3.0.1",
])
def test_dates_times_prices_and_versions_are_no_phone(text: str) -> None:
    assert find(text, Mode.NORMAL) == [], find(text, Mode.NORMAL)


@pytest.mark.parametrize("value", [
    "+49 30 12345678", "+33 1 42 68 53 00", "030 12345678", "+1 (415) 555-2671",
])
def test_a_phone_next_to_an_iban_is_still_found(value: str) -> None:
    text = f"IBAN DE89 3704 0044 0532 0130 00, call {value}"
    assert texts_found(find, text, Mode.NORMAL) == [value]


@pytest.mark.parametrize("text", ["tel:+4930123456", "Tel.030 1234567", "(phone)555-123-4567"])
def test_punctuation_before_a_number_is_no_glue(text: str) -> None:
    value = text[next(i for i, ch in enumerate(text) if ch.isdigit() or ch == "+"):]
    assert_lowest_mode(find, text, value, Mode.NORMAL)


@pytest.mark.parametrize("text", [
    "call David 555 123 4567", "ask Sid: 0171 234 5678", "the kid's +44 20 7946 0958",
    "text Astrid on 06 12 34 56 78",
])
def test_a_word_ending_like_a_cue_does_not_hide_a_phone(text: str) -> None:
    # "id", "ref", "card" name another number only as whole words, not inside "David"
    assert len(find(text, Mode.NORMAL)) == 1, find(text, Mode.NORMAL)


@pytest.mark.parametrize("iban", ["AT24 9019 1264 5982 5693", "DE55 6713 3801 6078 5265 59",
                                  "RO31 CIBE 4300 4260 1113 4581", "ES05 0451 0622 5196 5510 2474"])
def test_a_mistyped_iban_holds_no_phone(iban: str) -> None:
    # the checksum fails, so no sensitive detector of NORMAL reports it: still no phone
    assert find(f"IBAN: {iban}", Mode.NORMAL) == []


@pytest.mark.parametrize("text", ["running 22.0.01015.1048 on the server",
                                  "Chrome 120.0.6099.109 crashed"])
def test_a_dotted_version_is_no_phone(text: str) -> None:
    assert find(text, Mode.NORMAL) == []


@pytest.mark.parametrize(("text", "value"), [
    ("my number is 01.94.74.11.21", "01.94.74.11.21"),  # French, dotted in pairs
    ("The front desk (0458 423 914) opens at nine", "0458 423 914"),
    ("The front desk (+49 151 82687496) opens at nine", "+49 151 82687496"),
    ("whatsapp me +55 11 98184-2371 pls", "+55 11 98184-2371"),  # its 13 digits pass Luhn
])
def test_numbers_the_generated_set_found_missed(text: str, value: str) -> None:
    assert texts_found(find, text, Mode.NORMAL) == [value]


@pytest.mark.parametrize("text", [
    "I sold it for € 35.434,96 last year", "total 14.447,36 € incl. VAT",
    "running 22.0.01015.1048 on the server",
])
def test_european_prices_and_versions_are_no_phone_in_any_mode(text: str) -> None:
    assert_none(find, text)


@pytest.mark.parametrize("text", ["commit 0a4f4452229dfdf4 broke the build",
                                  "your session fb29452d-35f2-443a-8dbc-9ac7cf7fbbe9 expired"])
def test_hex_ids_are_no_phone_in_any_mode(text: str) -> None:
    assert_none(find, text)


@pytest.mark.parametrize("value", ["+55 11 98184-2371", "(+49 151 82687496)"])
def test_a_number_after_a_plus_is_no_card_in_any_mode(value: str) -> None:
    # Luhn-valid digits with a network's prefix, but the "+" says country code
    cards = [m for m in sensitive.find(f"call {value} now", Mode.PARANOID)
             if m.component == "credit_debit_number"]
    assert cards == []


@pytest.mark.parametrize("value", ["001-973-982-9059", "001-781-549-5852x4429"])
def test_a_phone_passing_luhn_by_chance_is_still_a_phone(value: str) -> None:
    # one number in ten passes Luhn; with no card network's prefix it is no card
    assert texts_found(find, f"you can text {value} anytime.", Mode.NORMAL) == [value]


@pytest.mark.parametrize("text", [
    "your session 72ec531c-4609-4403-b559-1a9e70410512 expired",
    "your session 94984276-002b-4197-8949-003df748dec5 expired",
    "request id d3d896d4-dc27-4124-9b4a-3460096277fd",
])
def test_the_groups_of_a_uuid_are_no_phone(text: str) -> None:
    assert_none(find, text)


@pytest.mark.parametrize(("text", "value"), [
    ("请拨打13800138000联系我", "13800138000"),  # Chinese writes no spaces between words
    ("電話は03-1234-5678です", "03-1234-5678"),
    ("โทร0812345678ครับ", "0812345678"),
    ("звоните+79161234567сейчас", "+79161234567"),  # a "+" says phone, whatever touches it
])
def test_a_phone_touching_letters_of_an_unspaced_script_is_found(text: str, value: str) -> None:
    assert texts_found(find, text, Mode.NORMAL) == [value]
