"""The JSON Schema of moderateText's result, as rpc.discover publishes it: every key a full
answer holds (tests/api/test_moderate_schema.py checks it against a real one)."""

from __future__ import annotations

from typing import Any

from ..analysis import MODES, PII_TYPES, SENTENCE_RUNS
from ..engine import sentiment, spans, spelling
from ..labels import ALIASES, SPAN_LABELS, TOXICITY, UNSUPPORTED

LABELS_NOTE = (
    "Labels not scored (no labelled data here supports them; never answered): "
    + ", ".join(UNSUPPORTED) + ". "
    + "; ".join(f"{alias} is our {label}" for alias, label in ALIASES.items()) + ".")

_NUMBERS = {"type": "object", "additionalProperties": {"type": "number"}}
_FLAGS = {"type": "object", "additionalProperties": {"type": "boolean"}}
_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
_OFFSET = {"type": "integer", "minimum": 0}


def _object(required: tuple[str, ...] | None = None, **properties: Any) -> dict[str, Any]:
    """An object with these properties, all of them required unless `required` says."""
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required)}


def _found(match: dict[str, Any], description: str) -> dict[str, Any]:
    """A detector's `{found, mode, matches}`."""
    return {**_object(found={"type": "boolean"}, mode={"enum": list(MODES)},
                      matches={"type": "array", "items": match}),
            "description": description}


_SPAN = _object(begin=_OFFSET, end=_OFFSET,
                label={"type": "string", "enum": [TOXICITY, *SPAN_LABELS]}, score=_PROBABILITY)
_SENTENCE = _object(begin=_OFFSET, end=_OFFSET, scores=_NUMBERS)
_PROFANE = _object(text={"type": "string"}, begin=_OFFSET, end=_OFFSET,
                   canonical={"type": "string"}, category={"type": "string"},
                   severity={"type": "number"})
_PERSONAL = _object(("text", "begin", "end"), text={"type": "string"}, begin=_OFFSET,
                    end=_OFFSET, component={"type": "string", "description": "for a sensitive "
                                            "number, which kind (iban, ssn, ...); for a part "
                                            "of a person's name (the project's filter asks "
                                            "for components), which parts, joined with + "
                                            "(first, last, first+last, ...)"})
_NULLABLE_STRING = {"type": ["string", "null"]}


def moderate_result() -> dict[str, Any]:
    """Return the schema of moderateText's result (each key present when its detector ran;
    clients should tolerate additive fields)."""
    properties = {
        "labels": {**_NUMBERS, "description": "label -> probability. " + LABELS_NOTE},
        "flagged": {**_FLAGS, "description": "label -> at or above the project's reject "
                    "threshold for it (each label that has one; a label left off is absent)"},
        "actions": _object(reject={"type": "boolean", "description": "a label is flagged"},
                           review={"type": "boolean", "description": "a label reached its "
                                   "review line: its review threshold (at or below its "
                                   "reject threshold), or its reject threshold where "
                                   "review is off"}),
        "modelVersion": {"type": "string"},
        "spans": {"type": "array", "items": _SPAN, "description": "toxic character spans per "
                  "label (code points of the text as sent, end exclusive); [] unless the "
                  "text's toxicity reaches the project's review line or a sub-label "
                  f"{spans.SUB_LABEL_LINE}"},
        "sentences": {"type": "array", "items": _SENTENCE, "description": "per-sentence scores "
                      "of the project's model (Perspective's spanScores): each sentence scored "
                      f"alone; a text of more than {SENTENCE_RUNS} sentences is scored in at "
                      f"most {SENTENCE_RUNS} runs of consecutive sentences"},
        "profanity": _found(_PROFANE, "profane words in the mode asked"),
        "pii": {**_object((), **{kind: _found(_PERSONAL, f"{kind} found")
                                 for kind in PII_TYPES}),
                "description": "personal data per type, each in its mode"},
        "masked": {"type": "string", "description": "the text with profanity starred out and "
                   "personal data replaced by its type's template"},
        "language": _object(code=_NULLABLE_STRING, label=_NULLABLE_STRING, score=_PROBABILITY,
                            reliable={"type": "boolean"}, hit={"type": "boolean"}),
        "sentiment": _object(label={"enum": ["negative", "neutral", "positive"]},
                             score={"type": "number", "minimum": -1, "maximum": 1},
                             truncated={"type": "boolean", "description": "only the first "
                                        f"{sentiment.MAX_CHARS:,} characters were scored"}),
        "quality": {**_object((), spam=_PROBABILITY), "description": "spam: the scam/spam "
                    "label's probability (incoherent and unsubstantial are not scored)"},
        "corrected": {"type": "string", "description": "the text with English misspellings "
                      "corrected"},
        "correctedSkipped": {"enum": ["language", "size"], "description": "why `corrected` is "
                             "the text unchanged: not English, or over "
                             f"{spelling.MAX_CHARS:,} characters"},
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }
    return {"type": "object", "properties": properties, "required": ["hash"],
            "additionalProperties": True}
