"""The store on a real SQLite file and a real PostgreSQL database: migrations, group commit,
durability, repositories (the tests that ask for `store`, `location` or `backend` run on both)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from spectrum_rpc.store import Store
from spectrum_rpc.store.database import StoreClosed
from spectrum_rpc.store.schema import MIGRATIONS


def feedback_row(store: Store, content: str = "x", project: str = "p", **extra):  # type: ignore[no-untyped-def]
    row = dict(
        project=project,
        key_id="key_1",
        created_at=1.0,
        content=content,
        content_sha256="0" * 64,
        should_block=True,
        labels=None,
        meta=None,
    )
    return {**row, **extra}


async def test_migrations_create_the_schema_once(db_path):
    async with Store(db_path):
        pass
    async with Store(db_path) as store:  # reopening applies nothing twice
        assert await store.ping()
    conn = sqlite3.connect(db_path)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (journal,) = conn.execute("PRAGMA journal_mode").fetchone()
    finally:
        conn.close()
    assert version == len(MIGRATIONS)
    assert {"projects", "api_keys", "feedback"} <= tables
    assert journal == "wal"


async def test_a_newer_schema_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    store = Store(db_path)
    with pytest.raises(RuntimeError, match="newer"):
        await store.open()
    await store.close()


async def test_write_is_committed_when_it_returns(store, committed):
    await store.feedback.add(**feedback_row(store, "durable"))
    assert committed("SELECT content FROM feedback") == [("durable",)]


async def test_concurrent_writes_share_transactions(store, committed):
    before = store.db.commits
    await asyncio.gather(*(store.feedback.add(**feedback_row(store, f"r{i}")) for i in range(300)))
    assert len(committed("SELECT id FROM feedback")) == 300
    assert store.db.commits - before < 30
    assert store.db.statements_committed >= 300


async def test_group_size_is_capped(location, committed):
    async with Store(location, max_batch=10) as store:
        before = store.db.commits
        await asyncio.gather(
            *(store.feedback.add(**feedback_row(store, f"r{i}")) for i in range(50))
        )
        assert store.db.commits - before >= 5
    assert len(committed("SELECT id FROM feedback")) == 50


async def test_one_failing_write_does_not_fail_its_neighbours(store, committed, backend):
    good = [store.feedback.add(**feedback_row(store, f"ok{i}")) for i in range(5)]
    bad = store.db.execute("INSERT INTO no_such_table VALUES (1)")
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert results[:5] == [None] * 5
    assert isinstance(results[5], backend.missing_table_error)
    assert len(committed("SELECT id FROM feedback")) == 5


async def test_statements_of_one_write_are_atomic(store, committed, backend):
    with pytest.raises(backend.integrity_error):
        await store.write(
            [
                ("INSERT INTO projects(name, created_at) VALUES (?, ?)", ("a", 1.0)),
                ("INSERT INTO projects(name, created_at) VALUES (?, ?)", ("a", 2.0)),
            ]
        )
    assert committed("SELECT name FROM projects WHERE name = 'a'") == []


async def test_close_flushes_pending_writes(location, committed):
    store = await Store(location).open()
    pending = [
        asyncio.ensure_future(store.feedback.add(**feedback_row(store, f"r{i}"))) for i in range(20)
    ]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*pending)
    assert len(committed("SELECT id FROM feedback")) == 20


async def test_synchronous_setting_is_applied(db_path):
    async with Store(db_path, synchronous="normal") as store:
        row = await store.db.fetchone("PRAGMA synchronous")
        assert row[0] == 1  # NORMAL
    async with Store(db_path) as store:
        assert (await store.db.fetchone("PRAGMA synchronous"))[0] == 2  # FULL, the default


async def test_feedback_round_trip_and_paging(store):
    await store.feedback.add(
        **feedback_row(store, "a", labels={"toxic": True}, meta={"authorId": "1"})
    )
    for i in range(6):
        await store.feedback.add(**feedback_row(store, f"b{i}", project="other"))
    everything = [r async for r in store.feedback.iter_all(page=2)]
    assert [r.content for r in everything] == ["a", "b0", "b1", "b2", "b3", "b4", "b5"]
    first = everything[0]
    assert first.labels == {"toxic": True} and first.meta == {"authorId": "1"}
    assert first.should_block is True and first.excluded is False
    assert [r.content async for r in store.feedback.iter_all("p")] == ["a"]
    assert await store.feedback.count() == 7
    assert await store.feedback.count("other") == 6


async def test_feedback_exclusion(store):
    for i in range(3):
        await store.feedback.add(**feedback_row(store, f"r{i}"))
    ids = [r.id async for r in store.feedback.iter_all()]
    assert await store.feedback.set_excluded([ids[0], 999]) == 1
    rows = [r async for r in store.feedback.iter_all()]
    assert [r.excluded for r in rows] == [True, False, False]
    assert await store.feedback.set_excluded([ids[0]], False) == 1
    assert await store.feedback.set_excluded([]) == 0


async def test_keys_create_find_revoke_touch(store):
    await store.keys.create(
        key_id="key_a", project="acme", name="ci", prefix="sk_abc", key_hash="h1"
    )
    found = await store.keys.find_active("h1")
    assert found is not None and found[0].project == "acme" and found[1] == "h1"
    assert await store.keys.find_active("nope") is None
    assert await store.projects.names() == ["acme"]

    await store.keys.touch({"key_a": 50.0})
    await store.keys.touch({"key_a": 40.0})  # an older time never moves it back
    assert (await store.keys.get("key_a")).last_used_at == 50.0

    assert await store.keys.count_active() == 1
    assert await store.keys.revoke("key_a")
    assert not await store.keys.revoke("key_a")
    assert not await store.keys.revoke("key_missing")
    assert await store.keys.find_active("h1") is None
    assert await store.keys.count_active() == 0
    assert [k.id for k in await store.keys.list("acme")] == ["key_a"]


async def test_duplicate_key_hash_is_refused(store, backend):
    await store.keys.create(key_id="key_a", project="p", name="a", prefix="sk_", key_hash="same")
    with pytest.raises(backend.integrity_error):
        await store.keys.create(
            key_id="key_b", project="p", name="b", prefix="sk_", key_hash="same"
        )


async def test_project_settings_merge(store):
    assert await store.projects.get_settings("nobody") == {}
    await store.projects.update_settings("acme", {"thresholds": {"toxicity": 0.9}})
    merged = await store.projects.update_settings("acme", {"include_text": True})
    assert merged == {"thresholds": {"toxicity": 0.9}, "include_text": True}
    assert await store.projects.get_settings("acme") == merged


async def test_a_write_after_close_fails_at_once_instead_of_waiting_forever(location):
    store = await Store(location).open()
    await store.close()
    async with asyncio.timeout(10):  # a bound against the old hang, not a speed assertion
        with pytest.raises(StoreClosed):
            await store.db.execute("DELETE FROM feedback")


async def test_ping_fails_once_closed(location):
    store = await Store(location).open()
    assert await store.ping()
    await store.close()
    assert not await store.ping()
