"""The detectors besides the labels, run over one text as a caller's options ask.

Each detector is an adapter from an engine module to plain JSON-able data, with offsets in code
points into the original text. They run in a worker thread (`Detection.run`), so a long text
does not hold up the event loop; each is built on first use, once per process, since several
load a model or dictionary of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..engine import (
    Lexicon,
    language,
    pii,
    profanity,
    sentiment,
    spans,
    spelling,
)
from .options import Options

# The rule-based detectors, then person names (a trained tagger).
FINDERS = {**pii.DETECTORS, "name": pii.names.find}
PII_TYPES = tuple(FINDERS)
MASK_TEMPLATES = dict(pii.DEFAULT_TEMPLATES)
# Where `Detection.run` keeps the span analysis until `Detection.settle` applies the rule.
_UNSETTLED = "_spanAnalysis"
_MODES = {mode.name: mode for mode in pii.Mode}  # `Mode[name]` without the Enum machinery


def _pii(self: Detection, text: str, options: Options, out: dict[str, Any],
         found: dict[str, list]) -> None:
    modes = options.pii_modes or dict.fromkeys(FINDERS, options.mode("pii"))
    spans = found["pii"] = []  # asked for: a masked copy is answered even when none matched
    by_type: dict[str, Any] = {}
    for kind, find in FINDERS.items():
        if kind not in modes:
            continue
        mode = _MODES[modes[kind]]
        if kind == "name" and options.name_components:
            matches = pii.names.find(text, mode, options.name_components)
        else:
            matches = find(text, mode)
        spans.extend(matches)
        by_type[kind] = {
            "found": bool(matches),
            "mode": mode.name,
            "matches": [_pii_match(m) for m in matches],
        }
    out["pii"] = by_type


def _pii_match(match: pii.Match) -> dict[str, Any]:
    found = {"text": match.text, "begin": match.begin, "end": match.end}
    # Sensitive numbers: which kind (iban, password, ...); name parts: which (first+last, ...).
    if match.component is not None:
        found["component"] = match.component
    return found


def _profanity(self: Detection, text: str, options: Options, out: dict[str, Any],
               found: dict[str, list]) -> None:
    mode = options.mode("profanity")
    matches = self.profanity_finder.find(text, mode, banned=options.banned, allowed=options.allowed)
    out["profanity"] = {
        "found": bool(matches),
        "mode": mode,
        "matches": [{"text": m.text, "begin": m.begin, "end": m.end, "canonical": m.canonical,
                     "category": m.category, "severity": m.severity} for m in matches],
    }
    found["profanity"] = matches


def _spans(self: Detection, text: str, options: Options, out: dict[str, Any],
           found: dict[str, list]) -> None:
    analysis = self.span_model.analyze(text)
    out["spans"] = [{"begin": s.begin, "end": s.end, "label": s.label, "score": s.score}
                    for s in analysis.spans]
    found["spans"] = [analysis]


def _language(self: Detection, text: str, options: Options, out: dict[str, Any],
              found: dict[str, list]) -> None:
    found = self.language_detector.detect(text)
    out["language"] = {"code": found.code, "label": found.label, "score": round(found.score, 4),
                       "reliable": found.reliable,
                       "hit": found.hit(options.expected_language or None)}


def _sentiment(self: Detection, text: str, options: Options, out: dict[str, Any],
               found: dict[str, list]) -> None:
    found = self.sentiment_analyzer.analyze(text)
    # `truncated`: only the first sentiment.MAX_CHARS characters were scored.
    out["sentiment"] = {"label": found.label, "score": round(found.score, 4),
                        "truncated": found.truncated}


def _spelling(self: Detection, text: str, options: Options, out: dict[str, Any],
              found: dict[str, list]) -> None:
    language = "en"
    if options.expected_language:
        language = options.expected_language[0]
    keep = [(m.begin, m.end) for m in found.get("profanity", ())]
    correction = self.speller.correct(text, language=language, allowed=options.allowed,
                                      keep=keep)
    out["corrected"] = correction.text
    if correction.skipped is not None:  # returned unchanged: not English, or too long
        out["correctedSkipped"] = correction.skipped


class Detection:
    """The detectors of one process; `run` is thread-safe and blocking (call it off the loop)."""

    def __init__(self, lexicon: Lexicon) -> None:
        # The served model's lexicon, already in memory: profanity and spelling use the same
        # words the scores do, and nothing is read from disk again.
        self.lexicon = lexicon
        self._lock = threading.Lock()
        self._built: dict[str, Any] = {}
        # In this order: spelling keeps what profanity found untouched.
        self._steps: dict[str, Callable[..., None]] = {
            "spans": _spans,
            "pii": _pii,
            "language": _language,
            "profanity": _profanity,
            "sentiment": _sentiment,
            "spelling": _spelling,
        }

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        """Build a detector's state the first time it is asked for, once even when two threads
        ask at the same time (the speller alone takes seconds and about 160 MB)."""
        found = self._built.get(name)
        if found is None:
            with self._lock:
                found = self._built.get(name)
                if found is None:
                    found = self._built[name] = build()
        return found

    @property
    def profanity_finder(self) -> profanity.Profanity:
        # The English word list keeps stretched and reversed readings off ordinary words.
        lexicon = self.lexicon
        return self._once("profanity", lambda: profanity.Profanity(
            lexicon, vocabulary=spelling.english_words()))

    @property
    def span_model(self) -> spans.SpanModel:
        lexicon = self.lexicon
        return self._once("spans", lambda: spans.load(spans.MODEL_DIR, lexicon.word_entries()))

    @property
    def language_detector(self) -> language.LanguageDetector:
        return self._once("language", language.LanguageDetector)

    @property
    def sentiment_analyzer(self) -> sentiment.SentimentAnalyzer:
        return self._once("sentiment", sentiment.SentimentAnalyzer)

    @property
    def speller(self) -> spelling.Speller:
        lexicon = self.lexicon
        return self._once("speller", lambda: spelling.Speller(
            protected=frozenset(lexicon.word_terms())))

    @property
    def available(self) -> frozenset[str]:
        """Detectors this process can run (besides the labels, which the engine scores)."""
        return frozenset(self._steps)

    def run(self, text: str, options: Options, toxic: bool | None = True) -> dict[str, Any]:
        """Return each requested detector's output, `masked` when anything was masked, and
        with `labels` asked for, the span model's sub-labels under `labels` (the caller
        merges them with the engine's). `toxic`: the text's toxicity reached the review line;
        without it, spans are answered only when a sub-label is high (`spans.worth_marking`).
        `None`: not known yet; the caller passes the output to `settle` once it is."""
        out: dict[str, Any] = {}
        found: dict[str, list] = {}  # each detector's matches, for masking and spelling
        for name, step in self._steps.items():
            if name in options.detect:
                step(self, text, options, out, found)
        if "spans" in found:
            out[_UNSETTLED] = found["spans"][0]
            if toxic is not None:
                self.settle(out, toxic)
        if "labels" in options.detect and options.sub_labels:
            analysis = found["spans"][0] if "spans" in found else self.span_model.analyze(
                text, labels=())
            out["labels"] = dict(analysis.labels)
        if "pii" in found or "profanity" in found:
            # Censoring keeps lengths, so the personal data's offsets still hold after it.
            masks = options.masks  # a type whose mask is None is found, not masked
            censored = found.get("profanity", ()) if masks.get("profanity", "") is not None else ()
            masked = profanity.censor(text, censored, char=masks.get("profanity") or "*")
            hidden = [m for m in found.get("pii", ()) if masks.get(m.type, "") is not None]
            templates = {**MASK_TEMPLATES, **{k: v for k, v in masks.items() if v}}
            out["masked"] = pii.mask(masked, hidden, templates)
        return out

    @staticmethod
    def settle(out: dict[str, Any], toxic: bool) -> None:
        """Apply the spans rule to `run`'s output now that the text's toxicity is known."""
        analysis = out.pop(_UNSETTLED, None)
        if analysis is not None and not spans.worth_marking(analysis, toxic):
            out["spans"] = []
