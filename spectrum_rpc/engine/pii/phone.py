"""Phone numbers: `find(text, mode)`.

- NORMAL: Google's libphonenumber (`phonenumbers`) reads each run of digits and phone separators
  with its `PhoneNumberMatcher` at `Leniency.POSSIBLE`: a number of a possible length for one of
  `DEFAULT_REGIONS`, whatever its grouping. POSSIBLE, not VALID, because document 001 reads
  "12 34 56 78" as a phone in NORMAL and no numbering plan calls it valid. The library is slow
  (about 0.1 ms a call), so it only sees runs that hold 7 to 40 digits and none of the shapes
  below; a 100-character comment without such a run never calls it. Our own floor of 7 digits
  keeps years, prices, postcodes and one-time codes out ("in 2019", "$1999", "12345"), and these
  shapes, which the library accepts, are not phones: digits glued to letters on either side
  (ids, tracking and part numbers: "abc12345678901", "1Z999AA10123456784"; not the letters of
  Chinese, Japanese or Thai, written without spaces, nor a number written with "+"), dates
  ("1998-06-28", "12/27/1986", also followed by a time), IPv4 addresses ("58.74.121.78"), US
  social security numbers ("531-21-7351"), decimals ("3.14159265"), round thousands ("13 000
  000") and payment card numbers (a network's prefix and Luhn-valid, 13 digits or more, no "+"
  before): the sensitive detector reports the last three.
  Nor, in every mode, is a number that overlaps a sensitive number the sensitive detector finds
  in the same text (the digit groups of "DE89 3704 0044 0532 0130 00", an IBAN, read as a phone
  in every country tried) or an IBAN mistyped (its checksum fails), nor a number the words
  before it name as another kind ("my driver's license number is 481195160", "order #",
  "version"). Dotted versions ("10.0.19045.3803") and European prices ("35.434,96") are no phone
  in any mode, nor are hexadecimal ids ("0a4f4452229dfdf4") in PARANOID.
- SUSPICIOUS: digits written to evade a filter: spelled out ("one two three four five six seven
  eight", document 001), mixed ("five5five 12 34"), or spaced and punctuated in ways the library
  does not read ("5_5_5*1_2_3_4"): 7 to 15 digits in a row of digit tokens with at most three
  separator characters between them.
  Two years or more in a row are a list of years ("2019, 2020, 2021"), not a phone.
- PARANOID: digits interleaved with words, "12 this 34 is 46 an 7 example 8" (document 001): at
  most two short words between three digit tokens or more, 7 to 15 digits in all, no year among
  them ("in 2019 it cost 1999" is a date and a price). Lists of counts ("2 cats and 3 dogs ...")
  read the same way, hence PARANOID only.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator

import phonenumbers

from . import sensitive
from .checksums import IBAN_LENGTHS, card_number_valid
from .match import Match, Mode, Rule, Span, find_tiers
from .vocabulary import Vocabulary

KIND = "phone"

# Tried in order until one reads a run as a possible number; a number written with "+" reads the
# same under every region. DE first: its national numbers may be 5 to 15 digits long, so nearly
# every run that is a phone anywhere costs one matcher call. Then the regions whose trunk ("0")
# and international ("00", "011") prefixes cover most English-language comments, and DK, whose
# 8-digit grouping ("12 34 56 78") document 001 uses.
DEFAULT_REGIONS = ("DE", "US", "GB", "IN", "AU", "DK")
MIN_DIGITS, MAX_DIGITS = 7, 15  # E.164 allows 15; fewer than 7 is a year, a price or a code

_RUN = re.compile(r"[+(\d][\d \t().\-/\u2010-\u2015]*")
_EXTENSION_ROOM = 12  # characters after a run where "x751" or " ext. 12" may follow
_MAX_RUN_DIGITS = 40  # longer runs are tables or ids; their cost would buy nothing
# Characters read at least on each side of a candidate for a sensitive number holding it: as
# many as the longest value the sensitive detector's patterns can match, so that any value that
# overlaps a candidate lies wholly within what is read around it. The longest is an IBAN of the
# longest country in SUSPICIOUS's loose form, up to two separators between its characters except
# within the country code and within the check digits ("RU 74..A..B..C..."): 34 characters and
# 2 * 31 separators, 96 in all. The next longest, cards split by separators, reach 73.
_SENSITIVE_ROOM = 3 * max(IBAN_LENGTHS.values()) - 6
_SENSITIVE_BLOCK = 1 << 16  # characters of a text read at once for sensitive numbers

_NOT_PHONES = re.compile(
    r"\d{4}([-/.])\d{1,2}\1\d{1,2}"  # ISO-style dates
    r"|\d{1,2}([-/.])\d{1,2}\2\d{2,4}"  # day/month/year
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # IPv4
    r"|\d{3}-\d{2}-\d{4}"  # US SSN
    r"|\d+[.,]\d+"  # decimals
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # thousands separated by commas
    r"|\d{1,3}(?:\.\d{3})+,\d{1,2}"  # a European price, "35.434,96"
    r"|\d{1,3}(?:[ ,.]000)+")  # round thousands
# The shapes of _NOT_PHONES within a longer row: "1998-06-28 14", "20|98.85.59.159".
_HOLDS_NON_PHONE = re.compile(
    r"(?<!\d)(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4}"
    r"|\d{1,3}(?:\.\d{1,3}){3}|\d{3}-\d{2}-\d{4})(?!\d)"
    r"|^(?:\d+[.,]\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+,\d{1,2}"
    r"|\d{1,3}(?:[ ,.]000)+)$")
# An id in hexadecimal ("0a4f4452229dfdf4", a uuid's groups): its letters are no words between
# digits (PARANOID).
_HEX_ID = re.compile(r"(?=[\w-]*[a-fA-F])[0-9a-fA-F]+(?:-[0-9a-fA-F]+)*")
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, CJK, kana.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u31ff"
                       r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# A date, then the time: "15.03.2024 10:45" reads as "15.03.2024 10".
_DATE_THEN_TIME = re.compile(r"(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4})\s")
# A number the words before it name as something else than a phone.
# A whole word: "David 555 123 4567" is a phone, "id 555 123 4567" is not.
_OTHER_NUMBER = re.compile(
    r"(?<![^\W\d_])"
    r"(?i:licen[cs]e|account|acct|order|invoice|tracking|serial|passport|policy|reference|ref|"
    r"customer|member|membership|transaction|confirmation|routing|iban|card|ssn|social\s+"
    r"security|vat|tax|id|isbn|case|ticket|booking|parcel|shipment|version|build|release|"
    r"firmware)"
    r"(?:\s+(?:number|no\.?|num|#|id|code))?\s*(?:is|was|:|#|=)?\s*$")
_DIGIT_WORDS = "zero|oh|one|two|three|four|five|six|seven|eight|nine"
_TOKEN = rf"(?:\d{{1,15}}(?!\d)|(?:{_DIGIT_WORDS})(?![^\W\d_]))"
_SEP = r"[ \t\-.,/()*_|+~#\\\[\]{}'\"]{0,3}"
_SPELLED = re.compile(rf"(?<![^\W\d_])(?<!\d){_TOKEN}(?:{_SEP}{_TOKEN}){{1,30}}", re.IGNORECASE)
_WORD = r"[^\W\d_]{1,12}(?![^\W\d_])"
_INTERLEAVED = re.compile(
    rf"(?<![^\W\d_])(?<!\d){_TOKEN}(?:{_SEP}(?:{_WORD}{_SEP}){{0,2}}{_TOKEN}){{1,30}}",
    re.IGNORECASE)
_NUMBER_TOKEN = re.compile(rf"\d+|(?<![^\W\d_])(?:{_DIGIT_WORDS})(?![^\W\d_])", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DIGIT = re.compile(r"\d")
_DIGIT_WORD_VOCABULARY = Vocabulary(words=_DIGIT_WORDS.split("|"))
_DIGIT_COUNT = re.compile(rf"\d|(?<![^\W\d_])(?:{_DIGIT_WORDS})(?![^\W\d_])", re.IGNORECASE)


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the phone numbers of `text` that `mode` detects, in order."""
    return find_tiers(text, mode, KIND, _TIERS)


