"""Poisoning guards: a per-key token bucket on feedback, the key-share check, the retrain lock."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ..store import Store

LOCK_NAME = "retrain"


class RetrainRefused(Exception):
    """A guard refused to start or finish a retrain; the message says why."""


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


def check_key_shares(shares: dict[str, float], max_share: float) -> None:
    """Refuse when one key contributed more than `max_share` of the feedback."""
    if not shares or max_share >= 1.0:
        return
    key, share = max(shares.items(), key=lambda kv: kv[1])
    if share > max_share:
        raise RetrainRefused(
            f"API key {key} contributed {share:.0%} of the feedback, more than the allowed "
            f"{max_share:.0%} (training.max_key_share): review it, exclude rows with "
            "`spectrum-rpc feedback exclude`, or raise the limit"
        )


@contextlib.asynccontextmanager
async def retrain_lock(store: Store, ttl: float) -> AsyncIterator[str]:
    """Hold the store's retrain lock (expiring after `ttl` s) or raise RetrainRefused."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    if not await store.models.acquire_lock(LOCK_NAME, owner, ttl):
        holder = await store.models.lock_holder(LOCK_NAME)
        who = f"{holder[0]} until {time.strftime('%H:%M:%S', time.gmtime(holder[1]))} UTC" \
            if holder else "another process"
        raise RetrainRefused(f"another retrain is running ({who})")
    try:
        yield owner
    finally:
        await store.models.release_lock(LOCK_NAME, owner)
