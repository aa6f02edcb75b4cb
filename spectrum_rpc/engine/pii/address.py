"""Postal addresses: `find(text, mode)`.

Our own rules, chosen over `usaddress` and `pyap` by measurement (docs/BENCHMARKS.md, "Personal
data"): usaddress labels every token of a string it is told is an address, so in free text it
needs a detector in front of it; pyap finds only complete US/Canadian/British addresses and none
of the European or partial ones comments are full of.

- NORMAL: a street with a house number, in either order: "767 5th Ave" (number, name, type)
  and "Diagon Alley 123", "Nassaustraat 123", "Via Roma 12" (name, number), the street type
  being a word ("Road", "Alley"), an abbreviation ("Ave", "Rd", "St."), a Romance prefix ("Rue",
  "Via", "Calle") or a Germanic/Nordic ending ("-straat", "-gasse", "-vej"); a named street of
  capitalised words before an unabbreviated type, "Abbey Road" (document 001); what follows the
  street on the same address: a unit ("Apt. 018", "Suite 446"), then city, state or region,
  country and postcode, as long as it ends with a postcode ("767 5th Ave, New York, NY 10153");
  a postcode after "ZIP:"/"postcode"; a British postcode ("SW1A 1AA").
- SUSPICIOUS: after words that announce an address ("his address:", "lives at", "return to",
  "corner of"): a named street in lower case ("they live on abbey road"), or a house number and
  a name in any language with no street type ("lives at 87 Jakobi 69", "46 velký průhon 426");
  a Germanic compound street name on its own ("Ziegelgasse"); a flat or suite number on its own
  ("Apt. 018"). The tail of an address may also end with a country ("..., Monte Gil, Canada").
- PARANOID: anything after such words up to the end of the clause, and
  capitalised names before the suffixes that are also ordinary words ("Hiding Place", "Notting
  Hill", "Kings Cross").
Abbreviated types ("St", "Dr", "Pl") need a house number: "St Louis" and "Dr Smith" are not streets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .countries import COUNTRIES
from .match import Match, Mode, Rule, Span, find_tiers, merge_spans
from .vocabulary import Vocabulary

KIND = "address"

_TYPES = (r"Street|Avenue|Road|Boulevard|Lane|Drive|Terrace|Alley|Highway|Parkway|"
          r"Crescent|Square|Plaza|Trail|Circle|Expressway|Freeway|Turnpike|Esplanade|Promenade|"
          r"Embankment|Quay|Wharf|Mews|Gardens")
# Also ordinary words or institutions ("Hiding Place", "Supreme Court"): PARANOID alone.
_WEAK_TYPES = (r"Place|Way|Hill|Green|Row|Close|Walk|Grove|Rise|Park|Cross|Gate|Path|Loop|Pass|"
               r"Court")
_ABBREVIATIONS = (r"St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Ter|Hwy|Pkwy|Cir|Cres|Trl|Str|Pde|Cl"
                  r"|Gdns|Esp")
_ENDING_WORDS = ("straat", "strasse", "straße", "gasse", "weg", "laan", "plein", "gracht", "allee",
                 "vej", "gade", "gatan", "vägen", "vagen", "katu", "tie", "utca", "útja", "ulica",
                 "steig", "damm", "ufer", "markt", "platz", "dijk", "kade", "singel", "stræde",
                 "veien", "gata")
_ENDINGS = "|".join(_ENDING_WORDS)
_PREFIXES = (r"Rue|Rua|Via|Viale|Calle|Avenida|Avinguda|Boulevard|Chemin|Piazza|Plaza|Praça|"
             r"Largo|Travessa|Strada|Ulica|Ul\.|Carrer|Paseo|Camino|Place|Platz|Allée|Corso|"
             r"Πλατεία|Οδός|ulica|rue|via|calle|avenida|rua|plaza|piazza")
_PARTICLE = r"(?:(?:de|du|des|del|de la|da|do|dos|das|della|di|la|le|les|von|van|der|den)\s+)"

# A capitalised (or all-caps, or non-Latin) word; a full stop ends one only as an abbreviation
# ("St.", "N."), so "Conservatives. The Ontario Court" is not one name.
_CAP = r"(?:[^\W\d_a-z](?:[\w'’-]{0,24}|[\w'’-]{0,2}\.))"
_ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th))"
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)"
_NUMBER = r"(?:\d{1,5}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?)"
_HOUSE = rf"(?:{_NUMBER}(?:\s+{_NUMBER})?)"
_WORD = r"(?:[^\W\d_][\w'’.-]{0,24})"

# The street alone, in its three shapes.
_NUMBER_FIRST = (rf"{_HOUSE},?\s+{_DIRECTION}?(?:(?:(?:{_CAP}|{_ORDINAL})\s+){{1,4}}?"
                 rf"(?:{_TYPES}|{_WEAK_TYPES}|{_ABBREVIATIONS})\b\.?"
                 rf"|(?:{_CAP}\s+){{0,3}}{_CAP}(?i:{_ENDINGS})(?!\w)(?:\s+{_NUMBER}\b)?)")
_NUMBER_FIRST_LOWER = (rf"{_HOUSE},?\s+(?:{_WORD}\s+){{1,3}}?"
                       rf"(?i:{_TYPES}|{_WEAK_TYPES}|{_ABBREVIATIONS})\b\.?"
                       r"(?=\s*(?:[,.;\n]|$|\d|(?i:apt|apartment|suite|unit|flat|floor)\b))")
_NAME_FIRST = (rf"(?:{_CAP}\s+){{0,3}}(?:{_CAP}(?i:{_ENDINGS})"
               rf"|(?:{_CAP}\s+)(?:{_TYPES}|{_WEAK_TYPES}))\s+{_NUMBER}\b")
_PREFIX_FIRST = (rf"(?:{_HOUSE},?\s+)?(?:{_PREFIXES})\s+{_PARTICLE}?(?:{_WORD}\s+){{0,3}}?{_WORD}"
                 rf"(?:,?\s+{_NUMBER}\b|(?=\s*[,\n]))")
_NAMED = rf"(?<![\w-]){_CAP}(?:\s+{_CAP}){{0,2}}\s+(?:{_TYPES})\b"

# What may follow a street within the same address.
_UNIT = r"(?:[,\s]{1,3}(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|#)\.?\s?#?[\w-]{1,6})"
_ZIP = r"(?:\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})"
# Atomic groups: a place name is taken whole, so a tail that ends without a postcode fails fast
# instead of trying every way of splitting "New York City" into places.
_COUNTRY = "|".join(re.escape(name) for name in sorted(COUNTRIES, key=len, reverse=True))
_PLACE_WORD = rf"(?!(?i:{_COUNTRY})\b){_CAP}"
_PLACE = rf"(?>{_PLACE_WORD}(?:[ -]{_PLACE_WORD}){{0,3}})"
_SEP = r"(?>\s*,\s*|\s*\n\s*,?\s*|\s+)"
_TAIL = (rf"(?:{_SEP}(?:{_PLACE}{_SEP}){{0,3}}"
         rf"(?:(?:[A-Z]{{2,3}}\s+)?{_ZIP}|(?i:{_COUNTRY})(?:\s+{_ZIP})?)(?!\w))")

_STREET = re.compile(
    rf"(?<![\w-])(?:{_NUMBER_FIRST}|{_NUMBER_FIRST_LOWER}|{_NAME_FIRST}|{_PREFIX_FIRST})"
    rf"{_UNIT}?{_TAIL}?")
_NAMED_STREET = re.compile(rf"{_NAMED}{_UNIT}?{_TAIL}?")
_CUED_ZIP = re.compile(r"(?<![^\W\d_])(?i:zip(?:\s?code)?|postcode|postal\s+code|plz)\s*[:#]?\s*"
                       r"(?P<zip>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4})(?!\w)")
_UK_POSTCODE = re.compile(r"[A-Z](?<![\w-][A-Z])[A-Z]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])")

# Words that announce an address ("his address:", "lives at", "return to", "corner of").
_CUE = (r"(?i:(?:(?:my|our|his|her|their|your|the|new|home|billing|shipping|mailing|postal)\s+)?"
        r"address(?:es)?(?:\s+(?:is|was|are|to|with))?\s*[:?]?(?:\s*(?:it\s+is|it's|here\s+"
        r"(?:it\s+is|they\s+are)))?\s*:?|live[sd]?\s+(?:at|on|in)|living\s+(?:at|on|in)|"
        r"located\s+(?:at|on|in)|stay(?:ing)?\s+(?:at|on)|return(?:ed)?\s+(?:it\s+)?to|send\s+"
        r"(?:it|them|this)\s+to|ship\s+(?:it\s+)?to|deliver(?:ed)?\s+(?:it\s+)?to|moved?\s+to|"
        r"visit\s+(?:us|me)\s+(?:at|on)|(?:corner|end)\s+of)")
_LOWER_STREET = re.compile(
    rf"{_CUE}\s+(?:the\s+)?(?P<street>(?:[^\W\d_]{{2,24}}\s+){{1,3}}"
    rf"(?i:{_TYPES}|{_WEAK_TYPES})\b|[^\W\d_]{{2,24}}(?i:{_ENDINGS})\b)")
# After a cue, a house number and a name, or a name and a house number, whatever the language:
# "lives at 87 Jakobi 69", "his address: 46 velký průhon 426".
_CUED_STREET = re.compile(
    rf"{_CUE}\s*(?P<street>(?:{_HOUSE},?\s+)?(?:{_WORD}\s+){{0,3}}?{_WORD}\s+{_NUMBER}\b"
    rf"{_UNIT}?{_TAIL}?|{_HOUSE}\s+(?:{_WORD}\s+){{0,2}}?{_WORD}{_UNIT}?{_TAIL})")
_UNIT_ALONE = re.compile(
    r"(?<![\w-])(?i:apt|apartment|suite|unit|flat)\.?\s?#?\d{1,5}[A-Za-z]?(?!\w)")
# Alone, without a house number, endings that also end English words ("Cutie", "Brigade") are out.
_ALONE_ENDINGS = "|".join(e for e in _ENDING_WORDS if e not in ("tie", "gade", "kade"))
_COMPOUND = re.compile(rf"(?<![\w-]){_CAP}(?i:{_ALONE_ENDINGS})(?!\w)")
_WEAK_NAMED = re.compile(rf"(?<![\w-]){_CAP}(?:\s+{_CAP}){{0,2}}\s+(?:{_WEAK_TYPES})\b")
_CUED_ANYTHING = re.compile(rf"{_CUE}\s*(?P<rest>[^.;!?\n]{{4,120}})")
_NAME_OR_NUMBER = re.compile(r"\d|\b[A-Z]")

# After leading non-names are skipped, a name must still stand before the street type.
_NAME_LEFT = re.compile(rf"{_CAP}\s+\S")

# Capitalised words that start sentences or directions, never a street's name.
_NOT_NAMES = frozenset("""
    The A An This That These Those My Your His Her Our Their Its On In At To From Of Down Up Off
    Along Across Take Turn Follow Cross Go Walk Drive Near By Over Under I We You He She They It
    Is Was And Or But If When Every Each Any No Not Just Only Also Yes Here There Then Where
