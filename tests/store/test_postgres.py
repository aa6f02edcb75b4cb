"""What only the PostgreSQL store has to get right: several processes on one database
(migrations at once, claims, the retrain lock, a dead process's claims), and a URL whose
password never shows."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from spectrum_rpc.store import Store, StoreOpenError, is_url, mask
from spectrum_rpc.store.postgres import translate
from spectrum_rpc.store.schema import MIGRATIONS, POSTGRES_MIGRATIONS
from spectrum_rpc.webhooks import management as ops
from tests.helpers.postgres import query
from tests.helpers.webhooks import classify


def test_a_url_selects_postgresql_and_its_password_is_masked():
    assert is_url("postgresql://u:pw@h:5432/db") and is_url("postgres://h/db")
    assert not is_url("var/spectrum.db") and not is_url("/tmp/postgresql.db")
    assert mask("postgresql://u:s3cret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask("postgresql://u@h/db") == "postgresql://u@h/db"
    assert translate("SELECT ? WHERE a = ? AND b IN (?, ?)") == (
        "SELECT $1 WHERE a = $2 AND b IN ($3, $4)"
    )


def test_both_backends_have_every_migration():
    assert len(POSTGRES_MIGRATIONS) == len(MIGRATIONS)


async def test_a_failed_connection_names_the_server_but_never_the_password(unused_tcp_port):
    store = Store(f"postgresql://spectrum:s3cret@127.0.0.1:{unused_tcp_port}/nowhere")
    with pytest.raises(StoreOpenError) as info:
        await store.open()
    assert "s3cret" not in str(info.value) and "***" in str(info.value)
    assert "\n" not in str(info.value)


async def test_processes_starting_at_once_migrate_once(postgres_url):
    stores = [Store(postgres_url) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        rows = query(postgres_url, "SELECT version FROM schema_version ORDER BY version")
        assert rows == [(n,) for n in range(1, len(POSTGRES_MIGRATIONS) + 1)]
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_a_newer_schema_is_refused(postgres_url):
    async with Store(postgres_url):
        pass
    query(postgres_url, "INSERT INTO schema_version VALUES (?)", len(POSTGRES_MIGRATIONS) + 1)
    store = Store(postgres_url)
    with pytest.raises(StoreOpenError, match="newer"):
        await store.open()


async def test_concurrent_claims_from_two_processes_never_share_a_delivery(postgres_url):
    async with Store(postgres_url) as one, Store(postgres_url) as two:
        for i in range(3):
            await ops.add_webhook(one, f"http://127.0.0.1:9/hook{i}", allow_private_addresses=True)
        for _ in range(40):
            await classify(one)
        claimed: list[list[int]] = [[], []]

        async def claimer(store: Store, into: list[int], token: str) -> None:
            for round_ in range(30):
                t = 1e10  # everything is due
                claims = await store.webhooks.claim(f"{token}{round_}", t, t + 60, 5, 50)
                into += [c.delivery.id for c in claims]

        await asyncio.gather(claimer(one, claimed[0], "a"), claimer(two, claimed[1], "b"))
        everything = claimed[0] + claimed[1]
        assert len(everything) == len(set(everything)) == 120  # each once, none twice
        assert claimed[0] and claimed[1]


async def test_a_dead_processes_claims_are_taken_over_at_once(postgres_url):
    async with Store(postgres_url) as survivor:
        await ops.add_webhook(survivor, "http://127.0.0.1:9/hook", allow_private_addresses=True)
        await classify(survivor)
        t = 1e10
        dying = await Store(postgres_url).open()
        assert len(await dying.webhooks.claim("dying", t, t + 3600, 10, 4)) == 1
        assert await survivor.webhooks.claim("early", t, t + 3600, 10, 4) == []  # alive: held
        await dying.close()  # as a kill -9 would: its connections close, its locks go
        (taken,) = await survivor.webhooks.claim("late", t, t + 3600, 10, 4)
        assert taken.delivery.attempts == 0


async def test_the_retrain_lock_holds_across_processes_and_dies_with_its_holder(postgres_url):
    async with Store(postgres_url) as one, Store(postgres_url) as two:
        assert await one.models.acquire_lock("retrain", "one", ttl=3600)
        assert not await two.models.acquire_lock("retrain", "two", ttl=3600)
        assert (await two.models.lock_holder("retrain"))[0] == "one"
        await one.models.release_lock("retrain", "one")
        assert await two.models.acquire_lock("retrain", "two", ttl=3600)
    # "two" closed without releasing (a crash): the row says it holds the lock for an hour,
    # but its advisory lock is gone, so the next process takes over at once.
    async with Store(postgres_url) as three:
        assert await three.models.acquire_lock("retrain", "three", ttl=3600)
        await three.models.release_lock("retrain", "three")


async def test_writes_are_durable_in_the_server_when_acknowledged(postgres_url):
    async with Store(postgres_url) as store:
        setting = await store.db.fetchone("SHOW synchronous_commit")
        assert setting == ("on",)
        await store.feedback.add(project="p", key_id="k", created_at=1.0, content="kept",
                                 content_sha256="0" * 64, should_block=True, labels=None,
                                 meta=None)  # fmt: skip
    assert query(postgres_url, "SELECT content FROM feedback") == [("kept",)]


async def test_a_bad_statement_names_the_driver_error(postgres_url):
    async with Store(postgres_url) as store:
        with pytest.raises(asyncpg.UndefinedTableError):
            await store.db.execute("DELETE FROM nowhere")


def test_without_initdb_the_tests_are_skipped_and_say_why(monkeypatch):
    from tests.helpers import postgres as helper

    monkeypatch.setattr(helper, "find_bin_dir", lambda: None)
    reason = helper.start(5432)
    assert isinstance(reason, str) and "apt-get install postgresql" in reason
