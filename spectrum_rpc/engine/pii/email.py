"""Email addresses: `find(text, mode)`.

- NORMAL: `local@domain.tld` with a real top-level domain. The TLD check is what keeps
  "icon@2x.png" and "a@b.c" out.
- SUSPICIOUS: the `@` or the dots written out to slip past a filter: "example at gmail dot com",
  "mr_robot[at]gmail|DOT|com", "john (at) mail [dot] co [dot] uk", "jane @ yahoo . com". A plain
  " at " is also how English says where someone is ("I'm at home", "we met at noon. It was"), so
  with a plain " at " the local part may not be a common word ("me", "are", "met", ...), and a
  domain written with ordinary dots must be a known email provider ("john at gmail.com") or follow
  a handle-like local part ("mr_robot at site.com"); "we are at google.com" is a url, not an email.
  A dot followed by a space and a Capitalised word is a sentence break ("at eight. No"), not a
  domain.
- PARANOID: the provider named in words, "example at that google email domain", "john at gmail";
  any alphabetic last label instead of a real TLD ("john@corp.internal") except a file extension
  ("icon@2x.png" is an image name); a plain " at " before
  an ordinary domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .domains import BRACKETED_DOT, FILE_EXTENSIONS, LABEL, SPACED_DOT, WORD_DOT, is_tld
from .match import Match, Mode, Rule, Span, find_tiers, merge_spans
from .vocabulary import Vocabulary

KIND = "email"

_LOCAL_CHAR = r"[\w%+-]"
_LOCAL = rf"{_LOCAL_CHAR}{{1,64}}(?:\.{_LOCAL_CHAR}{{1,64}}){{0,8}}"
_LOCAL_START = r"(?<![\w%+.@-])"
# Written with its "@", a local part may hold an apostrophe between letters, as Irish and Italian
# names do ("adrian.o'sullivan@", RFC 5322 allows it); a quote around the address stays out.
_LOCAL_NORMAL = rf"{_LOCAL_CHAR}{{1,64}}(?:[.']{_LOCAL_CHAR}{{1,64}}){{0,8}}"

_NORMAL = re.compile(
    rf"{_LOCAL_START}(?<!\w')(?P<local>{_LOCAL_NORMAL})"
    rf"@(?P<domain>{LABEL}(?:\.{LABEL}){{1,9}})(?![\w@])")

# The "@" in disguise. Plain forms (" at ", " @ ") are told apart from bracketed ones afterwards.
_AT = (r"(?P<at>\s{0,3}(?:[\[({<|]\s{0,2}(?:at|@)\s{0,2}[\])}>|]|\*at\*|-at-|_at_|＠)\s{0,3}"
       r"|\s{1,3}(?:at|@)\s{1,3}|\s{1,3}@|@\s{1,3}|@)")
_DOT = rf"(?:{BRACKETED_DOT}|{WORD_DOT}|{SPACED_DOT}|\.)"
_SUSPICIOUS = re.compile(
    rf"{_LOCAL_START}(?P<local>{_LOCAL}(?:{_DOT}{_LOCAL}){{0,3}}){_AT}"
    rf"(?P<domain>{LABEL}(?:{_DOT}{LABEL}){{1,9}})(?![\w@])",
    re.IGNORECASE)
_DOMAIN_LABEL = re.compile(LABEL)
_PLAIN_AT = re.compile(r"\s+(?:at|@)\s+|\s+@|@\s+", re.IGNORECASE)

_MAIL_PROVIDERS = ("gmail|googlemail|hotmail|outlook|yahoo|ymail|icloud|protonmail|proton\\.me|"
                   "aol|gmx|yandex|zoho|fastmail|tutanota|mail\\.ru|web\\.de|qq|163")
_COMPANIES = "google|microsoft|apple|proton|yahoo|facebook|meta|amazon|tuta"
_PROVIDER_PHRASE = re.compile(
    rf"{_LOCAL_START}(?P<local>{_LOCAL})\s{{1,3}}(?:at|@)\s{{1,3}}"
    r"(?:(?:that|the|this|my|a|an|their|his|her|our|your|good\s+old|usual|same|old|famous)\s+){0,2}"
    rf"(?:(?:{_MAIL_PROVIDERS})(?:\s+e-?mail|\s+mail)?|(?:{_COMPANIES})\s+(?:e-?mail|mail))"
    r"(?:\s+(?:domain|address|account|service|provider|thing|one|inbox))?"
    r"(?:\s+(?:dot\s+)?com)?(?![\w@])",
    re.IGNORECASE)

# With a plain " at ", these words before it are English, not a mailbox name.
_STOP_LOCAL = frozenset("""
    a all am an and any are arrive arrived arrives as at back be been being best both but by can
    come comes coming could did do does done eat eating eight even ever every for from get gets go
    goes going gone good got great had has have he her here him his home how i i'm im is it it's
    its just last laugh laughing laughed leave left live lived lives living look looked looking
    looks me meet meeting met more most much my need no not now of off on once one only or our
    out over people said see seen she shot should show so some start started stay stayed staying
    still stop stopped such than that the their them then there these they this those time to
    too up us very was we we're well were what when where which while who why will with work
    worked working works would yes yet you you're your
