"""URLs: `find(text, mode)`.

- NORMAL: what cannot be anything but a link: a scheme ("http://anonymous.com", "ftp://...") or
  "www." before a domain with a real top-level domain.
- SUSPICIOUS: a bare domain, "anonymous.com", "shop.example.co.uk/sale" (document 001: bare
  domains are SUSPICIOUS, not NORMAL), and defanged schemes ("hxxp://", "h**ps://"). The domain
  must end in a real TLD, which keeps "e.g.", "Dr. Smith", "1.2.3.4" and "photo.jpg" out; a
  Capitalised last label is a missing space after a full stop ("home.It was"), and a
  file-extension TLD alone ("README.md", "setup.py") is a file name: both are left to PARANOID.
  A name followed by "@" is an email's, and a domain after "@" is an email's too.
- PARANOID: dots written out, "anonymous(dot)com", "anonymous [.] com", "anonymous dot com",
  "anonymous . com" (document 001); bare domains SUSPICIOUS leaves out. "a dot com bubble" is
  English, so the label before a plain " dot " may not be an article or a determiner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .domains import (
    BRACKETED_DOT,
    FILE_EXTENSIONS,
    FILE_LIKE_TLDS,
    LABEL,
    SPACED_DOT,
    WORD_DOT,
    is_tld,
)
from .match import Match, Mode, Rule, Span, find_tiers, merge_spans
from .vocabulary import Vocabulary

KIND = "url"

_TAIL = r"[^\s<>\"'`]{0,2048}"
_START = r"(?<![\w.@/-])"
_SCHEME = re.compile(rf"{_START}(?:https?|ftps?|sftp)://[^\s<>\"'`/?#]{{1,255}}(?:[/?#]{_TAIL})?",
                     re.IGNORECASE)
_WWW = re.compile(rf"{_START}www\.(?P<host>{LABEL}(?:\.{LABEL}){{1,8}})(?::\d{{1,5}})?"
                  rf"(?P<path>[/?#]{_TAIL})?", re.IGNORECASE)
_DEFANGED = re.compile(
    rf"{_START}h(?:xx|XX|\*\*|__|tt)ps?\s?(?:\[:\]|:)\s?//\s?[^\s<>\"'`/?#]{{1,255}}"
    rf"(?:[/?#]{_TAIL})?")
_BARE = re.compile(rf"{_START}(?P<host>{LABEL}(?:\.{LABEL}){{1,9}})(?P<port>:\d{{2,5}})?"
                   rf"(?P<path>/{_TAIL})?(?![\w@-])")
_OBFUSCATED_DOT = rf"(?:{BRACKETED_DOT}|{WORD_DOT}|{SPACED_DOT})"
_WRITTEN_OUT = re.compile(
    rf"{_START}(?P<host>{LABEL}(?:(?:\.|{_OBFUSCATED_DOT}){LABEL}){{0,8}}{_OBFUSCATED_DOT}"
    rf"(?P<tld>{LABEL}))(?![\w@])",
    re.IGNORECASE)
_HOST_LABEL = re.compile(LABEL)
_PLAIN_WORD_DOT = re.compile(WORD_DOT, re.IGNORECASE)

# Words that read "X dot com" as English ("a dot com company", "the dot com bubble").
_STOP_LABELS = frozenset("""
    a an the this that these those my your his her our their its one each every no any some
    small little big tiny red blue black white green yellow polka single final
""".split())
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_DOT_LETTER = re.compile(r"\.[^\W_]")
_WRITTEN_DOTS = Vocabulary(words=["dot"], anywhere=[" .", "[.", "(.", "{.", "<.", "|."])


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the URLs of `text` that `mode` detects, in order."""
    return find_tiers(text, mode, KIND, _TIERS)


def _normal(text: str) -> Iterator[Span]:
    if "://" in text:
        yield from _trimmed(_SCHEME, text)
    if "www." in text or "WWW." in text or "Www." in text:
        for found in _WWW.finditer(text):
            if is_tld(found.group("host").rsplit(".", 1)[-1]):
                yield found.start(), _trim(text, found.start(), found.end()), None


def _suspicious(text: str) -> Iterator[Span]:
    rules = [_bare(text, strict=True)]
    if "//" in text:
        rules.append(_trimmed(_DEFANGED, text))
    yield from merge_spans(*rules)


def _paranoid(text: str) -> Iterator[Span]:
    rules = [_bare(text, strict=False)]
    if _WRITTEN_DOTS.found_in(text):
        rules.append(_written_out(text))
    yield from merge_spans(*rules)


def _trimmed(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        end = _trim(text, found.start(), found.end())
        if end > found.start():
            yield found.start(), end, None


def _bare(text: str, strict: bool) -> Iterator[Span]:
    """Yield bare domains ("anonymous.com", "example.co.uk/path") whose last label is a TLD."""
    if not _DOT_LETTER.search(text):
        return
    for found in _BARE.finditer(text):
        tld = found.group("host").rsplit(".", 1)[-1]
        if not is_tld(tld) or (_left_for_paranoid(tld, found) if strict else _is_file(found)):
            continue
        yield found.start(), _trim(text, found.start(), found.end()), None


def _left_for_paranoid(tld: str, found: re.Match[str]) -> bool:
    capitalised = tld[:1].isupper() and not tld.isupper()
    file_like = tld.lower() in FILE_LIKE_TLDS and not found.group("path")
    return capitalised or file_like


def _is_file(found: re.Match[str]) -> bool:
    host = found.group("host")
    return host.count(".") == 1 and host.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS


def _written_out(text: str) -> Iterator[Span]:
    """Yield domains with at least one written-out dot ending in a TLD: "anonymous(dot)com"."""
    for found in _WRITTEN_OUT.finditer(text):
        tld = found.group("tld")
        if not is_tld(tld) or (tld[:1].isupper() and not tld.isupper()):
            continue
        first = _HOST_LABEL.match(text, found.start())
        if first and first.group().lower() in _STOP_LABELS and _PLAIN_WORD_DOT.match(
                text, first.end()):
            continue
        yield found.start(), found.end(), None


def _trim(text: str, begin: int, end: int) -> int:
    """Drop trailing punctuation that ends the sentence rather than the URL.

    A closing bracket stays when the URL opened it ("wiki/Foo_(bar)").
    """
    while end > begin:
        last = text[end - 1]
        if last in ".,;:!?'\"":
            end -= 1
        elif last in _CLOSERS and text.count(_CLOSERS[last], begin, end) < text.count(
                last, begin, end):
            end -= 1
        else:
            break
    return end


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_normal,),
    Mode.SUSPICIOUS: (_suspicious,),
    Mode.PARANOID: (_paranoid,),
}