""".split())


def _words(pattern: str) -> list[str]:
    return [word.replace("\\.", ".") for word in pattern.split("|") if word.isalpha()
            or word.endswith("\\.")]


_STREET_WORDS = Vocabulary(words=_words(f"{_TYPES}|{_WEAK_TYPES}|{_ABBREVIATIONS}|{_PREFIXES}"),
                           endings=_ENDING_WORDS)
_TYPE_WORDS = Vocabulary(words=_words(_TYPES))
_WEAK_WORDS = Vocabulary(words=_words(_WEAK_TYPES))
_POSTCODE_WORDS = Vocabulary(stems=["zip", "postcode", "postal", "plz"])
_UNIT_WORDS = Vocabulary(words=["apt", "apartment", "suite", "unit", "flat"])
_CUE_WORDS = Vocabulary(words=["address", "addresses", "live", "lives", "lived", "living",
                               "located", "stay", "staying", "return", "returned", "send", "ship",
                               "deliver", "delivered", "move", "moved", "visit", "corner", "end"])
_DIGIT = re.compile(r"\d")


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the postal addresses of `text` that `mode` detects, in order."""
    return find_tiers(text, mode, KIND, _TIERS)


def _normal(text: str) -> Iterator[Span]:
    has_digit = _DIGIT.search(text) is not None
    street_words = _STREET_WORDS.found_in(text)
    rules = []
    if street_words and _TYPE_WORDS.found_in(text):
        rules.append(_streets(_NAMED_STREET, text))
    if has_digit:
        if street_words:
            rules.append(_streets(_STREET, text))
        if _POSTCODE_WORDS.found_in(text):
            rules.append(_groups(_CUED_ZIP, text, "zip"))
        rules.append(_groups(_UK_POSTCODE, text, 0))
    yield from merge_spans(*rules)


