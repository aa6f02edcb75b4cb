"""A usage flush counts once, whatever becomes of its acknowledgement.

On a real PostgreSQL reached over TCP through a relay that cuts the connection at the flush's
COMMIT: once the server has it (it commits; the flusher only sees the connection lost) or
before (the server rolls back). Either way the flusher writes the same batch again at its next
flush, and the counts are stored once. And the store itself, on both backends: a batch written
twice is applied once; the ids of batches known applied are dropped; the others after
FLUSH_RETENTION."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from spectrum_rpc.auth import Usage
from spectrum_rpc.store import Count, Store, StoreUnavailable
from spectrum_rpc.store import usage as usage_store
from tests.auth.test_usage import Clock, make_key
from tests.helpers.postgres import PostgresServer, query
from tests.helpers.relay import Relay

DECEMBER = "2026-12"


@pytest.fixture
async def relayed(postgres_server: PostgresServer) -> AsyncIterator[tuple[Relay, Store, str]]:
    """The relay, a store on a fresh database through it, and that database's own URL."""
    url = postgres_server.database_for_one_test()
    async with Relay(postgres_server) as relay, Store(relay.url(url)) as store:
        yield relay, store, url


async def stored(url: str) -> tuple[list[tuple], list[tuple]]:
    """Return the committed usage counts (key, requests) and flush ids, read from outside."""
    counts = query(url, "SELECT key_id, requests FROM usage_counts ORDER BY key_id")
    return counts, query(url, "SELECT id FROM usage_flushes")


async def until_committed(url: str, batches: int) -> None:
    """Wait for the server to finish a commit whose answer was cut (it is its own now)."""
    for _ in range(200):
        if len((await stored(url))[1]) >= batches:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the cut COMMIT never committed")


@pytest.mark.parametrize("lost", ["answer", "commit"])
async def test_a_flush_written_again_after_its_commit_was_cut_counts_once(relayed, lost):
    relay, store, url = relayed
    usage = Usage(store, flush_interval=3600, clock=Clock(), monotonic=Clock())
    await usage.start()
    key = await make_key(store)
    for _ in range(3):
        await usage.admit(key, "spectrum")
    relay.lose_next_commit(lost)
    with pytest.raises(StoreUnavailable):
        await usage.flush()
    assert relay.commits_cut == 1
    if lost == "answer":  # committed all the same: the three are stored
        await until_committed(url, 1)
        assert (await stored(url))[0] == [(key.id, 3)]
    else:
        assert (await stored(url))[0] == []
    for _ in range(2):
        await usage.admit(key, "spectrum")
    await usage.flush()  # the cut batch as it was, then the two since
    assert (await usage.report(key.id)).requests == 5
    await usage.close()
    counts, flushes = await stored(url)
    assert counts == [(key.id, 5)]
    assert len(flushes) == 1  # the last batch's id; the others' were dropped once known applied


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request, tmp_path) -> AsyncIterator[Store]:  # type: ignore[no-untyped-def]
    location = (str(tmp_path / "store.db") if request.param == "sqlite"
                else request.getfixturevalue("postgres_url"))
    async with Store(location) as opened:
        yield opened


async def counted(store: Store) -> int:
    return sum((await store.usage.totals(DECEMBER)).values())


async def flush_ids(store: Store) -> set[str]:
    return {row[0] for row in await store.db.fetchall("SELECT id FROM usage_flushes")}


async def test_a_batch_written_twice_is_applied_once(store):
    counts = [Count("k1", "acme", DECEMBER, "spectrum", 3, 1),
              Count("k2", "acme", DECEMBER, "openai", 4)]
    await store.usage.add(counts, "b1")
    await store.usage.add(counts, "b1")
    assert await store.usage.totals(DECEMBER) == {"k1": 3, "k2": 4}
    await store.usage.add(counts[:1], "b2")  # another batch of the same counts adds up
    assert await store.usage.totals(DECEMBER) == {"k1": 6, "k2": 4}
    assert await flush_ids(store) == {"b1", "b2"}
    await store.usage.add(counts[1:], "b3", forget=["b1", "b2"])
    assert await flush_ids(store) == {"b3"}
    assert await counted(store) == 14


async def test_ids_never_forgotten_go_after_the_retention(store, monkeypatch):
    now = 1_800_000_000.0
    monkeypatch.setattr(usage_store, "now", lambda: now)
    await store.usage.add([Count("k1", "acme", DECEMBER, "spectrum", 1)], "old")
    now += usage_store.FLUSH_RETENTION - 1
    await store.usage.add([Count("k1", "acme", DECEMBER, "spectrum", 1)], "newer")
    assert await flush_ids(store) == {"old", "newer"}
    now += 2
    await store.usage.add([Count("k1", "acme", DECEMBER, "spectrum", 1)], "newest")
    assert await flush_ids(store) == {"newer", "newest"}
    assert await counted(store) == 3
