"""Secrets at rest: webhook secrets sealed under a master key, rotation, owner-only files.

Real SQLite files in tmp_path, read back with a separate sqlite3 connection; deliveries go to
a real aiohttp receiver on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.app import create_app
from spectrum_rpc.cli import main
from spectrum_rpc.resources import STORE
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store
from spectrum_rpc.store.encryption import MasterKeyError, SecretBox, generate_key
from spectrum_rpc.webhooks import Dispatcher, create_session
from spectrum_rpc.webhooks import management as ops

PASSWORD = "hunter2-basic-pass"
OLD, NEW = generate_key(), generate_key()


def raw_columns(db: Path) -> list[tuple[object, object, object]]:
    """The sealed columns as stored, through a connection of its own."""
    with closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute(
            "SELECT basic_password, secret, previous_secret FROM webhooks ORDER BY id"
        ).fetchall()


async def add(store: Store) -> ops.Created:
    return await ops.add_webhook(
        store, "https://example.com/hook", basic_auth=f"alice:{PASSWORD}"
    )


async def test_secrets_are_sealed_in_the_table_and_clear_in_records(db_path):
    async with Store(db_path, secret_box=SecretBox([NEW])) as store:
        created = await add(store)
        new_secret = await ops.rotate_secret(store, created.view.id)
        record = await store.webhooks.get(created.view.id)
    assert (record.basic_password, record.secret, record.previous_secret) == (
        PASSWORD, new_secret, created.secret
    )
    ((password, secret, previous),) = raw_columns(db_path)
    assert all(isinstance(v, bytes) for v in (password, secret, previous))
    wal = Path(f"{db_path}-wal")  # checkpointed and removed when the last connection closed
    file = db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for clear in (PASSWORD, created.secret, new_secret):
        assert clear.encode() not in file
        assert clear.removeprefix("whsec_").encode() not in file


async def test_deliveries_are_signed_with_the_sealed_secret(db_path, aiohttp_server):
    got: list[tuple[dict[str, str], bytes]] = []

    async def handle(request: web.Request) -> web.Response:
        got.append((dict(request.headers), await request.read()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await aiohttp_server(app)
    url = f"http://127.0.0.1:{server.port}/hook"
    settings = load_settings(environ={}, overrides={"webhooks": {"allow_private_addresses": True}})
    async with Store(db_path, secret_box=SecretBox([NEW])) as store:
        created = await ops.add_webhook(store, url, basic_auth=f"alice:{PASSWORD}",
                                        allow_private_addresses=True)
        async with create_session(settings.webhooks) as session:
            dispatcher = Dispatcher(store, session, settings.webhooks)
            result = await ops.send_test(store, dispatcher, created.view.id)
            await dispatcher.close()
    assert result.state == "delivered"
    ((headers, body),) = got
    assert Webhook(created.secret).verify(body, headers)["meta"] == {"test": True}
    assert headers["Authorization"] == "Basic " + base64.b64encode(
        f"alice:{PASSWORD}".encode()
    ).decode()


async def test_rows_in_clear_stay_readable_and_are_sealed_when_a_key_appears(db_path):
    async with Store(db_path) as store:  # no master key: stored in clear
        created = await add(store)
    assert raw_columns(db_path) == [(PASSWORD, created.secret, None)]

    async with Store(db_path, secret_box=SecretBox([NEW])) as store:
        record = await store.webhooks.get(created.view.id)
        assert (record.basic_password, record.secret) == (PASSWORD, created.secret)
    ((password, secret, previous),) = raw_columns(db_path)
    assert isinstance(password, bytes) and isinstance(secret, bytes) and previous is None


async def test_a_missing_or_wrong_key_stops_the_store_at_open(db_path):
    async with Store(db_path, secret_box=SecretBox([OLD])) as store:
        await add(store)
    for box in (None, SecretBox([NEW])):
        with pytest.raises(MasterKeyError) as info:
            await Store(db_path, secret_box=box).open()
        assert "master key" in str(info.value) and "\n" not in str(info.value)


def test_rotate_key_reseals_every_secret_under_the_first_key(capsys, db_path, monkeypatch):
    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", OLD)
    argv = ["--db", str(db_path)]
    assert main(["webhooks", "add", *argv, "--url", "https://example.com/a",
                 "--basic-auth", f"alice:{PASSWORD}"]) == 0  # fmt: skip
    secret = capsys.readouterr().out.strip().split("secret=")[1]

    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", NEW)  # the new key alone: refused
    assert main(["keys", "list", *argv]) == 2
    assert "master key" in capsys.readouterr().err

    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", f"{NEW},{OLD}")
    assert main(["store", "rotate-key", *argv]) == 0
    assert "1 webhooks" in capsys.readouterr().out

    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", NEW)  # the old key is not needed now
    assert main(["admin", "audit", *argv]) == 0
    assert "store.rotate_key" in capsys.readouterr().out

    async def read() -> tuple[str | None, str]:
        async with Store(db_path, secret_box=SecretBox([NEW])) as store:
            (record,) = await store.webhooks.list()
            return record.basic_password, record.secret

    assert asyncio.run(read()) == (PASSWORD, secret)


def test_the_key_can_come_from_a_file_listing_the_new_key_first(capsys, tmp_path, db_path):
    key_file = tmp_path / "master.key"
    key_file.write_text(f"# spectrum-rpc master keys, newest first\n{OLD}\n")
    key_file.chmod(0o600)
    config = tmp_path / "site.toml"
    config.write_text(f'[store]\nmaster_key_file = "{key_file}"\n')
    argv = ["--db", str(db_path), "--config", str(config)]
    assert main(["webhooks", "add", *argv, "--url", "https://example.com/a"]) == 0
    key_file.write_text(f"{NEW}\n{OLD}\n")
    assert main(["store", "rotate-key", *argv]) == 0
    key_file.write_text(f"{NEW}\n")
    assert main(["webhooks", "list", *argv]) == 0
    assert "https://example.com/a" in capsys.readouterr().out


def test_rotate_key_without_a_key_and_a_malformed_key_are_one_line(capsys, db_path, monkeypatch):
    assert main(["store", "rotate-key", "--db", str(db_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    monkeypatch.setenv("SPECTRUM_RPC_STORE_MASTER_KEY", "not-a-key")
    assert main(["keys", "list", "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "generate-key" in err


def test_the_master_key_never_shows_in_the_settings_repr():
    settings = load_settings(environ={"SPECTRUM_RPC_STORE_MASTER_KEY": NEW})
    assert settings.store.master_key == NEW and NEW not in repr(settings)


async def test_database_wal_shm_and_new_folders_are_readable_by_the_owner_only(tmp_path):
    previous = os.umask(0o022)  # the usual umask, which gave 0644 files and 0755 folders
    try:
        db = tmp_path / "var" / "data" / "spectrum.db"
        async with Store(db) as store:
            await add(store)
            modes = {p.name: stat.S_IMODE(os.stat(p).st_mode)
                     for p in (db.parent.parent, db.parent, db, Path(f"{db}-wal"),
                               Path(f"{db}-shm"))}  # fmt: skip
    finally:
        os.umask(previous)
    assert modes == {"var": 0o700, "data": 0o700, "spectrum.db": 0o600,
                     "spectrum.db-wal": 0o600, "spectrum.db-shm": 0o600}  # fmt: skip


@pytest.mark.slow
def test_serve_warns_once_at_start_up_when_no_master_key_is_configured(tmp_path):
    script = Path(sys.executable).with_name("spectrum-rpc")
    env = {**os.environ, "SPECTRUM_RPC_ENGINE_PROCESSES": "false"}
    env.pop("SPECTRUM_RPC_STORE_MASTER_KEY", None)
    process = subprocess.Popen(
        [str(script), "serve", "--db", str(tmp_path / "t.db"), "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "serving on" in line:
                break
    finally:
        process.terminate()
        _, rest = process.communicate(timeout=90)
    warnings = [x for x in lines + rest.splitlines() if "no master key is configured" in x]
    assert len(warnings) == 1 and "WARNING" in warnings[0], lines
    assert "store.master_key_file" in warnings[0]


async def test_the_server_seals_with_the_configured_master_key(aiohttp_client, make_settings,
                                                               committed, backend):
    app = create_app(make_settings(store={"master_key": NEW}))
    client = await aiohttp_client(app)
    await add(client.app[STORE])
    ((password, secret),) = committed("SELECT basic_password, secret FROM webhooks")
    if backend.name == "postgresql":  # a TEXT column: the token, tagged
        assert password.startswith("sealed:gAAAA") and secret.startswith("sealed:gAAAA")
        password, secret = password.encode(), secret.encode()
    assert isinstance(password, bytes) and isinstance(secret, bytes)
