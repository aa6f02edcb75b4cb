"""Validity checks of sensitive numbers: Luhn (payment cards), ISO 13616 mod-97 (IBAN), the
ranges the US Social Security Administration never issues, and the issuer prefixes of cards.

A number that passes its checksum is very unlikely to be a random run of digits (1 in 10 for
Luhn, 1 in 97 for IBAN), which is what lets NORMAL report them with few false positives.
"""

from __future__ import annotations

import re

# Length of the IBAN of each country of the SWIFT IBAN registry (release 2024).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

# Leading digits of the card networks' issuer identification numbers: Visa 4, Mastercard 51-55
# and 2221-2720, Maestro 50 and 56-69, American Express 34/37, Diners Club 30/36/38/39, JCB 35,
# Discover and UnionPay 6, Mir 2200-2204, RuPay 81/82. A run starting otherwise (0, 7, 9, ...)
# is an account or order number, not a card.
_CARD_PREFIX = re.compile(r"[456]|3[0456789]|2(?:2[2-9]|[3-6]|7[01]|720)|220[0-4]|8[12]")

# Numbers published in advertising, never anyone's: Woolworth's wallet card and a 1940s ad.
_PUBLISHED_SSNS = frozenset({"078051120", "219099999"})


def luhn_valid(digits: str) -> bool:
    """Tell whether a string of ASCII digits passes the Luhn check (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_number_valid(digits: str) -> bool:
    """Tell whether 13-19 digits are a payment card number: a network prefix and Luhn."""
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn_valid(digits)


def iban_valid(iban: str) -> bool:
    """Tell whether an IBAN (no separators, any case) has its country's length and mod-97 == 1."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isascii() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """Tell whether a US SSN can have been issued: area not 000, 666 or 9xx; group and serial
    not all zeros; not one of the numbers published in advertising."""
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return area + group + serial not in _PUBLISHED_SSNS