def _suspicious(text: str) -> Iterator[Span]:
    rules = [_streets(_COMPOUND, text)] if _STREET_WORDS.found_in(text) else []
    if _CUE_WORDS.found_in(text):
        rules.append(_groups(_LOWER_STREET, text, "street"))
        if _DIGIT.search(text):
            rules.append(_trimmed(_CUED_STREET, text, "street"))
    if _UNIT_WORDS.found_in(text) and _DIGIT.search(text):
        rules.append(_groups(_UNIT_ALONE, text, 0))
    yield from merge_spans(*rules)


def _paranoid(text: str) -> Iterator[Span]:
    rules = [_streets(_WEAK_NAMED, text)] if _WEAK_WORDS.found_in(text) else []
    if _CUE_WORDS.found_in(text):
        rules.append(_cued_rest(text))
    yield from merge_spans(*rules)


def _streets(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        begin, end = found.span()
        begin = _skip_non_names(text, begin, end)
        end = _trim(text, begin, end)
        if begin == found.start() or _NAME_LEFT.match(text, begin, end):
            yield begin, end, None


def _skip_non_names(text: str, begin: int, end: int) -> int:
    """Start after leading words that begin sentences ("The Abbey Road" -> "Abbey Road")."""
    while True:
        space = text.find(" ", begin, end)
        if space < 0 or text[begin:space] not in _NOT_NAMES:
            return begin
        begin = space + 1


def _trim(text: str, begin: int, end: int) -> int:
    while end > begin and text[end - 1] in " ,;:\n\t":
        end -= 1
    return end


def _groups(pattern: re.Pattern[str], text: str, group: int | str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        yield found.start(group), found.end(group), None


def _trimmed(pattern: re.Pattern[str], text: str, group: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        begin, end = found.span(group)
        end = _trim(text, begin, end)
        if end > begin:
            yield begin, end, None


def _cued_rest(text: str) -> Iterator[Span]:
    """After "address", anything; after other cues ("end of", "live in"), a clause with a digit
    or a capitalised word: "the end of time" names no place."""
    for found in _CUED_ANYTHING.finditer(text):
        begin, end = found.span("rest")
        end = _trim(text, begin, end)
        rest = text[begin:end]
        if "address" in found.group().lower() or _NAME_OR_NUMBER.search(rest):
            yield begin, end, None


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_normal,),
    Mode.SUSPICIOUS: (_suspicious,),
    Mode.PARANOID: (_paranoid,),
}
