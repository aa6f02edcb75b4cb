"""Language identification: which language a text is written in, and whether it is the expected one.

The model is py3langid's (a naive-Bayes classifier over byte n-grams, 140 labels), chosen by
`scripts/compare_language.py` (docs/BENCHMARKS.md, "Language identification"): the most accurate
on words and word pairs of the libraries that fit the latency budget. The score is its
`norm_probs` probability: a softmax of the class log-likelihoods tempered by the square root of
the text's length in bytes, so that a short text is not certain; it is not calibrated further.

Cost is bounded: a text longer than SAMPLE_CHARS is identified from WINDOWS windows spread
evenly over it (start, middle, end), so a 15 MB text costs what a 600-character one does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from .langscore import Scorer

# Texts up to this many characters are read whole. Beyond it accuracy no longer grows (on the
# lingua sentences: 93.0 % at 100 characters, 94.1 % at 300, 94.2 % at 600; 93.9 % at 1,200
# read through the windows, 94.1 % read whole)
# while the cost does, about 1 µs of CPU per character.
SAMPLE_CHARS = 600
# Several windows rather than one prefix, so that a long text opening with a quote, a signature
# or code is still identified by its body.
WINDOWS = 3
# Measured (docs/BENCHMARKS.md): texts scoring at least this are >= 90 % correct on the lingua
# test data in each of sentences, word pairs and single words.
RELIABLE_SCORE = 0.40

# URLs, e-mail addresses and @handles say nothing of the language around them.
_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|@\w+", re.IGNORECASE)

# py3langid's labels -> (ISO 639-1 code, upper-case English name). Dialect labels take their
# macrolanguage's ISO 639-1 code (arz, ary -> ar; yue, wuu -> zh); a language with no ISO
# 639-1 code keeps its ISO 639-3 one (kab, pcm ...); "no" is Bokmal (it has "nn" beside it).
_NAMES: dict[str, tuple[str, str]] = {
    label: (code, name.upper()) for label, code, name in (
        line.split(" ", 2) for line in """\
