"""A project's filter as the admin API takes it: its OpenAPI schema, and the one check the admin
adds to the analysis's own (language codes in ASCII letters, as the document says)."""

from __future__ import annotations

import re
from typing import Any

from ..analysis import FILTER_TYPES, MODES, FilterError, default_filter
from .limits import (
    FILTER_LANGUAGES,
    FILTER_MASK_LENGTH,
    FILTER_WORD_LENGTH,
    FILTER_WORDS,
    LANGUAGE_CODE,
)

CODE = re.compile(LANGUAGE_CODE)
WORDS = {"type": "array", "maxItems": FILTER_WORDS, "items": {
    "type": "string", "minLength": 1, "maxLength": FILTER_WORD_LENGTH, "pattern": r"\S",
    "description": "not only spaces"}}


def check_filter(value: Any) -> None:
    """Refuse language codes that are not ASCII letters (raise FilterError); every other
    field is checked by the analysis when the filter is changed."""
    language = value.get("language") if isinstance(value, dict) else None
    expected = language.get("expected") if isinstance(language, dict) else None
    if isinstance(expected, list):
        for i, code in enumerate(expected):
            if isinstance(code, str) and not CODE.fullmatch(code):
                raise FilterError(f"filter.language.expected[{i}]",
                                  "must be an ISO 639-1 code in ASCII letters")


def _kind(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for field in fields:
        if field in ("enabled", "masking"):
            props[field] = {"type": "boolean"}
        elif field == "mode":
            props[field] = {"type": "string", "enum": list(MODES)}
        elif field == "mask" and kind == "profanity":
            props[field] = {"type": "string", "pattern": r"^\S$",
                            "description": "one character: profanity is censored in place"}
        elif field == "mask":
            props[field] = {"type": "string", "minLength": 1, "maxLength": FILTER_MASK_LENGTH}
        elif field == "components":
            props[field] = {"type": "array", "minItems": 1, "items": {
                "type": "string", "enum": list(fields[field])}}
        elif field in ("bannedWords", "allowedWords"):
            props[field] = WORDS
        elif field == "expected":
            props[field] = {"type": "array", "maxItems": FILTER_LANGUAGES, "items": {
                "type": "string", "pattern": LANGUAGE_CODE}}
    return {"type": "object", "properties": props, "additionalProperties": False}


def filter_schema() -> dict[str, Any]:
    """The filter object's schema: one entry per data type or detector, each field optional
    (a change names only what it changes)."""
    kinds = {kind: _kind(kind, fields) for kind, fields in default_filter().items()}
    return {"type": "object", "properties": kinds, "additionalProperties": False,
            "description": f"per data type ({', '.join(FILTER_TYPES)}): enabled, mode, "
                           "masking, mask (name: components; profanity: bannedWords, "
                           "allowedWords); per other detector: enabled (language: expected)"}
