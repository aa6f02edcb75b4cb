"""`spectrum-rpc webhooks ...` run in-process (`main([...])`), against real receivers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.cli import main

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["webhooks", args[0], "--db", str(db), *args[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[str, str]:
    code, out, err = run(capsys, db, "add", *args)
    assert code == 0, err
    fields = dict(part.split("=", 1) for part in out.strip().splitlines()[-1].split())
    return fields["id"], fields["secret"]


def test_add_prints_id_and_secret_and_list_hides_them(capsys, db_path):
    webhook_id, secret = add(
        capsys,
        db_path,
        "--url",
        "https://example.com/hook",
        "--project",
        "shop",
        "--on",
        "toxic,phishing",
        "--basic-auth",
        "user:hunter2",
        "--description",
        "moderation bot",
    )
    assert webhook_id.startswith("wh_") and secret.startswith("whsec_")
    code, out, err = run(capsys, db_path, "list")
    assert code == 0
    assert webhook_id in out and "shop" in out and "toxic,phishing" in out and "basic" in out
    assert secret not in out + err and "hunter2" not in out + err and "user" not in out


def test_given_secret_is_kept(capsys, db_path):
    _, secret = add(capsys, db_path, "--url", "https://example.com/hook", "--secret", SECRET)
    assert secret == SECRET


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "not a url"], "scheme"),
        (["--url", "ftp://example.com/x"], "http or https"),
        (["--url", "https://user:pw@example.com/"], "--basic-auth"),
        (["--url", "https://example.com/", "--on", "rude"], "unknown event 'rude'"),
        (["--url", "https://example.com/", "--secret", "sk_nope"], "whsec_"),
        (["--url", "https://example.com/", "--secret", "whsec_c2hvcnQ="], "24 to 64 bytes"),
        (["--url", "https://example.com/", "--secret", "whsec_!!!"], "base64"),
        (["--url", "https://example.com/", "--basic-auth", "nopassword"], "USER:PASS"),
    ],
)
def test_invalid_input_is_a_usage_error(capsys, db_path, args, message):
    code, out, err = run(capsys, db_path, "add", *args)
    assert code == 2 and message in err and out == ""


def test_usage_errors_from_argparse_exit_2(capsys, db_path):
    with pytest.raises(SystemExit) as info:
        main(["webhooks", "add", "--db", str(db_path)])  # --url missing
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["webhooks", "deliveries", "--db", str(db_path), "--since", "yesterday"])
    assert info.value.code == 2


def test_update_enable_disable_rotate_remove(capsys, db_path):
    webhook_id, secret = add(capsys, db_path, "--url", "https://example.com/a")
    code, out, _ = run(
        capsys,
        db_path,
        "update",
        webhook_id,
        "--url",
        "https://example.com/b",
        "--on",
        "flagged",
        "--basic-auth",
        "a:b",
    )
    assert code == 0 and "https://example.com/b" in out and "flagged" in out and "auth=basic" in out
    code, out, _ = run(capsys, db_path, "update", webhook_id, "--no-basic-auth")
    assert code == 0 and "auth=-" in out
    assert run(capsys, db_path, "update", webhook_id, "--on", "bogus")[0] == 2
    assert run(capsys, db_path, "update", webhook_id)[0] == 2  # nothing to change

    assert run(capsys, db_path, "disable", webhook_id)[1].strip() == f"{webhook_id} disabled"
    assert "disabled" in run(capsys, db_path, "list")[1]
    assert run(capsys, db_path, "enable", webhook_id)[1].strip() == f"{webhook_id} enabled"

    code, out, _ = run(capsys, db_path, "rotate-secret", webhook_id)
    new_secret = out.strip().split("secret=")[1]
    assert code == 0 and new_secret.startswith("whsec_") and new_secret != secret

    assert run(capsys, db_path, "remove", webhook_id)[0] == 0
    code, _, err = run(capsys, db_path, "remove", webhook_id)
    assert code == 1 and "no webhook" in err
    assert run(capsys, db_path, "enable", "wh_missing")[0] == 1


def test_replay_needs_ids_or_all_failed_since(capsys, db_path):
    assert run(capsys, db_path, "replay")[0] == 2
    assert run(capsys, db_path, "replay", "--all-failed")[0] == 2
    assert run(capsys, db_path, "replay", "7")[0] == 1  # no such delivery


# -- test, deliveries and replay against a real receiver ---------------------------------


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    got: list[web.Request] = []
    statuses: list[int] = []
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        got.append(request)
        bodies.append(await request.read())
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}/hook", got, statuses, bodies


@pytest.fixture
def spectrum(monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Run the CLI in a worker thread (it runs its own event loop) while the receiver serves."""
    monkeypatch.setenv("SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("SPECTRUM_RPC_WEBHOOKS_SCHEDULE", "0")

    async def call(db: Path, *args: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(main, ["webhooks", args[0], "--db", str(db), *args[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return call


async def test_test_deliveries_and_replay_commands(db_path, receiver, spectrum):
    url, got, statuses, bodies = receiver
    code, out, err = await spectrum(db_path, "add", "--url", url, "--basic-auth", "u:pw")
    assert code == 0, err
    fields = dict(p.split("=", 1) for p in out.split())

    statuses.append(500)
    code, out, err = await spectrum(db_path, "test", fields["id"])
    assert code == 1 and "failed status=500" in out and "latency=" in out
    code, out, err = await spectrum(db_path, "test", fields["id"])
    assert code == 0 and "delivered status=200" in out
    assert Webhook(fields["secret"]).verify(bodies[-1], dict(got[-1].headers))["meta"] == {
        "test": True
    }

    code, out, _ = await spectrum(db_path, "deliveries", "--failed")
    failed_id = out.splitlines()[1].split()[0]
    assert code == 0 and len(out.splitlines()) == 2 and "HTTP 500" in out
    code, out, _ = await spectrum(db_path, "deliveries", failed_id)
    assert code == 0 and "500" in out.splitlines()[-1]

    code, out, err = await spectrum(db_path, "replay", failed_id)
    assert code == 0 and "queued 1" in out and "delivered status=200" in out, err
    assert (await spectrum(db_path, "deliveries", "--failed"))[1].count("\n") == 1

    statuses.append(503)
    await spectrum(db_path, "test", fields["id"])
    code, out, _ = await spectrum(
        db_path, "replay", "--all-failed", "--since", "2000-01-01T00:00:00Z"
    )
    assert code == 0 and "queued 1" in out and "delivered status=200" in out
    assert "u:pw" not in out and fields["secret"] not in out
