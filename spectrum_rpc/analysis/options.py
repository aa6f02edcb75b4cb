"""What an analysis may be asked to run: detectors, their modes, word lists, a language."""

from __future__ import annotations

from dataclasses import dataclass, field

# Every detector the API names, and those this server runs today. A detector named but not
# built yet is refused with a clear error, never answered with made-up output.
DETECTORS = ("labels", "spans", "profanity", "pii", "language", "sentiment", "quality",
             "spelling")
AVAILABLE = ("labels", "spans", "profanity", "pii", "language", "sentiment", "spelling")
# Run when a request names none.
DEFAULT = ("labels", "profanity", "pii")
# Detectors with document 001's modes, strictest first.
MODED = ("pii", "profanity")
MODES = ("NORMAL", "SUSPICIOUS", "PARANOID")


@dataclass(frozen=True)
class Options:
    """What one analysis runs."""

    detect: frozenset[str] = frozenset(DEFAULT)
    modes: dict[str, str] = field(default_factory=dict)
    banned: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    expected_language: tuple[str, ...] = ()
    # With `labels`: also the span model's sub-labels (insult, threat, identity_attack,
    # profanity; about 0.3 ms and a worker-thread hop for a short text). A dialect that
    # answers none of them turns this off and skips the span model.
    sub_labels: bool = True

    def mode(self, detector: str) -> str:
        """Return the mode asked for a detector (NORMAL when none was)."""
        return self.modes.get(detector, "NORMAL")
