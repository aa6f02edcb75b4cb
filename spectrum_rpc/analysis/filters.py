"""A project's filter: which detectors run on its texts, in which mode, and what is masked.

The filter object is document 001's (one entry per data type: `enabled`, `mode`, `masking`,
`mask`, and for names `components`), extended in the same shape to the detectors that document
does not filter (`labels`, `language`, `sentiment`, `spelling`, `spans`: `enabled`; `language`:
`expected`; `profanity`: `bannedWords`, `allowedWords`). It is stored in the project's settings
(the admin UI and the dialects that manage projects edit the same object) and read through the
project's policy. A request's own options override it for that request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .options import AVAILABLE, DEFAULT, MODES, Options

# Document 001's data types: personal data, then profanity.
PII_TYPES = ("email", "phone", "url", "address", "name", "username", "sensitive")
TYPES = (*PII_TYPES, "profanity")
NAME_COMPONENTS = ("first", "middle", "last")
# Masks as document 001 shows them; profanity is censored in place, one character per letter.
MASKS = {kind: f"{{{{ {kind} hidden }}}}" for kind in PII_TYPES}
PROFANITY_MASK = "*"
# The detectors document 001 has no data type for, filtered by `enabled` alone.
SWITCHED = ("labels", "spans", "language", "sentiment", "spelling", "quality")
# Bounds that keep a stored filter (and a request's word lists) small.
MAX_MASK = 100
MAX_WORDS = 1000
MAX_WORD = 100
MAX_LANGUAGES = 20

_TYPE_FIELDS = ("enabled", "mode", "masking", "mask", "components")


class FilterError(ValueError):
    """A filter object that cannot be used; `path` names the field (`filter.email.mode`)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason


def default_filter() -> dict[str, Any]:
    """The filter of a project that has none: what moderateText runs when a request names no
    detectors (labels, profanity and every kind of personal data at NORMAL, all masked)."""
    out: dict[str, Any] = {}
    for kind in TYPES:
        out[kind] = {"enabled": kind in DEFAULT or (kind in PII_TYPES and "pii" in DEFAULT),
                     "mode": "NORMAL", "masking": True,
                     "mask": PROFANITY_MASK if kind == "profanity" else MASKS[kind]}
    out["name"]["components"] = list(NAME_COMPONENTS)
    out["profanity"].update(bannedWords=[], allowedWords=[])
    for detector in SWITCHED:
        out[detector] = {"enabled": detector in DEFAULT}
    out["language"]["expected"] = []
    return out


def parse_filter(value: Any, path: str = "filter", base: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """Validate a (partial) filter object and return it complete, over `base` (default: the
    default filter). Raise FilterError naming the first field that is wrong."""
    out = {k: dict(v) for k, v in (base or default_filter()).items()}
    if not isinstance(value, Mapping):
        raise FilterError(path, "must be an object")
    for kind, setting in value.items():
        where = f"{path}.{kind}"
        if kind not in out:
            raise FilterError(where, f"is not a data type; known: {', '.join(out)}")
        if not isinstance(setting, Mapping):
            raise FilterError(where, "must be an object")
        for field, item in setting.items():
            out[kind][field] = _field(kind, field, item, f"{where}.{field}")
    return out


def _field(kind: str, field: str, item: Any, where: str) -> Any:
    if field == "enabled" or (field == "masking" and kind in TYPES):
        if not isinstance(item, bool):
            raise FilterError(where, "must be true or false")
        return item
    if kind in TYPES and field == "mode":
        if item not in MODES:
            raise FilterError(where, f"must be one of {', '.join(MODES)}")
        return item
    if kind in TYPES and field == "mask":
        if not isinstance(item, str) or not item or len(item) > MAX_MASK:
            raise FilterError(where, f"must be a string of 1 to {MAX_MASK} characters")
        if kind == "profanity" and (len(item) != 1 or item.isspace()):
            raise FilterError(where, "must be one character (profanity is censored in place)")
        return item
    if kind == "name" and field == "components":
        if (not isinstance(item, list) or not item
                or any(c not in NAME_COMPONENTS for c in item)):
            raise FilterError(where, f"must be a non-empty list of {', '.join(NAME_COMPONENTS)}")
        return [c for c in NAME_COMPONENTS if c in item]
    if kind == "profanity" and field in ("bannedWords", "allowedWords"):
        return words(item, where)
    if kind == "language" and field == "expected":
        if (not isinstance(item, list) or len(item) > MAX_LANGUAGES
                or not all(isinstance(c, str) and 2 <= len(c) <= 3 and c.isalpha() for c in item)):
            raise FilterError(where, f"must be a list of at most {MAX_LANGUAGES} ISO 639-1 codes")
        return [c.lower() for c in item]
    known = _TYPE_FIELDS if kind in TYPES else ("enabled",)
    extra = {"profanity": ("bannedWords", "allowedWords"), "language": ("expected",)}
    raise FilterError(where, f"is not a setting; known: {', '.join(known + extra.get(kind, ()))}")


def words(value: Any, where: str) -> list[str]:
    """Validate a word list (banned or allowed words)."""
    if not isinstance(value, list) or len(value) > MAX_WORDS:
        raise FilterError(where, f"must be a list of at most {MAX_WORDS} strings")
    for i, word in enumerate(value):
        if not isinstance(word, str) or not word.strip() or len(word) > MAX_WORD:
            raise FilterError(f"{where}[{i}]", f"must be a non-empty string of at most "
                                               f"{MAX_WORD} characters")
    return list(value)


def filter_options(project_filter: Mapping[str, Any]) -> Options:
    """The analysis a filter asks for (detectors the server cannot run yet are left out)."""
    detect = {d for d in SWITCHED if project_filter[d]["enabled"]}
    pii_on = {k: project_filter[k] for k in PII_TYPES if project_filter[k]["enabled"]}
    if pii_on:
        detect.add("pii")
    profanity = project_filter["profanity"]
    if profanity["enabled"]:
        detect.add("profanity")
    masks = {k: (s["mask"] if s["masking"] else None) for k, s in pii_on.items()}
    masks["profanity"] = profanity["mask"] if profanity["masking"] else None
    return Options(
        detect=frozenset(detect & set(AVAILABLE)),
        modes={"profanity": profanity["mode"]},
        banned=tuple(profanity["bannedWords"]),
        allowed=tuple(profanity["allowedWords"]),
        expected_language=tuple(project_filter["language"]["expected"]),
        pii_modes={k: s["mode"] for k, s in pii_on.items()},
        masks=masks,
        name_components=tuple(project_filter["name"]["components"]),
    )
