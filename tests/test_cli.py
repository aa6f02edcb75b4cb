"""The command line: keys create/list/revoke, feedback export, config errors (exit status 2)."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import subprocess
import sys

import orjson
import pytest
from aiohttp import web

from spectrum_rpc.auth import hash_key
from spectrum_rpc.cli import main
from spectrum_rpc.cli.serve import settle_heap
from spectrum_rpc.gc_tuning import GC_YOUNG_THRESHOLD
from spectrum_rpc.store import Store


def run(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def create(capsys, db, *extra: str) -> str:  # type: ignore[no-untyped-def]
    status, out, _ = run(capsys, "keys", "create", "--db", str(db), *extra)
    assert status == 0
    return out.strip().splitlines()[-1]


def test_keys_create_prints_the_key_alone_on_the_last_line(capsys, db_path, committed):
    key = create(capsys, db_path, "--name", "ci", "--project", "acme")
    assert key.startswith("sk_") and " " not in key
    assert committed("SELECT name, project, key_hash FROM api_keys") == [
        ("ci", "acme", hash_key(key))
    ]


def test_keys_create_defaults_to_the_default_project(capsys, db_path, committed):
    create(capsys, db_path, "--name", "ci")
    assert committed("SELECT project FROM api_keys") == [("default",)]


def test_keys_create_requires_a_name(capsys, db_path):
    with pytest.raises(SystemExit) as info:
        main(["keys", "create", "--db", str(db_path)])
    assert info.value.code == 2


def test_keys_list_never_prints_keys(capsys, db_path, committed):
    keys = [create(capsys, db_path, "--name", f"k{i}", "--project", "acme") for i in range(2)]
    status, out, err = run(capsys, "keys", "list", "--db", str(db_path))
    assert status == 0
    ids = [r[0] for r in committed("SELECT id FROM api_keys")]
    for key_id in ids:
        assert key_id in out
    for key in keys:
        assert key not in out and key not in err
        assert key[len("sk_") + 6 :] not in out  # not even a tail beyond the display prefix
    assert "active" in out


def test_keys_revoke(capsys, db_path, committed):
    create(capsys, db_path, "--name", "ci")
    ((key_id,),) = committed("SELECT id FROM api_keys")
    status, out, _ = run(capsys, "keys", "revoke", "--db", str(db_path), key_id)
    assert status == 0 and key_id in out
    assert committed("SELECT revoked_at IS NOT NULL FROM api_keys") == [(1,)]
    status, _, err = run(capsys, "keys", "revoke", "--db", str(db_path), key_id)
    assert status == 1 and key_id in err
    _, out, _ = run(capsys, "keys", "list", "--db", str(db_path))
    assert "revoked" in out


def seed_feedback(db_path) -> None:  # type: ignore[no-untyped-def]
    async def seed() -> None:
        async with Store(db_path) as store:
            row = dict(key_id="key_1", created_at=1509570919.0, content_sha256="ab" * 32, meta=None)
            await store.feedback.add(
                project="acme",
                content='first, "quoted"\nline',
                should_block=True,
                labels={"toxic": True},
                **{**row, "meta": {"authorId": "1"}},
            )
            await store.feedback.add(
                project="other", content="second", should_block=False, labels=None, **row
            )

    asyncio.run(seed())


def test_feedback_export_jsonl(capsys, db_path):
    seed_feedback(db_path)
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--format", "jsonl")
    assert status == 0
    records = [orjson.loads(line) for line in out.splitlines()]
    assert [r["content"] for r in records] == ['first, "quoted"\nline', "second"]
    first = records[0]
    assert first["project"] == "acme" and first["should_block"] is True
    assert first["labels"] == {"toxic": True} and first["meta"] == {"authorId": "1"}
    assert first["created_at"] == "2017-11-01T21:15:19Z"
    _, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--project", "other")
    assert [orjson.loads(line)["content"] for line in out.splitlines()] == ["second"]


def test_feedback_export_csv(capsys, db_path):
    seed_feedback(db_path)
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--format", "csv")
    assert status == 0
    records = list(csv.DictReader(io.StringIO(out)))
    assert [r["content"] for r in records] == ['first, "quoted"\nline', "second"]
    assert orjson.loads(records[0]["labels"]) == {"toxic": True}
    assert records[1]["labels"] == "" and records[1]["should_block"] == "False"


def test_feedback_export_of_an_empty_store(capsys, db_path):
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path))
    assert (status, out) == (0, "")


def cli(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spectrum_rpc", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env},
    )


@pytest.mark.slow
def test_bad_config_file_is_one_line_and_exit_status_2(tmp_path, db_path):
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nport = 99999\n")
    done = cli("keys", "list", "--db", str(db_path), "--config", str(config))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "server.port" in done.stderr and "Traceback" not in done.stderr

    config.write_text("[server]\nprot = 1\n")
    done = cli("serve", "--db", str(db_path), "--config", str(config))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("spectrum-rpc: config error:")
    assert "server.prot" in done.stderr


@pytest.mark.slow
def test_bad_environment_is_a_config_error(db_path):
    done = cli("keys", "list", "--db", str(db_path), SPECTRUM_RPC_SERVER_PORT="eighty")
    assert done.returncode == 2
    assert "server.port" in done.stderr and done.stderr.count("\n") == 1


def test_out_of_range_config_values_exit_with_status_2(capsys, tmp_path, db_path):
    config = tmp_path / "bad.toml"
    for text, key in (
        ("[engine]\nmax_delay = -1\n", "engine.max_delay"),
        ("[server]\nshutdown_timeout = -5\n", "server.shutdown_timeout"),
    ):
        config.write_text(text)
        status, _, err = run(capsys, "keys", "list", "--db", str(db_path), "--config", str(config))
        assert status == 2
        assert err.count("\n") == 1 and f"config key {key} must" in err


@pytest.mark.slow
def test_serve_refuses_a_zero_flush_interval(db_path):
    # Before this was refused, the server started and its flusher spun a core.
    done = cli(
        "serve", "--db", str(db_path), "--port", "0",
        SPECTRUM_RPC_AUTH_LAST_USED_FLUSH_INTERVAL="0",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "config key auth.last_used_flush_interval must be greater than 0" in done.stderr


async def test_settle_heap_freezes_start_up_objects_and_collects_young_ones_less_often():
    before = gc.get_threshold()
    try:
        await settle_heap(web.Application())
        assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's walks
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        garbage = []
        garbage.append(garbage)  # a cycle: still collected
        del garbage
        assert gc.collect() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.mark.slow
def test_flags_override_the_environment_which_overrides_the_config_file(tmp_path):
    in_file, in_env, in_flag = (tmp_path / name for name in ("file.db", "env.db", "flag.db"))
    config = tmp_path / "site.toml"
    config.write_text(f'[store]\npath = "{in_file}"\n')
    steps = [  # (arguments, environment, the database that must get the key)
        ([], {}, in_file),
        ([], {"SPECTRUM_RPC_STORE_PATH": str(in_env)}, in_env),
        (["--db", str(in_flag)], {"SPECTRUM_RPC_STORE_PATH": str(in_env)}, in_flag),
    ]
    for number, (extra, env, expected) in enumerate(steps):
        done = cli("keys", "create", "--name", f"k{number}", "--config", str(config), *extra,
                   **env)
        assert done.returncode == 0, done.stderr
        listed = cli("keys", "list", "--db", str(expected))
        assert f"k{number}" in listed.stdout, (number, listed.stdout)
    for db, name in ((in_file, "k0"), (in_env, "k1"), (in_flag, "k2")):  # only its own key
        rows = cli("keys", "list", "--db", str(db)).stdout.strip().splitlines()[1:]
        assert [row.split()[2] for row in rows] == [name]