def _not_sensitive(rule: Rule, checked: Mode) -> Rule:
    """Drop the spans of `rule` that overlap a sensitive number (module docstring).

    Each tier is checked against one fixed mode of the sensitive detector, so what a tier finds
    does not depend on the mode asked for, and a higher mode still finds all a lower one does.
    """
    def spans(text: str) -> Iterator[Span]:
        sensitive_spans = None  # most texts hold no candidate: nothing to set up
        for span in rule(text):
            if sensitive_spans is None:
                sensitive_spans = _SensitiveSpans(text, checked)
            if not sensitive_spans.overlap(span[0], span[1]):
                yield span
    return spans


class _SensitiveSpans:
    """The sensitive numbers and IBAN shapes of one text, read an area at a time as candidates
    ask, so that each value is read once (not once per candidate near it) and a long text's
    values are never all held at once.

    An area is `_SENSITIVE_BLOCK` characters from the first candidate it serves, with
    `2 * _SENSITIVE_ROOM` more on each side, cut at spaces so that no value is cut short. It
    serves each candidate whose window it holds: `_SENSITIVE_ROOM` characters on each side,
    then on to a space, what a window around the candidate alone would read; the first
    candidate it does not hold so starts the next area, which therefore holds that candidate's
    window whole whatever its length. Candidates come in order, so areas overlap by a
    candidate and its window at most.
    """

    def __init__(self, text: str, checked: Mode) -> None:
        self._text, self._checked = text, checked
        self._reach = (0, -1)  # no area read yet
        self._begins: list[int] = []
        self._ends: list[int] = []  # the largest end among the spans up to each begin

    def overlap(self, begin: int, end: int) -> bool:
        """Tell whether text[begin:end] overlaps a sensitive number or an IBAN shape."""
        if not self._holds(begin, end):
            self._read(begin, end)
        before = bisect.bisect_left(self._begins, end)  # the spans that begin before `end`
        return before > 0 and self._ends[before - 1] > begin

    def _holds(self, begin: int, end: int) -> bool:
        """Tell whether the area read holds the window around the candidate alone: the room on
        each side, then on to a space. An area's end may fall within a word, a value written
        with no space in it ("RU.74..A..B..."), so the room alone is not enough."""
        low, high = self._reach
        if high < 0:
            return False
        if begin - low >= 2 * _SENSITIVE_ROOM and high - end >= 2 * _SENSITIVE_ROOM:
            return True  # the widest window fits: no need to look for its spaces
        window_low, window_high = _cut_at_spaces(self._text, begin, end, _SENSITIVE_ROOM)
        return low <= window_low and window_high <= high

    def _read(self, begin: int, end: int) -> None:
        text = self._text
        low, high = _cut_at_spaces(text, begin, max(end, begin + _SENSITIVE_BLOCK),
                                   2 * _SENSITIVE_ROOM)
        part = text[low:high]
        spans = [(m.begin, m.end) for m in sensitive.find(part, self._checked)]
        spans += sensitive.iban_shapes(part)
        spans.sort()
        self._begins = [low + b for b, _ in spans]
        self._ends = list(itertools.accumulate((low + e for _, e in spans), max))
        self._reach = (low, high)


