"""Sensitive numbers: `find(text, mode)`, each match with its `component`.

Components (document 001's names): `credit_debit_number`, `iban`, `ssn`, `ip_address`,
`password`. Checksums live in `checksums`.

- NORMAL: values in their usual written form that pass their check: card numbers of 13-19
  digits, plain or grouped by one space or hyphen in groups of 3 or more, with a card network
  prefix and a valid Luhn digit ("4242 4242 4242 4242"); IBANs in capitals, plain or in groups
  of four, of their country's length with mod-97 == 1; US SSNs written 123-45-6789 outside the
  never-issued ranges, or any 9 digits right after "SSN"/"social security number"; IPv4
  addresses (every part 0-255) and IPv6 addresses (checked by the standard library); passwords
  written out: the secret after "password:", "pw is", "pin = " ..., or a password glued to the
  word ("password1234", document 001). A dotted quad right after a version word ("version
  1.2.3.4", "firmware 10.0.0.1") is a version number, far more common in comments than an IP
  written that way, so NORMAL and SUSPICIOUS leave it to PARANOID.
- SUSPICIOUS: the same values disguised: card digits split by dots, underscores or spaces
  anywhere ("4 2 4 2 . 4 2 4 2 ..."); IBANs in lower case or split by hyphens and dots; SSNs split
  by spaces or dots ("531 21 7351"); IPv4 with written-out dots ("10[.]0[.]0[.]1", "10 dot 0 dot
  0 dot 1"); passwords after a longer cue ("my password for the wifi is hunter2") or with no
  separator ("password hunter2") when the secret has a digit or a symbol.
- PARANOID: the shapes without the checks: 16 digits in four groups of four that fail Luhn
  ("1234 5678 9012 3456"), Luhn-valid runs with no network prefix, IBAN-shaped strings whose
  checksum fails (still capitals and digits, half digits), version-cued dotted quads, and
  strong-looking tokens with no cue at all ("Tr0ub4dor&3": ASCII, letters in both cases, a
  digit and a punctuation mark, 8 characters or more, no hashtag in it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from .checksums import IBAN_LENGTHS, card_number_valid, iban_valid, luhn_valid, ssn_valid
from .match import Match, Mode, Rule, Span, find_tiers, merge_spans
from .vocabulary import Vocabulary

KIND = "sensitive"
CARD, IBAN, SSN, IP, PASSWORD = "credit_debit_number", "iban", "ssn", "ip_address", "password"

# Each pattern starts with its first character class, its boundary checked right after: the
# regex engine then skips ahead to candidate characters instead of trying every position.
# A card number is a whole run of digit groups: it starts where the run starts (not after a
# digit and a separator) and it is taken whole (possessive: a run of more than 19 digits is no
# card, and giving digits back could not make it one), so each run is read once. A run after
# "+" is a phone number (its country code, then the rest), not a card.
_CARD_NORMAL = re.compile(r"\d(?<![\w+-]\d)(?<!\d[ -]\d)(?:[ -]?\d){12,18}+(?![\w-]|[ -]\d)")
_CARD_SPLIT = re.compile(r"\d(?<![\w.+-]\d)(?<!\d[ .\-_/|*]\d)(?:[ .\-_/|*]{0,3}\d){12,18}+"
                         r"(?![\w-]|[ .\-_/|*]{1,3}\d)")
_CARD_GROUPS = re.compile(r"\d(?<![\w+-]\d)\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?![\w-])")

_IBAN_NORMAL = re.compile(
    r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?!\w)")
_IBAN_LOOSE = re.compile(
    r"[A-Za-z](?<!\w[A-Za-z])[A-Za-z][ .-]{0,2}\d{2}(?:[ .-]{0,2}[A-Za-z0-9]){10,30}")

_SSN_DASHED = re.compile(r"(?=\d)(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
_SSN_CUED = re.compile(
    r"(?<![^\W\d_])(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\W{0,5}(?:is\W{0,3})?"
    r"(?P<n>(\d{3})[ .-]?(\d{2})[ .-]?(\d{4}))(?!\d)", re.IGNORECASE)
_SSN_SPLIT = re.compile(r"(?=\d)(?<![\w.-])(\d{3})[ ._/]{1,3}(\d{2})[ ._/]{1,3}(\d{4})(?![\w-])")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?=\d)(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?![\w]|\.\d)")
_IPV4_WRITTEN = re.compile(
    rf"(?=\d)(?<![\w.]){_OCTET}(?:(?:\s{{0,2}}(?:\[\.\]|\(\.\)|\[dot\]|\(dot\)|\{{dot\}})\s{{0,2}}"
    rf"|\s{{1,2}}dot\s{{1,2}}|\s{{1,2}}\.\s{{0,2}}|\.\s{{1,2}}){_OCTET}){{3}}(?![\w]|\.\d)",
    re.IGNORECASE)
_IPV6 = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:.]*::?[0-9A-Fa-f])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]"
                   r"{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])")
_VERSION_CUE = re.compile(
    r"\b(?:v|version|ver\.?|release|build|firmware|update|rev\.?|python|node|java|chrome|ios|"
    r"android|kernel|linux|windows|api)\s*$", re.IGNORECASE)

_CUE = (r"(?:pass(?:word|wd|wort|code|phrase)|pwd?|pins?(?:\s?code)?|pass|mot\s+de\s+passe|"
        r"contrase[nñ]a|senha|wachtwoord|l[oö]senord|kodeord|adgangskode)")
_SECRET = r"(?P<value>[^\s\"'“”‘’<>]{1,64})"
_PASSWORD_NORMAL = re.compile(
    rf"(?<![^\W\d_]){_CUE}(?P<sep>\s*(?:[:=]|->|=>)\s*|\s+(?:is|was|=)\s*:?\s*){_SECRET}",
    re.IGNORECASE)
_PASSWORD_GLUED = re.compile(r"(?<![^\W\d_])(?:passw(?:or|0r)d|passwd|pwd|pass)\d[\w!@#$%^&*.-]*",
                             re.IGNORECASE)
_PASSWORD_LONG_CUE = re.compile(
    rf"(?<![^\W\d_]){_CUE}(?:\s+[^\W\d_]{{1,12}}){{1,4}}?\s*(?:\s(?:is|was)|[:=])\s*:?\s*{_SECRET}",
    re.IGNORECASE)
# Without a separator, "pass" and "pin" are too often verbs ("pass 123 cars") to be a cue.
_PASSWORD_BARE_CUE = re.compile(
    rf"(?<![^\W\d_])(?:pass(?:word|wd|wort|code|phrase)|pwd?)\s+{_SECRET}", re.IGNORECASE)
_PASSWORD_SYMBOL = re.compile(r"[!-/:-@\[-`{-~]")
_HASHTAG = re.compile(r"#\w")
_STRONG_TOKEN = re.compile(r"(?<!\S)[^\s@/]{8,64}(?!\S)")
_NOT_SECRETS = frozenset("""
    a an the my your his her our their its this that it is was be been being not no so too very
    wrong incorrect correct invalid valid expired weak strong same different required needed
    case sensitive changed change reset forgotten forgot lost stolen saved stored hidden
    protected secure safe long short simple easy hard complicated empty blank missing here there
    below above in on at for of to what which still now just only also always never will should
    must can could would manager managers reset. protection policy field box hint incorrect.
    please correct. changed. required. and or but if when then please thanks