""".split())
_HANDLE_LIKE = re.compile(r"[\d_.]")
_AT_WORDS = Vocabulary(words=["at"], anywhere=["@", "＠"])


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the email addresses of `text` that `mode` detects, in order."""
    return find_tiers(text, mode, KIND, _TIERS)


def _normal(text: str) -> Iterator[Span]:
    if "@" not in text:
        return
    for found in _NORMAL.finditer(text):
        end = _tld_end(text, found.start("domain"), found.end("domain"), strict=True)
        if end:
            yield found.start(), end, None


def _suspicious(text: str) -> Iterator[Span]:
    if _AT_WORDS.found_in(text):
        yield from _disguised(text, strict=True)


def _paranoid(text: str) -> Iterator[Span]:
    if _AT_WORDS.found_in(text):
        yield from merge_spans(_disguised(text, strict=False), _provider_phrases(text))


def _disguised(text: str, strict: bool) -> Iterator[Span]:
    for found in _SUSPICIOUS.finditer(text):
        end = _tld_end(text, found.start("domain"), found.end("domain"), strict)
        if end and (not strict or _plausible(text, found, end)) and _not_english(found):
            yield found.start(), end, None


def _provider_phrases(text: str) -> Iterator[Span]:
    for found in _PROVIDER_PHRASE.finditer(text):
        if found.group("local").lower() not in _STOP_LOCAL:
            yield found.start(), found.end(), None


def _tld_end(text: str, begin: int, end: int, strict: bool) -> int:
    """Return where the domain ends at its last top-level label, or 0 if it has none.

    The regex takes the longest run of labels ("gmail dot com dot Thanks"); the address ends at
    the last label that can be a TLD, with at least one label before it.
    """
    labels = [m.span() for m in _DOMAIN_LABEL.finditer(text, begin, end)]
    for index in range(len(labels) - 1, 0, -1):
        label = text[labels[index][0]:labels[index][1]]
        if not (is_tld(label) if strict else _alphabetic_suffix(label)):
            continue
        if not _sentence_break(text, labels[index - 1][1], labels[index][0], label):
            return labels[index][1]
    return 0


def _alphabetic_suffix(label: str) -> bool:
    """Tell whether a last label could be an unlisted TLD: letters, and no file extension."""
    return label.isalpha() and len(label) >= 2 and label.lower() not in FILE_EXTENSIONS


def _sentence_break(text: str, gap_begin: int, gap_end: int, label: str) -> bool:
    """Tell whether a "word. Word" gap before `label` is a full stop, not a spaced-out dot."""
    gap = text[gap_begin:gap_end]
    return gap.strip() == "." and gap != "." and label[:1].isupper() and not label.isupper()


def _plausible(text: str, found: re.Match[str], end: int) -> bool:
    """Apply the plain-" at " rules of the module docstring to a SUSPICIOUS candidate."""
    if not _PLAIN_AT.fullmatch(found.group("at")):
        return True
    domain = text[found.start("domain"):end]
    if "." not in domain.replace(" ", ""):
        return True  # the dots are written out too: "example at gmail dot com"
    bare = re.sub(r"\s+", "", domain).lower()
    return bool(_HANDLE_LIKE.search(found.group("local"))
                or re.match(rf"(?:{_MAIL_PROVIDERS})\.", bare))


def _not_english(found: re.Match[str]) -> bool:
    """Reject a common word before a plain " at " ("I'm at home dot com" is not a mailbox)."""
    if not _PLAIN_AT.fullmatch(found.group("at")):
        return True
    return found.group("local").lower() not in _STOP_LOCAL


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_normal,),
    Mode.SUSPICIOUS: (_suspicious,),
    Mode.PARANOID: (_paranoid,),
}
