"""The guards of a retrain (training.guards): one key's share of the feedback, the per-key token
bucket, the retrain lock."""

from __future__ import annotations

import pytest

from spectrum_rpc.auth import KeyRateLimiter
from spectrum_rpc.training import RetrainRefused
from spectrum_rpc.training.guards import check_key_shares, retrain_lock


def test_key_share_refusal_names_the_key():
    check_key_shares({"k1": 0.5, "k2": 0.5}, 0.6)
    with pytest.raises(RetrainRefused, match="k1 contributed 80%"):
        check_key_shares({"k1": 0.8, "k2": 0.2}, 0.6)


def test_token_bucket_per_key():
    clock = [0.0]
    limiter = KeyRateLimiter(rate=1.0, burst=2, clock=lambda: clock[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    clock[0] += 1.0
    assert limiter.allow("a") and not limiter.allow("a")
    assert all(KeyRateLimiter(0, 1).allow("a") for _ in range(100))


async def test_lock_refuses_a_second_retrain_until_it_expires(store, monkeypatch):
    async with retrain_lock(store, ttl=60):
        with pytest.raises(RetrainRefused, match="another retrain is running"):
            async with retrain_lock(store, ttl=60):
                pass
    async with retrain_lock(store, ttl=60):
        pass  # released
    # A holder that died leaves a lock that expires.
    assert await store.models.acquire_lock("retrain", "dead-process", ttl=60)
    monkeypatch.setattr("spectrum_rpc.store.model_versions.now", lambda: 10**12)
    async with retrain_lock(store, ttl=60) as owner:
        assert owner != "dead-process"
