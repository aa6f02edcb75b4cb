"""Document 001's detection modes, shared by the detectors that have them (personal data,
profanity)."""

from __future__ import annotations

import enum


class Mode(enum.IntEnum):
    """Detection levels, ordered: a mode finds everything the lower modes find."""

    NORMAL = 1  # correctly formatted values, few false positives
    SUSPICIOUS = 2  # values written to evade detection ("example at gmail dot com")
    PARANOID = 3  # the slightest chance of personal data; false positives expected

    @classmethod
    def parse(cls, name: str) -> Mode:
        """Return the mode named `name` (case-insensitive); ValueError if there is none."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown detection mode: {name!r}") from None