af af Afrikaans|am am Amharic|an an Aragonese|ar ar Arabic|ary ar Arabic|arz ar Arabic
as as Assamese|az az Azerbaijani|ba ba Bashkir|be be Belarusian|bg bg Bulgarian|bn bn Bengali
br br Breton|bs bs Bosnian|ca ca Catalan|cs cs Czech|cy cy Welsh|da da Danish|de de German
dz dz Dzongkha|el el Greek|en en English|eo eo Esperanto|es es Spanish|et et Estonian
eu eu Basque|fa fa Persian|fi fi Finnish|fo fo Faroese|fr fr French|fuv ff Fulah
fy fy Western Frisian|ga ga Irish|gd gd Scottish Gaelic|gl gl Galician|gu gu Gujarati
gug gn Guarani|ha ha Hausa|he he Hebrew|hi hi Hindi|hr hr Croatian|ht ht Haitian Creole
hu hu Hungarian|hy hy Armenian|id id Indonesian|ig ig Igbo|is is Icelandic|it it Italian
ja ja Japanese|jv jv Javanese|ka ka Georgian|kik ki Kikuyu|kk kk Kazakh|km km Khmer
kn kn Kannada|ko ko Korean|ku ku Kurdish|sdh ku Kurdish|ky ky Kyrgyz|la la Latin
lb lb Luxembourgish|lg lg Ganda|ln ln Lingala|lo lo Lao|lt lt Lithuanian|lv lv Latvian
mg mg Malagasy|mk mk Macedonian|ml ml Malayalam|mn mn Mongolian|mr mr Marathi|ms ms Malay
mt mt Maltese|my my Burmese|ne ne Nepali|nl nl Dutch|nn nn Norwegian Nynorsk
no nb Norwegian Bokmal|oc oc Occitan|om om Oromo|or or Odia|pa pa Punjabi|pl pl Polish
ps ps Pashto|pt pt Portuguese|qu qu Quechua|ro ro Romanian|ru ru Russian|rw rw Kinyarwanda
sa sa Sanskrit|se se Northern Sami|si si Sinhala|sk sk Slovak|sl sl Slovene|sn sn Shona
so so Somali|sq sq Albanian|sr sr Serbian|st st Sotho|sv sv Swedish|sw sw Swahili|ta ta Tamil
te te Telugu|tg tg Tajik|th th Thai|tk tk Turkmen|tl tl Tagalog|tr tr Turkish|tt tt Tatar
ug ug Uyghur|uk uk Ukrainian|ur ur Urdu|uz uz Uzbek|uzs uz Uzbek|vi vi Vietnamese
vo vo Volapuk|wa wa Walloon|xh xh Xhosa|yo yo Yoruba|zh zh Chinese|yue zh Chinese
wuu zh Chinese|zu zu Zulu|ace ace Acehnese|bcl bcl Central Bikol|crh crh Crimean Tatar
ext ext Extremaduran|gcf gcf Guadeloupean Creole|gcr gcr Guianese Creole|gom gom Goan Konkani
grc grc Ancient Greek|guw guw Gun|hbo hbo Ancient Hebrew|kab kab Kabyle|lij lij Ligurian
ltg ltg Latgalian|nso nso Northern Sotho|pcm pcm Nigerian Pidgin|vec vec Venetian"""
        .replace("\n", "|").split("|")
    )
}
# Codes an expected-language option may use for what the detector names otherwise.
_SAME = {"no": {"no", "nb", "nn"}, "nb": {"nb", "no"}, "iw": {"he"}, "in": {"id"}, "ji": {"yi"}}


@dataclass(frozen=True, slots=True)
class Language:
    """The language of a text: ISO 639-1 code, upper-case English name, score, reliability."""

    code: str | None
    label: str | None
    score: float
    reliable: bool

    def hit(self, expected: str | Iterable[str] | None) -> bool:
        """Return True when a language is expected and the text is reliably in another one."""
        wanted = expected_codes(expected)
        return bool(wanted) and self.reliable and self.code not in wanted


UNKNOWN = Language(code=None, label=None, score=0.0, reliable=False)


def expected_codes(expected: str | Iterable[str] | None) -> frozenset[str]:
    """Return the codes an expected-language option accepts ('en', 'EN', 'en-US', ['de', 'fr'])."""
    if expected is None:
        return frozenset()
    codes: set[str] = set()
    for item in [expected] if isinstance(expected, str) else expected:
        primary = item.strip().lower().replace("_", "-").split("-")[0]
        codes |= _SAME.get(primary, {primary})
    codes.discard("")
    return frozenset(codes)


def sample(text: str) -> str:
    """Return the part of `text` that is identified: all of it, or evenly spread windows."""
    if len(text) <= SAMPLE_CHARS:
        return text
    width = SAMPLE_CHARS // WINDOWS
    step = (len(text) - width) // (WINDOWS - 1)
    return "\n".join(_window(text, i * step, width) for i in range(WINDOWS))


def _window(text: str, start: int, width: int) -> str:
    """Return text[start:start + width] without the words cut at either edge."""
    end = start + width
    chunk = text[start:end]
    if start > 0 and not text[start - 1].isspace():
        chunk = chunk.split(None, 1)[-1] if any(c.isspace() for c in chunk) else chunk
    if end < len(text) and not text[end].isspace():
        chunk = chunk.rsplit(None, 1)[0] if any(c.isspace() for c in chunk) else chunk
    return chunk


class LanguageDetector:
    """Identify the language of texts; build one per process (loads ~70 MB in ~1 s)."""

    def __init__(self, reliable_score: float = RELIABLE_SCORE) -> None:
        self.reliable_score = reliable_score
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self._scorer = Scorer(self._identifier)  # its answers, faster
        # What the model answers when it finds no n-gram it knows ("ok", "lol"): its uniform
        # prior, which it reports for an empty text. No answer at or under it was right on the
        # lingua data, so it is "cannot tell".
        self._no_evidence = self._identifier.classify("")[1] * 1.001

    @property
    def codes(self) -> frozenset[str]:
        """Return the codes `detect` can answer."""
        return frozenset(_NAMES.get(label, (label,))[0]
                         for label in self._identifier.labels if label != "zxx")

    def detect(self, text: str) -> Language:
        """Return the language of `text`, UNKNOWN when it has nothing to go by."""
        snippet = sample(text)
        if "@" in snippet or "://" in snippet or "www." in snippet.lower():  # the regex costs more
            snippet = _NOISE.sub(" ", snippet)
        if not any(c.isalpha() for c in snippet):
            return UNKNOWN
        label, score = self._scorer.classify(snippet)
        if label == "zxx" or score <= self._no_evidence:  # zxx: "no linguistic content"
            return UNKNOWN
        code, name = _NAMES.get(label, (label, label.upper()))
        return Language(code=code, label=name, score=score, reliable=score >= self.reliable_score)
