"""Per-key rate limits: one token bucket per API key (in this process, or shared by several)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        """Spend one token if there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class KeyRateLimiter:
    """One token bucket per API key; a rate of 0 lets everything through."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, key_id: str) -> bool:
        """Return whether this key may record one more correction now."""
        if self.rate <= 0:
            return True
        now = self.clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = TokenBucket(self.rate, self.burst, self.burst, now)
        return bucket.take(now)


# A process leases about this many seconds' worth of a key's rate from the fleet's bucket at
# once (and at most a tenth of its burst): one database round trip per lease instead of one per
# request. Tokens leased and not yet spent are the most a process can hold back from the others.
LEASE_SECONDS = 0.1

Lease = Callable[[int], Awaitable[tuple[int, float]]]


class LeasedBucket:
    """This process's share of a token bucket that several processes draw from: tokens taken
    from the shared bucket (`lease(n)` -> (taken, left there)) a few at a time and spent here.

    When the shared bucket is empty, requests are refused here, without asking again, until it
    can hold a whole token (nobody but time adds tokens to it)."""

    def __init__(self, rate: float, burst: float, lease: Lease,
                 clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.rate, self.burst, self.lease, self.clock = rate, burst, lease, clock
        self.batch = max(1, min(int(rate * LEASE_SECONDS), int(burst) // 10))
        self.tokens = 0
        self.left = burst  # in the shared bucket, as last seen
        self._empty_until = 0.0
        self._leasing = asyncio.Lock()

    async def take(self) -> tuple[bool, float]:
        """Spend one token if there is one here or in the shared bucket; return whether one was
        spent and about how many are left (here and there)."""
        if self.tokens <= 0:
            async with self._leasing:  # one lease at a time: the others wait and share it
                if self.tokens <= 0 and self.clock() >= self._empty_until:
                    taken, self.left = await self.lease(self.batch)
                    self.tokens += taken
                    if not taken:
                        self._empty_until = self.clock() + (1.0 - self.left) / self.rate
        if self.tokens <= 0:
            return False, self.left
        self.tokens -= 1
        return True, self.tokens + self.left
