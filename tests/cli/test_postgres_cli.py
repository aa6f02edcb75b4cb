"""Every command group on PostgreSQL (`--db postgresql://...`), run in-process through main().

`serve` runs as a real process on PostgreSQL in tests/test_postgres_processes.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import random
from pathlib import Path

import pytest

from spectrum_rpc.cli import main
from spectrum_rpc.store import Store, generate_key
from tests.helpers.admin import PASSWORD
from tests.helpers.cli import run
from tests.helpers.postgres import query
from tests.helpers.training import corrections, environment, training_sections


def add_feedback(url: str, params: list[dict]) -> None:
    async def add() -> None:
        async with Store(url) as store:
            for i, p in enumerate(params):
                digest = hashlib.sha256(p["content"].encode()).hexdigest()
                await store.feedback.add(project="default", key_id=f"k{i % 4}",
                                         created_at=1000.0 + i, content=p["content"],
                                         content_sha256=digest, should_block=p["shouldBlock"],
                                         labels=p.get("labels"), meta=None)  # fmt: skip

    asyncio.run(add())


def test_keys(capsys, postgres_url):
    status, out, _ = run(capsys, "keys", "create", "--db", postgres_url, "--name", "ci",
                         "--project", "acme")  # fmt: skip
    assert status == 0
    key = out.strip().splitlines()[-1]
    (key_id,) = query(postgres_url, "SELECT id FROM api_keys")[0]
    status, out, _ = run(capsys, "keys", "list", "--db", postgres_url)
    assert status == 0 and key_id in out and key not in out
    assert run(capsys, "keys", "revoke", key_id, "--db", postgres_url)[0] == 0
    assert query(postgres_url, "SELECT revoked_at IS NOT NULL FROM api_keys") == [(True,)]


def test_webhooks(capsys, postgres_url):
    status, out, err = run(capsys, "webhooks", "add", "--db", postgres_url, "--url",
                           "https://example.com/hook", "--basic-auth", "user:hunter2")  # fmt: skip
    assert status == 0, err
    fields = dict(part.split("=", 1) for part in out.strip().splitlines()[-1].split())
    status, out, err = run(capsys, "webhooks", "list", "--db", postgres_url)
    assert status == 0 and fields["id"] in out and "hunter2" not in out + err
    status, _, err = run(capsys, "webhooks", "update", fields["id"], "--db", postgres_url,
                         "--url", "https://example.org/hook")  # fmt: skip
    assert status == 0, err
    assert query(postgres_url, "SELECT url FROM webhooks") == [("https://example.org/hook",)]
    status, _, err = run(capsys, "webhooks", "deliveries", "--db", postgres_url)
    assert status == 0, err


def test_feedback_export_and_exclude(capsys, postgres_url):
    add_feedback(postgres_url, [{"content": "one", "shouldBlock": True},
                                {"content": "two", "shouldBlock": False}])  # fmt: skip
    status, out, err = run(capsys, "feedback", "export", "--db", postgres_url)
    assert status == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [r["content"] for r in rows] == ["one", "two"]
    first_id = query(postgres_url, "SELECT MIN(id) FROM feedback")[0][0]
    assert run(capsys, "feedback", "exclude", str(first_id), "--db", postgres_url)[0] == 0
    assert query(postgres_url, "SELECT content FROM feedback WHERE excluded = 1") == [("one",)]


def test_admin_users_and_audit(capsys, postgres_url, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    args = ["admin", "create-user", "--db", postgres_url, "--name", "carol", "--password-stdin"]
    assert main(args) == 0
    assert main(["admin", "list-users", "--db", postgres_url]) == 0
    assert main(["admin", "audit", "--db", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "carol" in out and PASSWORD not in out


def test_store_rotate_key_seals_every_secret(capsys, postgres_url, monkeypatch):
    assert run(capsys, "webhooks", "add", "--db", postgres_url, "--url",
               "https://example.com/hook")[0] == 0  # fmt: skip
    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", generate_key())
    status, _, err = run(capsys, "store", "rotate-key", "--db", postgres_url)
    assert status == 0, err
    ((secret,),) = query(postgres_url, "SELECT secret FROM webhooks")
    assert secret.startswith("sealed:")


def test_an_unreachable_server_is_one_line_without_the_password(capsys, unused_tcp_port):
    url = f"postgresql://spectrum:s3cret@127.0.0.1:{unused_tcp_port}/db"
    status, out, err = run(capsys, "keys", "list", "--db", url)
    assert status != 0 and "s3cret" not in out + err and "***" in err


@pytest.mark.slow
def test_retrain_and_models(tmp_path, monkeypatch, capsys, postgres_url):
    for name, value in environment(training_sections(tmp_path)).items():
        monkeypatch.setenv(name, value)
    add_feedback(postgres_url, corrections(random.Random(2), 80))
    db = postgres_url
    assert main(["retrain", "--db", db, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    version = report["version"]
    assert report["decision"]["promoted"] and Path(report["path"], "training.json").is_file()
    assert main(["models", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert [line.split()[-1] for line in listing.splitlines()[1:]] == ["-", "global"]
    assert main(["models", "show", version, "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["promotions"]
    assert main(["models", "rollback", "--db", db]) == 0
    assert "now uses tiny-1" in capsys.readouterr().out
    assert main(["models", "promote", version, "--db", db]) == 0
    assert f"{version} is active for global" in capsys.readouterr().out
