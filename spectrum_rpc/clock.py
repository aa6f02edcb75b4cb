"""Wall-clock time that tests can move forward: the one piece of time the parts share."""

from __future__ import annotations

import time


class Clock:
    """Real time plus an offset that `advance` moves forward (tests skip ahead with it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move this clock forward."""
        self.offset += seconds