def _cut_at_spaces(text: str, begin: int, end: int, room: int) -> tuple[int, int]:
    """Widen text[begin:end] by `room` characters each side, then on to a space (at most `room`
    more) so that no value is cut short."""
    low = max(0, begin - room)
    high = min(len(text), end + room)
    while low > 0 and not text[low - 1].isspace() and begin - low < 2 * room:
        low -= 1
    while high < len(text) and not text[high].isspace() and high - end < 2 * room:
        high += 1
    return low, high


def _glued_to_letters(text: str, begin: int, end: int) -> bool:
    """Tell whether a number is part of a longer word: an id, a tracking or part number
    ("1Z999AA10123456784"), one group of a hyphenated id ("94984276-002b-4197-8949-003df748dec5"),
    or the digits of a longer run ("...-3460096277fd" read as "34600962")."""
    if text.startswith("+", begin):
        return False  # "звоните+79161234567сейчас": a "+" says phone
    before, after = text[max(0, begin - 2):begin], text[end:end + 2]
    return (_word_letter(before[-1:]) or after[:1].isdigit() or _word_letter(after[:1])
            or (len(before) == 2 and before[1] == "-" and before[0].isalnum())
            or (len(after) == 2 and after[0] == "-" and after[1].isalnum()))


def _word_letter(char: str) -> bool:
    """Tell whether a letter belongs to a word: Chinese, Japanese or Thai write no spaces, and a
    phone number touches their letters ("请拨打13800138000联系我")."""
    return char.isalpha() and not _UNSPACED.match(char)


