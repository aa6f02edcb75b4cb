"""What an attempt's outcome means (delivered, retry, fail, gone) and when to try again."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime

from .client import Outcome

DELIVERED, RETRY, FAIL, GONE = "delivered", "retry", "fail", "gone"
RETRY_STATUSES = frozenset({408, 425, 429})


def verdict(outcome: Outcome) -> str:
    """Classify an attempt: 2xx delivered; 410 gone; 408/425/429/5xx and network errors retry."""
    status = outcome.status
    if status is None:
        return FAIL if outcome.refused else RETRY
    if 200 <= status < 300:
        return DELIVERED
    if status == 410:
        return GONE
    if status in RETRY_STATUSES or status >= 500:
        return RETRY
    return FAIL  # other 4xx, and 3xx: redirects are not followed


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class Schedule:
    """The waits between attempts: `delays[n]` before attempt n+1, each varied by ±`jitter`."""

    def __init__(
        self,
        delays: Sequence[float],
        jitter: float,
        retry_after_max: float,
        rng: Callable[[], float] = random.random,
    ):
        self.delays = tuple(delays)
        self.jitter = jitter
        self.retry_after_max = retry_after_max
        self.rng = rng

    @property
    def max_attempts(self) -> int:
        return len(self.delays)

    def first_delay(self) -> float:
        """Return the wait before the first attempt."""
        return self._jittered(self.delays[0]) if self.delays else 0.0

    def next_delay(self, attempts_made: int, retry_after: str | None, now: float) -> float | None:
        """Return the wait before the next attempt, or None when the schedule is exhausted."""
        if attempts_made >= len(self.delays):
            return None
        delay = self._jittered(self.delays[attempts_made])
        asked = parse_retry_after(retry_after, now)
        if asked is not None:
            delay = max(delay, min(asked, self.retry_after_max))
        return delay

    def _jittered(self, delay: float) -> float:
        return max(0.0, delay * (1 + self.jitter * (2 * self.rng() - 1)))
