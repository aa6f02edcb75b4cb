"""Personal data in text, one module per data type, each `find(text, mode) -> list[Match]`.

Modes are document 001's NORMAL / SUSPICIOUS / PARANOID; a mode finds everything the lower modes
find, at the same offsets, and `Match.mode` is the lowest mode that finds a value. Offsets are
code points into the original text. `mask(text, matches, templates)` hides what was found.
Person names live in `names` (their own module, trained); `DETECTORS` lists the rule-based ones.
"""

from collections.abc import Callable

from . import address, email, name_model, names, phone, sensitive, url, username
from .masking import DEFAULT_TEMPLATES, mask, resolve_overlaps
from .match import Match, Mode

Detector = Callable[[str, Mode], list[Match]]

DETECTORS: dict[str, Detector] = {
    "email": email.find,
    "phone": phone.find,
    "url": url.find,
    "address": address.find,
    "username": username.find,
    "sensitive": sensitive.find,
}

__all__ = ["DEFAULT_TEMPLATES", "DETECTORS", "Detector", "Match", "Mode", "mask",
           "name_model", "names", "resolve_overlaps"]
