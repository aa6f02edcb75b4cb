"""The phone detector drops what overlaps a sensitive number exactly as a check of the WHOLE text
would, also when the area it reads ends within a word: here an IBAN in SUSPICIOUS's loose form
("RU.74..A..B..." or "RU 74  A  B ..."), longer than a window of 80 characters around the phone
candidate it overlaps, swept across the end of the first area at every position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from spectrum_rpc.engine.pii import Mode, phone, sensitive
from spectrum_rpc.engine.pii.checksums import iban_valid
from spectrum_rpc.engine.pii.match import Rule, Span, find_tiers

HEAD = "call 1 2 3 4 5 6 7 now "  # the first candidate: the first area starts at its "1"
FIRST = HEAD.index("1")
BBAN = "ABCDEFGHIJKLMNOPQRSTUVWXYZABC"  # RU: 33 characters in all


def _valid_ru_iban() -> str:
    check = 98 - int("".join(str(int(c, 36)) for c in BBAN + "RU00")) % 97
    iban = f"RU{check:02d}{BBAN}"
    assert iban_valid(iban)
    return iban


IBAN = _valid_ru_iban()


def _checked_on_the_whole_text(rule: Rule, checked: Mode) -> Rule:
    def spans(text: str) -> Iterator[Span]:
        values = [(m.begin, m.end) for m in sensitive.find(text, checked)]
        values += sensitive.iban_shapes(text)
        for span in rule(text):
            if not any(b < span[1] and span[0] < e for b, e in values):
                yield span
    return spans


WHOLE_TIERS = {
    Mode.NORMAL: (_checked_on_the_whole_text(phone._normal, Mode.NORMAL),),
    Mode.SUSPICIOUS: (_checked_on_the_whole_text(phone._suspicious, Mode.SUSPICIOUS),),
    Mode.PARANOID: (_checked_on_the_whole_text(phone._paranoid, Mode.SUSPICIOUS),),
}


def _whole(text: str, mode: Mode) -> list:
    return find_tiers(text, mode, phone.KIND, WHOLE_TIERS)


def _spread(separator: str) -> str:
    """The IBAN with `separator` between its characters: one between the country code and the
    check digits, none within them."""
    return f"{IBAN[:2]}{separator[:1]}{IBAN[2:4]}" + "".join(separator + c for c in IBAN[4:])


def _text(candidate_end: int, separator: str) -> tuple[str, int]:
    """Spaces (cheap to read), then words written with `separator`'s first character between them
    (no space at all when it is a dot) for 300 characters, then "123.45." and the spread IBAN,
    whose "RU.74" makes the PARANOID candidate "123.45.RU.74" end at `candidate_end`; then more
    of the same words. Return the text and where the IBAN begins."""
    joint = separator[:1]
    words = joint.join("lorem ipsum dolor sit amet".split()) + joint
    candidate = f"123{joint}45{joint}"
    iban_begin = candidate_end - len(_spread(separator)[:5])
    start = iban_begin - len(candidate)
    plain = candidate_end - 300  # where the words begin: the text before is spaces
    text = HEAD + " " * (plain - len(HEAD) - 1) + "x"
    text += (words * 20)[:start - len(text) - 1] + joint
    assert len(text) == start
    return text + candidate + _spread(separator) + separator + words * 10 + " thanks", iban_begin


def _area_end(text: str) -> int:
    """Where the first area read ends (the first candidate is at FIRST, alone in its block)."""
    room = phone._SENSITIVE_ROOM
    return phone._cut_at_spaces(text, FIRST, FIRST + phone._SENSITIVE_BLOCK, 2 * room)[1]


@pytest.mark.slow
@pytest.mark.parametrize("separator", ["..", "  "])
def test_a_loose_iban_across_the_first_area_end_holds_no_phone(separator: str) -> None:
    room, length = phone._SENSITIVE_ROOM, len(_spread(separator))
    nominal_end = FIRST + phone._SENSITIVE_BLOCK + 2 * room
    crossed, mismatches = set(), []
    for candidate_end in range(nominal_end - 2 * room - length, nominal_end + 4 * room + length):
        text, iban_begin = _text(candidate_end, separator)
        offset = _area_end(text) - iban_begin  # where the area ends within the IBAN
        if not -room <= offset <= length + room:
            continue  # the first area holds the IBAN and the candidate whole, or neither
        crossed.add(offset)
        # The PARANOID tier as phone._TIERS has it, on the candidates of the unchecked rule
        # (read once for both sides), against the same candidates checked on the whole text.
        candidates = list(phone._paranoid(text))
        tier = phone._not_sensitive(lambda _, found=candidates: iter(found), Mode.SUSPICIOUS)
        values = [(m.begin, m.end) for m in sensitive.find(text, Mode.SUSPICIOUS)]
        values += sensitive.iban_shapes(text)
        whole = [c for c in candidates if not any(b < c[1] and c[0] < e for b, e in values)]
        if list(tier(text)) != whole:
            mismatches.append(offset)
        # the texts are what they claim to be: the spread IBAN is read, it holds the candidate
        # that starts before it, and the phone at the start is the only one
        assert [v for v in values if v[0] > len(HEAD)] == [(iban_begin, iban_begin + length)]
        assert [text[b:e] for b, e, _ in candidates[1:]] == [f"123{separator[:1]}45" + (
            f"{separator[:1]}RU{separator[:1]}{IBAN[2:4]}")]
        assert [c[0] for c in whole] == [FIRST]
    assert mismatches == []
    if separator == "..":  # no space in it: the area may end after any of its characters
        assert crossed >= set(range(-room, length + room + 1))
    else:
        assert len(crossed) > length // 3


def test_the_candidate_overlaps_the_iban_and_a_short_window_misses_it() -> None:
    """The case swept above is one the 80-character room of old could not hold: the spread IBAN
    is longer than 80, and the unchecked rule reads a phone across its start."""
    text, iban_begin = _text(phone._SENSITIVE_BLOCK + 300, "..")
    assert len(_spread("..")) > 80 and len(_spread("  ")) > 80
    assert [text[b:e] for b, e, _ in phone._paranoid(text) if b > len(HEAD)] == ["123.45.RU.74"]


def _widest(pattern: re.Pattern[str]) -> int:
    return re._parser.parse(pattern.pattern, pattern.flags).getwidth()[1]  # type: ignore[attr-defined]


def test_the_room_holds_the_longest_value_the_sensitive_patterns_match() -> None:
    patterns = [p for p in vars(sensitive).values() if isinstance(p, re.Pattern)]
    bounded = [_widest(p) for p in patterns if _widest(p) < 10_000]
    assert len(bounded) >= 10  # cards, IBANs, SSNs, IP addresses, strong tokens
    # A loose IBAN's match may run to 96 characters, but its value is cut at its country's
    # length: 33 at most (RU), with up to two separators between characters, 93 in all.
    iban_loose = _widest(sensitive._IBAN_LOOSE)
    assert max(width for width in bounded if width != iban_loose) < phone._SENSITIVE_ROOM
    assert phone._SENSITIVE_ROOM == 93 == len(IBAN) * 3 - 6
