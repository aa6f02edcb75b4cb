"""What an analysis may be asked to run: detectors, their modes, word lists, a language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

# Every detector the API names, and those this server runs today. A detector named but not
# built yet is refused with a clear error, never answered with made-up output.
DETECTORS = ("labels", "spans", "profanity", "pii", "language", "sentiment", "quality",
             "spelling", "sentences")
AVAILABLE = ("labels", "spans", "profanity", "pii", "language", "sentiment", "quality",
             "spelling", "sentences")
# Scored by the engine (the project's model), not by the detectors of `detection.py`.
SCORED = frozenset({"labels", "quality", "sentences"})
# Run when a request names none.
DEFAULT = ("labels", "profanity", "pii")
# Detectors with document 001's modes, strictest first.
MODED = ("pii", "profanity")
MODES = ("NORMAL", "SUSPICIOUS", "PARANOID")


@dataclass(frozen=True)
class Options:
    """What one analysis runs (a project's filter, then a request's own options over it)."""

    detect: frozenset[str] = frozenset(DEFAULT)
    modes: dict[str, str] = field(default_factory=dict)
    banned: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    expected_language: tuple[str, ...] = ()
    # Personal data: the types to find and each one's mode (empty: every type, at
    # mode("pii")); per type the mask, or None for not masked (absent: the default mask);
    # the parts of a person's name to find (empty: all).
    pii_modes: dict[str, str] = field(default_factory=dict)
    masks: dict[str, str | None] = field(default_factory=dict)
    name_components: tuple[str, ...] = ()
    # With `labels`: also the span model's sub-labels (insult, threat, identity_attack,
    # profanity; about 0.3 ms and a worker-thread hop for a short text). A dialect that
    # answers none of them turns this off and skips the span model.
    sub_labels: bool = True

    def mode(self, detector: str) -> str:
        """Return the mode asked for a detector (NORMAL when none was)."""
        return self.modes.get(detector, "NORMAL")

    def overridden(self, *, detect: Iterable[str] | None = None,
                   modes: Mapping[str, str] | None = None, banned: Iterable[str] = (),
                   allowed: Iterable[str] = (), expected_language: Iterable[str] | None = None
                   ) -> Options:
        """These options with a request's own over them: its detectors instead, its modes
        over these (a `pii` mode for every type), its words besides these."""
        modes = dict(modes or {})
        pii_modes = self.pii_modes
        if "pii" in modes and pii_modes:
            pii_modes = dict.fromkeys(pii_modes, modes["pii"])
        return replace(
            self,
            detect=frozenset(detect) if detect is not None else self.detect,
            modes={**self.modes, **modes},
            banned=(*self.banned, *banned),
            allowed=(*self.allowed, *allowed),
            expected_language=(tuple(expected_language) if expected_language is not None
                               else self.expected_language),
            pii_modes=pii_modes,
        )


# The analyses the API dialects ask for besides a request's own options: the labels alone
# (`replace(LABELS_ONLY, sub_labels=False)` where a dialect answers no sub-label), the
# language alone (to name a text's language, or check it is one the API scores).
LABELS_ONLY = Options(detect=frozenset({"labels"}))
LANGUAGE_ONLY = Options(detect=frozenset({"language"}))
