"""`spectrum-rpc store migrate --from FILE --to URL`: a SQLite store copied into PostgreSQL,
nothing lost (keys, webhooks with their sealed secrets, deliveries, feedback, models, audit,
usage, actors), and again without copying anything twice."""

from __future__ import annotations

import asyncio
import sqlite3

from spectrum_rpc.auth import create_key, hash_key
from spectrum_rpc.store import SCORE_COLUMNS, Count, KeyLimits, SecretBox, Store, generate_key
from spectrum_rpc.store.migrate import TABLES
from spectrum_rpc.webhooks import management as ops
from tests.helpers.cli import run
from tests.helpers.postgres import query
from tests.helpers.webhooks import classify

MASTER = generate_key()


async def fill(db: str) -> tuple[str, str, str]:
    async with Store(db, secret_box=SecretBox([MASTER])) as store:
        new = await create_key(store, "ci", "default")
        created = await ops.add_webhook(store, "https://example.com/hook", basic_auth="u:pw")
        for _ in range(3):
            await classify(store)
        for i in range(5):
            await store.feedback.add(project="default", key_id=new.id, created_at=1.0 + i,
                                     content=f"row {i}", content_sha256="0" * 64,
                                     should_block=bool(i % 2), labels={"toxic": True},
                                     meta=None)  # fmt: skip
        user = await store.admin.create_user("carol", "hash")
        await store.admin.create_session("session-hash", user.id, 1.0)
        await store.usage.set_limits(new.id, KeyLimits(1.0, 2, 100))
        t = 1e10
        (claim,) = await store.webhooks.claim("token", t, t + 60, 1, 1)
        await store.webhooks.record_attempt(claim, "token", at=t, state="delivered",
                                            next_attempt_at=None, status=200, error=None,
                                            latency=0.1, response=b"ok")  # fmt: skip
        await store.admin.add_stats({("default", 100): (2, 1, 0, 0)})
        await store.admin.audit("cli:test", "key.create", target=new.id)
        await store.models.add(version="v1", project=None, origin="shipped", parent=None,
                               path="/models/v1", status="promoted", report={})  # fmt: skip
        await store.models.activate("", "v1", "first")
        await store.usage.add([Count(new.id, "default", "2026-12", "spectrum", 7)])
        await store.actors.record("default", "user-1", "contentmod", ["toxic"])
        await store.traffic.add([("default", 60.0, 0.1, 0.2, 0.3,
                                  *(None,) * (len(SCORE_COLUMNS) - 4), 0.7, 2.5)], 100, 0.0)
        return new.key, created.view.id, created.secret


def counts_sqlite(db: str) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t, _ in TABLES}
    finally:
        conn.close()


def counts_postgres(url: str) -> dict[str, int]:
    return {t: query(url, f"SELECT COUNT(*) FROM {t}")[0][0] for t, _ in TABLES}


def test_migrate_copies_everything_once(capsys, tmp_path, postgres_url):
    db = str(tmp_path / "old.db")
    key, webhook_id, secret = asyncio.run(fill(db))
    status, out, err = run(capsys, "store", "migrate", "--from", db, "--to", postgres_url)
    assert status == 0, err
    before = counts_sqlite(db)
    assert counts_postgres(postgres_url) == before
    assert before["webhook_deliveries"] == 3 and before["feedback"] == 5
    assert all(before.values())  # every table has rows to copy
    assert run(capsys, "store", "migrate", "--from", db, "--to", postgres_url)[0] == 0
    assert counts_postgres(postgres_url) == before  # again: nothing twice

    async def check() -> None:
        async with Store(postgres_url, secret_box=SecretBox([MASTER])) as store:
            assert (await store.webhooks.get(webhook_id)).secret == secret
            assert (await store.webhooks.get(webhook_id)).basic_password == "pw"
            assert await store.keys.find_active(hash_key(key)) is not None
            assert (await store.models.active()) == {"": "v1"}
            await store.feedback.add(project="default", key_id="k", created_at=9.0,
                                     content="new", content_sha256="0" * 64,
                                     should_block=True, labels=None, meta=None)  # fmt: skip
        rows = query(postgres_url, "SELECT id, content FROM feedback ORDER BY id")
        assert [c for _, c in rows] == [f"row {i}" for i in range(5)] + ["new"]
        assert rows[-1][0] == 6  # new ids continue after the copied ones

    asyncio.run(check())
    sealed = query(postgres_url, "SELECT secret FROM webhooks")[0][0]
    assert sealed.startswith("sealed:") and secret not in out + err
    assert query(postgres_url, "SELECT toxicity, identity_attack, weight FROM recent_scores"
                 ) == [(0.1, 0.7, 2.5)]


def test_migrate_refuses_anything_but_a_file_into_a_url(capsys, tmp_path, postgres_url):
    status, _, err = run(capsys, "store", "migrate", "--from", str(tmp_path / "none.db"),
                         "--to", postgres_url)  # fmt: skip
    assert status == 2 and "SQLite file" in err
