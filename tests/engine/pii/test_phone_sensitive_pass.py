"""The phone detector reads a text's sensitive numbers once, an area at a time, and finds exactly
what it found when it read a window around each phone candidate (the reference kept below).

Inputs: the look-alike cases, document 001's tables and examples, and generated texts dense with
IBANs (valid and mistyped), cards, phones, spaced and spelled digits, longer than one block;
and an IBAN and a phone across the edges of the areas read.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from spectrum_rpc.engine.pii import Mode, phone, sensitive
from spectrum_rpc.engine.pii.match import Rule, Span, find_tiers
from tests.api.test_moderationapi import TABLES
from tests.engine.pii import test_phone_look_alikes

_ROOM = 80


def _inside_sensitive_windowed(text: str, begin: int, end: int, checked: Mode) -> bool:
    """The check as it was: the sensitive detector run on a window around each candidate."""
    low = max(0, begin - _ROOM)
    high = min(len(text), end + _ROOM)
    while low > 0 and not text[low - 1].isspace() and begin - low < 2 * _ROOM:
        low -= 1
    while high < len(text) and not text[high].isspace() and high - end < 2 * _ROOM:
        high += 1
    window = text[low:high]
    spans = [(m.begin, m.end) for m in sensitive.find(window, checked)]
    spans += sensitive.iban_shapes(window)
    return any(b < end - low and begin - low < e for b, e in spans)


def _windowed(rule: Rule, checked: Mode) -> Rule:
    def spans(text: str) -> Iterator[Span]:
        for span in rule(text):
            if not _inside_sensitive_windowed(text, span[0], span[1], checked):
                yield span
    return spans


REFERENCE_TIERS = {
    Mode.NORMAL: (_windowed(phone._normal, Mode.NORMAL),),
    Mode.SUSPICIOUS: (_windowed(phone._suspicious, Mode.SUSPICIOUS),),
    Mode.PARANOID: (_windowed(phone._paranoid, Mode.SUSPICIOUS),),
}
UNCHECKED_TIERS = {Mode.NORMAL: (phone._normal,), Mode.SUSPICIOUS: (phone._suspicious,),
                   Mode.PARANOID: (phone._paranoid,)}


def _reference(text: str, mode: Mode, tiers: dict = REFERENCE_TIERS) -> list:
    return find_tiers(text, mode, phone.KIND, tiers)


def _look_alike_texts() -> list[str]:
    """Every string the look-alike tests are run with, alone and between an IBAN and a phone."""
    values: list[str] = []
    for name in dir(test_phone_look_alikes):
        for mark in getattr(getattr(test_phone_look_alikes, name), "pytestmark", ()):
            if mark.name == "parametrize":
                for case in mark.args[1]:
                    values += [v for v in (case if isinstance(case, tuple) else (case,))
                               if isinstance(v, str)]
    values += test_phone_look_alikes.IBANS
    return values + [f"IBAN {v}, or call 0171 234 5678 or {v} thanks" for v in values]


DOCUMENT_TEXTS = [value for _, value, _, _ in TABLES] + [
    "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78",
    "my password is password1234 and my card 4242 4242 4242 4242",
]


def _dense_text(seed: int, size: int) -> str:
    """Sensitive numbers, their look-alikes and phones, packed close together."""
    rng = random.Random(seed)
    ibans = test_phone_look_alikes.IBANS + ["AT24 9019 1264 5982 5693",  # mistyped
                                            "DE55 6713 3801 6078 5265 59"]
    cards = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2"]

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    makers = [
        lambda: rng.choice(ibans),
        lambda: rng.choice(ibans).replace(" ", ""),
        lambda: rng.choice(ibans).lower().replace(" ", "-"),
        lambda: rng.choice(cards),
        lambda: f"555 {digits(3)} {digits(4)}",
        lambda: f"+49 30 {digits(8)}",
        lambda: f"({digits(3)}) {digits(3)}-{digits(4)}",
        lambda: " ".join(digits(1) for _ in range(rng.randint(5, 12))),
        lambda: " ".join(rng.choice(["one", "two", "five", "nine", "oh"]) for _ in range(8)),
        lambda: f"{digits(2)} this {digits(2)} is {digits(2)} an {digits(1)} example {digits(1)}",
        lambda: f"{digits(3)}-{digits(2)}-{digits(4)}",
        lambda: f"ssn {digits(9)}",
        lambda: f"password: {digits(6)}x",
        lambda: digits(rng.randint(4, 30)),
        lambda: rng.choice(["call", "wire", "to", "or", "IBAN", "card", "and", "me", "now", ","]),
        lambda: rng.choice(["\n", "  ", "-", "."]),
    ]
    parts: list[str] = []
    total = 0
    while total < size:
        part = rng.choice(makers)()
        parts.append(part)
        total += len(part) + 1
    return " ".join(parts)[:size]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_look_alikes_and_documents_texts_come_out_the_same(mode: Mode) -> None:
    texts = _look_alike_texts() + DOCUMENT_TEXTS
    assert len(texts) > 100
    for text in texts:
        assert phone.find(text, mode) == _reference(text, mode), (mode, text)


@pytest.mark.parametrize("mode", list(Mode))
def test_a_dense_text_longer_than_a_block_comes_out_the_same(mode: Mode) -> None:
    text = _dense_text(seed=5, size=phone._SENSITIVE_BLOCK + 20_000)
    found = phone.find(text, mode)
    assert found == _reference(text, mode)
    # the check is at work: the unchecked rules read more phones in the same text, some of them
    # near the end of the first block
    candidates = _reference(text, mode, UNCHECKED_TIERS)
    assert len(candidates) > len(found) > 100
    assert any(abs(m.begin - phone._SENSITIVE_BLOCK) < _ROOM for m in candidates)


@pytest.mark.parametrize("seed", range(12))
def test_short_dense_texts_come_out_the_same(seed: int) -> None:
    text = _dense_text(seed=seed, size=3_000)
    for mode in Mode:
        assert phone.find(text, mode) == _reference(text, mode), (seed, mode)


@pytest.mark.parametrize("kind", ["iban", "phones", "groups", "spaced"])
def test_the_benchmarks_texts_come_out_the_same(kind: str) -> None:
    rng = random.Random(1)
    unit = {"iban": lambda: "DE89 3704 0044 0532 0130 00",
            "phones": lambda: f"call 555 {rng.randrange(1000):03d} {rng.randrange(10000):04d} now",
            "groups": lambda: f"{rng.randrange(10000):04d}",
            "spaced": lambda: " ".join("0123456789")}[kind]
    text = " ".join(unit() for _ in range(300))
    for mode in Mode:
        assert phone.find(text, mode) == _reference(text, mode), mode


EDGE_IBANS = ["DE89 3704 0044 0532 0130 00",  # valid
              "DE55 6713 3801 6078 5265 59",  # mistyped: an IBAN shape only
              "de89-3704-0044-0532-0130-00"]  # disguised: SUSPICIOUS reads it
FILLER = "lorem ipsum dolor sit amet "  # no digit, no digit word: no candidate, no value


def _straddling(offset: int, iban: str) -> tuple[str, int]:
    """A text of more than a block: a phone at its start (the first area starts there), words,
    then an IBAN that begins at `offset` and a phone; return it and where that phone begins."""
    head = "call 0171 234 5678 "
    filler = FILLER * (offset // len(FILLER) + 2)
    text = head + filler[:offset - len(head) - 6] + " IBAN " + iban + " or +49 30 12345678 "
    return text + filler[:400], len(text) - len("+49 30 12345678 ")


@pytest.mark.parametrize("iban", EDGE_IBANS)
def test_an_iban_and_a_phone_across_the_end_of_a_read_area_come_out_the_same(iban: str) -> None:
    # From well before the block's end to past the first area's reach (a block after the first
    # candidate, and up to twice the room more): each IBAN and phone sits across each edge once.
    for offset in range(phone._SENSITIVE_BLOCK - 240, phone._SENSITIVE_BLOCK + 560, 29):
        text, phone_begin = _straddling(offset, iban)
        iban_begin = text.index(iban)
        for mode in Mode:
            found = phone.find(text, mode)
            assert found == _reference(text, mode), (offset, mode)
            assert not [m for m in found if iban_begin <= m.begin < phone_begin], (offset, mode)
            assert any(m.begin == phone_begin for m in found), (offset, mode)


def test_an_iban_right_across_the_block_boundary_holds_no_phone() -> None:
    for shift in range(1 - len(EDGE_IBANS[0]), 1):
        text, phone_begin = _straddling(phone._SENSITIVE_BLOCK + shift, EDGE_IBANS[0])
        assert text.index(EDGE_IBANS[0]) == phone._SENSITIVE_BLOCK + shift
        for mode in Mode:
            assert [m.begin for m in phone.find(text, mode)] == [5, phone_begin], (shift, mode)