""".split())
_TRAILING = ".,;:)]}'\"!?"
_DIGIT = re.compile(r"\d")
_PASSWORD_WORDS = Vocabulary(
    words=["pw", "pwd", "pin", "pins", "senha", "wachtwoord", "lösenord", "losenord", "kodeord",
           "adgangskode", "mot de passe"],
    stems=["pass", "contrase"])
_SSN_WORDS = Vocabulary(words=["ssn", "social security"])


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the sensitive numbers of `text` that `mode` detects, in order, with components."""
    return find_tiers(text, mode, KIND, _TIERS)


def iban_shapes(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of IBANs as NORMAL writes them, whatever their checksum: a mistyped IBAN
    is still no phone number (the phone detector asks)."""
    for begin, end, _ in _ibans(_IBAN_NORMAL, text, strict=False):
        yield begin, end


def _normal(text: str) -> Iterator[Span]:
    rules = []
    digits = _DIGIT.search(text) is not None
    if _PASSWORD_WORDS.found_in(text):
        rules.append(_passwords(_PASSWORD_NORMAL, text))
        if digits:  # a glued password has a digit right after its cue
            rules.append(_glued_passwords(text))
    if digits:
        rules += [_cards(_CARD_NORMAL, text), _ibans(_IBAN_NORMAL, text, strict=True),
                  _ssns(_SSN_DASHED, text), _ipv4(_IPV4, text, versions=False)]
        if _SSN_WORDS.found_in(text):
            rules.append(_cued_ssns(text))
        if ":" in text:
            rules.append(_ipv6(text))
    yield from merge_spans(*rules)


def _suspicious(text: str) -> Iterator[Span]:
    rules = []
    if _PASSWORD_WORDS.found_in(text):
        rules += [_passwords(_PASSWORD_LONG_CUE, text),
                  _passwords(_PASSWORD_BARE_CUE, text, password_like=True)]
    if _DIGIT.search(text):
        rules += [_cards(_CARD_SPLIT, text), _ibans(_IBAN_LOOSE, text, strict=True),
                  _ssns(_SSN_SPLIT, text), _ipv4(_IPV4_WRITTEN, text, versions=False)]
    yield from merge_spans(*rules)


def _paranoid(text: str) -> Iterator[Span]:
    rules = [_strong_tokens(text)]
    if _DIGIT.search(text):
        rules += [_card_shapes(text), _ibans(_IBAN_LOOSE, text, strict=False),
                  _ipv4(_IPV4, text, versions=True)]
    yield from merge_spans(*rules)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _cards(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        if pattern is _CARD_NORMAL and not _grouped_like_a_card(found.group()):
            continue
        if card_number_valid(_digits(found.group())):
            yield found.start(), found.end(), CARD


def _grouped_like_a_card(number: str) -> bool:
    """One separator character throughout, in groups of three digits or more."""
    separators = set(re.findall(r"[ -]", number))
    return len(separators) <= 1 and all(len(g) >= 3 for g in re.split(r"[ -]", number))


def _card_shapes(text: str) -> Iterator[Span]:
    for found in _CARD_GROUPS.finditer(text):
        yield found.start(), found.end(), CARD
    for found in _CARD_NORMAL.finditer(text):
        digits = _digits(found.group())
        if _grouped_like_a_card(found.group()) and luhn_valid(digits) and len(digits) >= 15:
            yield found.start(), found.end(), CARD


def _ibans(pattern: re.Pattern[str], text: str, strict: bool) -> Iterator[Span]:
    for found in pattern.finditer(text):
        span = _iban_span(text, found.start(), found.end(), strict)
        if span:
            yield span[0], span[1], IBAN


def _iban_span(text: str, begin: int, end: int, strict: bool) -> tuple[int, int] | None:
    """Cut a candidate at its country's IBAN length; check mod-97 when `strict`."""
    length = IBAN_LENGTHS.get(text[begin:begin + 2].upper())
    if length is None:
        return None
    compact: list[str] = []
    for index in range(begin, end):
        if text[index].isalnum():
            compact.append(text[index])
            if len(compact) == length:
                if index + 1 < len(text) and text[index + 1].isalnum():
                    return None  # the value runs on: not an IBAN of this country
                iban = "".join(compact)
                if iban_valid(iban) or (not strict and _iban_shaped(iban)):
                    return begin, index + 1
                return None
    return None


def _iban_shaped(iban: str) -> bool:
    """Check digits, then only digits and capitals, half of them digits at least: "Pt 51.1
    Barometer 29.997" has a country code and digits but words in it."""
    rest = iban[4:]
    return (iban[2:4].isdigit() and all(ch.isdigit() or ch.isupper() for ch in rest)
            and sum(ch.isdigit() for ch in rest) * 2 >= len(rest))


def _ssns(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        if ssn_valid(*found.groups()[-3:]):
            yield found.start(), found.end(), SSN


def _cued_ssns(text: str) -> Iterator[Span]:
    for found in _SSN_CUED.finditer(text):
        if ssn_valid(*found.groups()[-3:]):
            yield found.start("n"), found.end("n"), SSN


def _ipv4(pattern: re.Pattern[str], text: str, versions: bool) -> Iterator[Span]:
    for found in pattern.finditer(text):
        cued = bool(_VERSION_CUE.search(text, max(0, found.start() - 12), found.start()))
        if cued == versions:
            yield found.start(), found.end(), IP


def _ipv6(text: str) -> Iterator[Span]:
    for found in _IPV6.finditer(text):
        value = found.group()
        groups = [g for g in re.split(r"[:.]", value) if g]
        if len(groups) < 2 or sum(map(len, groups)) < 4:
            continue  # "::1", "a::b": too little to be anyone's address
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        yield found.start(), found.end(), IP


def _passwords(pattern: re.Pattern[str], text: str, password_like: bool = False) -> Iterator[Span]:
    for found in pattern.finditer(text):
        begin, end = found.span("value")
        while end > begin and text[end - 1] in _TRAILING:
            end -= 1
        value = text[begin:end]
        if _is_secret(value, password_like):
            yield begin, end, PASSWORD


def _is_secret(value: str, password_like: bool) -> bool:
    if len(value) < 3 or value.lower() in _NOT_SECRETS or set(value) <= set("*•●x·."):
        return False
    if password_like:
        return any(ch.isdigit() for ch in value) or any(not ch.isalnum() for ch in value)
    return True


def _glued_passwords(text: str) -> Iterator[Span]:
    for found in _PASSWORD_GLUED.finditer(text):
        end = found.end()
        while end > found.start() and text[end - 1] in _TRAILING:
            end -= 1
        yield found.start(), end, PASSWORD


def _strong_tokens(text: str) -> Iterator[Span]:
    for found in _STRONG_TOKEN.finditer(text):
        token = found.group().rstrip(_TRAILING)
        if (any(ch.islower() for ch in token) and any(ch.isupper() for ch in token)
                and any(ch.isdigit() for ch in token) and _PASSWORD_SYMBOL.search(token)
                and len(token) >= 8 and token.isascii() and "://" not in token
                and not _HASHTAG.search(token)):
            yield found.start(), found.start() + len(token), PASSWORD


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_normal,),
    Mode.SUSPICIOUS: (_suspicious,),
    Mode.PARANOID: (_paranoid,),
}
