"""Poisoning guards: the key-share check and the retrain lock (the per-key rate limit on
feedback is `auth.KeyRateLimiter`)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator

from ..store import Store

LOCK_NAME = "retrain"


class RetrainRefused(Exception):
    """A guard refused to start or finish a retrain; the message says why."""


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