def _normal(text: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> Iterator[Span]:
    for run in _RUN.finditer(text):
        digits = sum(ch.isdigit() for ch in run.group())
        if not MIN_DIGITS <= digits <= _MAX_RUN_DIGITS or _NOT_PHONES.fullmatch(
                run.group().strip(" \t()+-./")) or _named_otherwise(text, run.start()):
            continue
        begin = run.start()
        end = min(len(text), run.end() + _EXTENSION_ROOM)
        newline = text.find("\n", run.end(), end)
        yield from _library_matches(text, begin, end if newline < 0 else newline, regions)


def _library_matches(text: str, begin: int, end: int, regions: tuple[str, ...]) -> Iterator[Span]:
    window = text[begin:end]
    for region in regions:
        found = [m for m in phonenumbers.PhoneNumberMatcher(
            window, region, leniency=phonenumbers.Leniency.POSSIBLE) if _is_phone(m.raw_string)]
        if found:
            for match in found:
                start, stop = begin + match.start, begin + match.end
                if match.raw_string.startswith("(") and ")" not in match.raw_string:
                    start += 1  # "(0458 423 914)": the bracket holds the number, not its prefix
                if not (_inside_number(text, start) or _glued_to_letters(text, start, stop)):
                    yield start, stop, None
            return


def _inside_number(text: str, begin: int) -> bool:
    """Tell whether a match starts within a longer number ("3.14159265" -> "14159265")."""
    before = text[max(0, begin - 2):begin]
    return bool(before) and (before[-1].isdigit() or (len(before) == 2 and before[0].isdigit()
                                                      and before[1] in ".,"))


def _is_phone(raw: str) -> bool:
    """Apply the digit floor and the shapes that are not phones (module docstring)."""
    number = re.split(r"[^\d\s().\-/+\u2010-\u2015]", raw, maxsplit=1)[0]  # without extension
    digits = "".join(ch for ch in number if ch.isdigit())
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return False
    bare = number.strip(" ()+")
    if _NOT_PHONES.fullmatch(bare) or _DATE_THEN_TIME.match(bare) or _is_version(bare):
        return False
    # A card number has a network's prefix ("001-973-982-9059" passes Luhn, one number in ten
    # does); written with a country code ("+55 11 98184-2371") it is a phone whatever its digits.
    return number.lstrip("( ").startswith("+") or not card_number_valid(digits)


def _is_version(number: str) -> bool:
    """Tell whether dotted groups read as a version ("10.0.19045.3803"): four groups or more, one
    of them after the first a single digit; dotted phones group evenly ("01.94.74.11.21")."""
    groups = number.split(".")
    return (len(groups) >= 4 and all(g.isdigit() for g in groups)
            and any(len(g) == 1 for g in groups[1:]))


def _suspicious(text: str) -> Iterator[Span]:
    if _DIGIT.search(text) or _DIGIT_WORD_VOCABULARY.found_in(text):
        yield from _digit_rows(_SPELLED, text)


def _paranoid(text: str) -> Iterator[Span]:
    if _DIGIT.search(text) or _DIGIT_WORD_VOCABULARY.found_in(text):
        yield from _digit_rows(_INTERLEAVED, text)


def _digit_rows(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    interleaved = pattern is _INTERLEAVED
    for found in pattern.finditer(text):
        row = found.group()
        digits = len(_DIGIT_COUNT.findall(row))
        if not MIN_DIGITS <= digits <= MAX_DIGITS or _HOLDS_NON_PHONE.search(row):
            continue
        if _is_version(row) or (interleaved and _HEX_ID.fullmatch(row)):
            continue
        if _named_otherwise(text, found.start()):
            continue
        years = len(_YEAR.findall(row))
        if years >= (1 if interleaved else 2) or _after_currency(text, found.start()):
            continue
        if interleaved and len(_NUMBER_TOKEN.findall(row)) < 3:
            continue
        if _glued_to_letters(text, found.start(), found.end()):
            continue  # "12345678901X", "72ec531c-4609-4403-b559": an id
        yield found.start(), found.end(), None


def _named_otherwise(text: str, begin: int) -> bool:
    """Tell whether the words before a number say it is some other number ("licence number is")."""
    return bool(_OTHER_NUMBER.search(text, max(0, begin - 40), begin))


def _after_currency(text: str, begin: int) -> bool:
    before = text[max(0, begin - 2):begin].rstrip()
    return bool(before) and before[-1] in "$€£¥₹"


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_not_sensitive(_normal, Mode.NORMAL),),
    # The sensitive detector's PARANOID shapes are unchecked guesses: a phone stands against them.
    Mode.SUSPICIOUS: (_not_sensitive(_suspicious, Mode.SUSPICIOUS),),
    Mode.PARANOID: (_not_sensitive(_paranoid, Mode.SUSPICIOUS),),
}
