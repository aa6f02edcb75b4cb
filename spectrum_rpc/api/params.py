"""Binding and validating JSON-RPC params (by name or by position) against a declared spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..constants import DOCUMENTED_META_FIELDS, MAX_TEXT_BYTES
from .jsonrpc import invalid_params

Check = Callable[[str, Any], Any]

# Meta is re-encoded with orjson (into the stored row, into webhook bodies), which refuses more
# than 254 levels of nesting although it decodes up to 1024. Real meta is a level or two deep:
# refuse deep nesting up front as bad params instead of failing later as an internal error.
MAX_META_DEPTH = 32


@dataclass(frozen=True)
class Param:
    name: str
    check: Check
    required: bool = True


def bind(spec: Sequence[Param], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Map positional or named params onto the spec; raise -32602 naming the bad one."""
    if args:
        if len(args) > len(spec):
            raise invalid_params(
                f"params[{len(spec)}]", f"is one too many: at most {len(spec)} positional params"
            )
        values = {param.name: value for param, value in zip(spec, args, strict=False)}
        values.update(kwargs)
    else:  # by name, as Spectrum documents: the common case, checked without copying
        values = kwargs
    for name in values:
        for param in spec:
            if param.name == name:
                break
        else:
            raise invalid_params(name, "is not a parameter of this method")
    bound: dict[str, Any] = {}
    for param in spec:
        value = values.get(param.name)
        if value is not None:
            bound[param.name] = param.check(param.name, value)
        elif param.required:
            if param.name not in values:
                raise invalid_params(param.name, "is required")
            bound[param.name] = param.check(param.name, value)  # null: the check names it
        # null for an optional param means "not sent" (fills gaps in by-position)
    return bound


def text(name: str, value: Any) -> str:
    """A string of at most 15 MB in UTF-8."""
    if not isinstance(value, str):
        raise invalid_params(name, "must be a string")
    # Only long strings can be over the limit: skip the encode for the common case.
    if len(value) * 4 > MAX_TEXT_BYTES and _utf8_len(value) > MAX_TEXT_BYTES:
        raise invalid_params(name, f"must be at most {MAX_TEXT_BYTES} bytes in UTF-8")
    return value


def _utf8_len(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))


def boolean(name: str, value: Any) -> bool:
    """A JSON boolean (the string "true" is not one)."""
    if not isinstance(value, bool):
        raise invalid_params(name, "must be a boolean (true or false)")
    return value


def meta(name: str, value: Any) -> dict[str, Any]:
    """An object whose documented fields are strings; other fields pass through untouched."""
    if not isinstance(value, dict):
        raise invalid_params(name, "must be an object")
    for field in DOCUMENTED_META_FIELDS:
        if field in value and not isinstance(value[field], str):
            raise invalid_params(f"{name}.{field}", "must be a string")
    if _nested_too_deep(value.values(), MAX_META_DEPTH - 1):
        raise invalid_params(name, f"is nested more than {MAX_META_DEPTH} levels deep")
    return value


def _nested_too_deep(values: Iterable[Any], levels_left: int) -> bool:
    """Whether an object or array among values nests more than levels_left levels."""
    # Flat meta (the common case) costs one isinstance per value; the walk stops at the bound.
    for value in values:
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if levels_left == 0 or _nested_too_deep(value, levels_left - 1):
            return True
    return False


def labels(allowed: Sequence[str]) -> Check:
    """An object mapping known label names to booleans."""

    def check(name: str, value: Any) -> dict[str, bool]:
        if not isinstance(value, dict):
            raise invalid_params(name, "must be an object of label -> boolean")
        for label, flag in value.items():
            if label not in allowed:
                known = ", ".join(allowed)
                raise invalid_params(f"{name}.{label}", f"is not a label; known: {known}")
            if not isinstance(flag, bool):
                raise invalid_params(f"{name}.{label}", "must be a boolean")
        return value

    return check


# Word lists (bannedWords, allowedWords): bounded, so one request cannot make the server compile
# an unbounded matcher.
MAX_LIST_WORDS = 1000
MAX_WORD_CHARS = 100


def moderation_options(detectors: Sequence[str], moded: Sequence[str],
                       modes: Sequence[str]) -> Check:
    """moderateText's `options`: `detect` (a list of known detectors), `modes` (detector ->
    mode), `bannedWords` / `allowedWords` (lists of words), `expectedLanguage` (a code or a
    list of codes). Unknown keys are refused: a misspelt option must not pass silently."""

    def check(name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid_params(name, "must be an object")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "detect":
                out[key] = _choices(f"{name}.detect", item, detectors)
            elif key == "modes":
                out[key] = _modes(f"{name}.modes", item, moded, modes)
            elif key in ("bannedWords", "allowedWords"):
                out[key] = _words(f"{name}.{key}", item)
            elif key == "expectedLanguage":
                codes = [item] if isinstance(item, str) else item
                out[key] = _words(f"{name}.{key}", codes)
            else:
                known = "detect, modes, bannedWords, allowedWords, expectedLanguage"
                raise invalid_params(f"{name}.{key}", f"is not an option; known: {known}")
        return out

    return check


def _choices(name: str, value: Any, allowed: Sequence[str]) -> list[str]:
    if not isinstance(value, list):
        raise invalid_params(name, "must be a list of strings")
    for i, item in enumerate(value):
        if item not in allowed:
            raise invalid_params(f"{name}[{i}]", f"is not one of: {', '.join(allowed)}")
    return value


def _modes(name: str, value: Any, moded: Sequence[str], modes: Sequence[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid_params(name, "must be an object of detector -> mode")
    for detector, mode in value.items():
        if detector not in moded:
            known = ", ".join(moded)
            raise invalid_params(f"{name}.{detector}", f"has no modes; these do: {known}")
        if mode not in modes:
            raise invalid_params(f"{name}.{detector}", f"must be one of: {', '.join(modes)}")
    return value


def _words(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise invalid_params(name, "must be a list of strings")
    if len(value) > MAX_LIST_WORDS:
        raise invalid_params(name, f"must hold at most {MAX_LIST_WORDS} words")
    if any(len(w) > MAX_WORD_CHARS or not w.strip() for w in value):
        raise invalid_params(name, f"must hold non-blank words of at most {MAX_WORD_CHARS} "
                             "characters")
    return value
