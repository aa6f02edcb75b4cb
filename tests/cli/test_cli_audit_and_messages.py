"""CLI details: its actions in the audit log, `admin audit`'s columns, replay's exit status,
`keys revoke` given a key instead of its id, dates in `models show`.

The CLI runs in-process (`main([...])`); webhook commands run in a worker thread (the CLI runs
its own event loop) against a real aiohttp receiver on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from aiohttp import web

from spectrum_rpc.cli import main
from spectrum_rpc.store import Store

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ACTOR = f"cli:{getpass.getuser()}"


def audit_rows(db: Path) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute(
            "SELECT actor, action, project, target, detail FROM admin_audit ORDER BY id"
        ).fetchall()


def test_key_commands_are_in_the_audit_log_as_the_os_user(capsys, db_path):
    assert main(["keys", "create", "--db", str(db_path), "--name", "ci", "--project", "acme"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    with closing(sqlite3.connect(db_path)) as conn, conn:
        ((key_id,),) = conn.execute("SELECT id FROM api_keys").fetchall()
    assert main(["keys", "revoke", "--db", str(db_path), key_id]) == 0
    rows = audit_rows(db_path)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (ACTOR, "key.create", "acme", key_id),
        (ACTOR, "key.revoke", "acme", key_id),
    ]
    assert key not in str(rows)


def test_revoking_a_key_instead_of_its_id_says_which_id_it_wants(capsys, db_path):
    assert main(["keys", "create", "--db", str(db_path), "--name", "ci"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    status = main(["keys", "revoke", "--db", str(db_path), key])
    out, err = capsys.readouterr()
    assert status != 0 and out == ""
    assert "key_" in err and "keys list" in err
    assert key not in err  # the key is not echoed back
    with closing(sqlite3.connect(db_path)) as conn, conn:
        assert conn.execute("SELECT revoked_at FROM api_keys").fetchall() == [(None,)]


def test_admin_audit_prints_a_header_and_the_address(capsys, db_path):
    async def record() -> None:
        async with Store(db_path) as store:
            await store.admin.audit("alice", "login", address="198.51.100.7")

    asyncio.run(record())
    assert main(["admin", "audit", "--db", str(db_path)]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:7] == ["TIME", "ACTOR", "ACTION", "PROJECT", "TARGET", "ADDRESS",
                                  "DETAIL"]  # fmt: skip
    assert row.split()[1:3] == ["alice", "login"] and "198.51.100.7" in row.split()


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    statuses: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}/hook", statuses


async def test_webhook_commands_are_audited_and_a_failed_replay_exits_1(
    db_path, receiver, monkeypatch, capsys
):
    url, statuses = receiver
    monkeypatch.setenv("SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("SPECTRUM_RPC_WEBHOOKS_SCHEDULE", "0")

    async def spectrum(*args: str) -> tuple[int, str]:
        code = await asyncio.to_thread(main, ["webhooks", args[0], "--db", str(db_path),
                                              *args[1:]])  # fmt: skip
        return code, capsys.readouterr().out

    code, out = await spectrum("add", "--url", url, "--basic-auth", "u:first-pass")
    fields = dict(p.split("=", 1) for p in out.split())
    hook = fields["id"]
    assert code == 0
    assert (await spectrum("update", hook, "--basic-auth", "u:second-pass"))[0] == 0
    statuses += [500, 500]
    assert (await spectrum("test", hook))[0] == 1
    failed_id = (await spectrum("deliveries", "--failed"))[1].splitlines()[1].split()[0]

    code, out = await spectrum("replay", failed_id)  # the receiver answers 500 again
    assert code == 1 and "failed status=500" in out
    code, out = await spectrum("replay", failed_id)
    assert code == 0 and "delivered status=200" in out
    for command in (["disable", hook], ["enable", hook], ["rotate-secret", hook],
                    ["remove", hook]):  # fmt: skip
        assert (await spectrum(*command))[0] == 0

    rows = audit_rows(db_path)
    assert {r[0] for r in rows} == {ACTOR}
    assert [r[1] for r in rows] == [
        "webhook.create", "webhook.update", "webhook.test", "webhook.replay", "webhook.replay",
        "webhook.disable", "webhook.enable", "webhook.secret.rotate", "webhook.delete",
    ]  # fmt: skip
    assert {r[3] for r in rows} == {hook}
    logged = str(rows)
    for secret in ("first-pass", "second-pass", fields["secret"]):
        assert secret not in logged


@pytest.mark.slow
def test_models_show_prints_dates_as_models_list_does(capsys, tmp_path):
    db = str(tmp_path / "models.db")
    assert main(["models", "list", "--db", db]) == 0
    listing = capsys.readouterr().out.splitlines()
    version, created = listing[1].split()[0], listing[1].split()[3]
    assert main(["models", "show", version, "--db", db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["created_at"] == created and ISO.match(shown["created_at"])
    assert shown["promotions"] and all(ISO.match(p["at"]) for p in shown["promotions"])
