"""Per-key rate limits shared by several processes: each leases tokens from the key's bucket
in PostgreSQL a few at a time (here two `LeasedBucket`s on one real database stand for two
processes)."""

from __future__ import annotations

import time

import pytest

from spectrum_rpc.auth.limits import LeasedBucket
from spectrum_rpc.store import Store

RATE, BURST = 100.0, 1000.0  # a lease: a tenth of a second's worth, 10 tokens


@pytest.fixture
async def store(postgres_url):  # type: ignore[no-untyped-def]
    async with Store(postgres_url) as opened:
        yield opened


async def test_two_processes_spend_one_bucket_a_few_tokens_per_lease(store):
    leases = []

    async def lease(wanted: int) -> tuple[int, float]:
        leases.append(wanted)
        return await store.usage.lease_tokens("k1", RATE, BURST, wanted)

    started = time.monotonic()
    buckets = [LeasedBucket(RATE, BURST, lease), LeasedBucket(RATE, BURST, lease)]
    granted, refused_in_a_row, i = 0, 0, 0
    while refused_in_a_row < 2:
        ok, _ = await buckets[i % 2].take()
        granted += ok
        refused_in_a_row = 0 if ok else refused_in_a_row + 1
        i += 1
    elapsed = time.monotonic() - started
    # Every token of the burst is spent, and no more than time added: one bucket for both.
    assert BURST <= granted <= BURST + RATE * elapsed + 1
    assert set(leases) == {10} and len(leases) < granted / 5  # one trip per ten requests


async def test_an_empty_bucket_refuses_without_asking_until_a_token_is_due(store):
    now = [0.0]
    calls = []

    async def lease(wanted: int) -> tuple[int, float]:
        calls.append(wanted)
        return await store.usage.lease_tokens("k2", 1.0, 1.0, wanted)

    bucket = LeasedBucket(1.0, 1.0, lease, clock=lambda: now[0])
    assert (await bucket.take())[0] is True
    assert (await bucket.take())[0] is False
    asked = len(calls)
    for _ in range(100):
        assert (await bucket.take())[0] is False
    assert len(calls) == asked  # refused here until the shared bucket can hold a token again
    now[0] += 1.0
    await bucket.take()
    assert len(calls) == asked + 1
