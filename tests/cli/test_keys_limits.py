"""`spectrum-rpc keys limit|show` and the usage column of `keys list`, run in-process (and once
as a real subprocess)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from spectrum_rpc.auth import month_of
from tests.helpers.cli import cli, run


def create(capsys, db) -> str:  # type: ignore[no-untyped-def]
    status, _, err = run(capsys, "keys", "create", "--db", str(db), "--name", "ci",
                         "--project", "acme")
    assert status == 0
    return err.split("id=")[1].split()[0]


def add_usage(db, key_id: str, requests: int, month: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Counts as a server flushes them."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO usage_counts(key_id, month, api, project, requests, refused)"
                     " VALUES (?, ?, 'spectrum', 'acme', ?, 1)",
                     (key_id, month or month_of(time.time())[0], requests))
    conn.close()


def test_limits_are_off_until_set(capsys, db_path, committed):
    key_id = create(capsys, db_path)
    status, out, _ = run(capsys, "keys", "show", "--db", str(db_path), key_id)
    assert status == 0
    assert "rate limit off" in out and "quota      off" in out
    assert committed("SELECT COUNT(*) FROM key_limits") == [(0,)]


def test_limit_sets_rate_burst_and_quota(capsys, db_path, committed):
    key_id = create(capsys, db_path)
    status, out, _ = run(capsys, "keys", "limit", "--db", str(db_path), key_id,
                         "--rate", "600/min", "--quota", "1000")
    assert status == 0 and out.strip() == f"{key_id}: 10/s burst 10, 1000/month"
    assert committed("SELECT rate, burst, quota FROM key_limits") == [(10.0, 10, 1000)]
    status, out, _ = run(capsys, "keys", "limit", "--db", str(db_path), key_id, "--burst", "3")
    assert status == 0  # the others kept
    assert committed("SELECT rate, burst, quota FROM key_limits") == [(10.0, 3, 1000)]
    run(capsys, "keys", "limit", "--db", str(db_path), key_id, "--rate", "0")
    assert committed("SELECT rate, burst, quota FROM key_limits") == [(0.0, 0, 1000)]
    status, out, _ = run(capsys, "keys", "limit", "--db", str(db_path), key_id, "--off")
    assert status == 0 and out.strip() == f"{key_id}: -"
    assert committed("SELECT rate, burst, quota FROM key_limits") == [(0.0, 0, 0)]
    actions = committed("SELECT action, target FROM admin_audit")
    assert actions.count(("key.limits", key_id)) == 4


def test_list_and_show_give_the_months_usage(capsys, db_path):
    key_id = create(capsys, db_path)
    run(capsys, "keys", "limit", "--db", str(db_path), key_id, "--quota", "500")
    add_usage(db_path, key_id, 42)
    add_usage(db_path, key_id, 7, "2020-01")
    status, out, _ = run(capsys, "keys", "list", "--db", str(db_path))
    assert status == 0
    header, line = out.splitlines()
    assert month_of(time.time())[0] in header
    assert line.split()[-2:] == ["42", "500/month"]
    status, out, _ = run(capsys, "keys", "show", "--db", str(db_path), key_id)
    assert "quota      500/month" in out
    assert out.splitlines()[-2].split() == [month_of(time.time())[0], "42", "1"]
    assert out.splitlines()[-1].split() == ["2020-01", "7", "1"]


@pytest.mark.parametrize("argv", [["--rate", "fast"], ["--quota", "-1"], ["--burst", "1.5"]])
def test_limit_refuses_bad_values(capsys, db_path, argv):
    key_id = create(capsys, db_path)
    with pytest.raises(SystemExit) as info:
        run(capsys, "keys", "limit", "--db", str(db_path), key_id, *argv)
    assert info.value.code == 2


def test_limit_needs_something_to_do(capsys, db_path):
    key_id = create(capsys, db_path)
    status, _, err = run(capsys, "keys", "limit", "--db", str(db_path), key_id)
    assert status == 2 and "--off" in err
    status, _, err = run(capsys, "keys", "limit", "--db", str(db_path), key_id, "--off",
                         "--quota", "3")
    assert status == 2


def test_unknown_key(capsys, db_path):
    create(capsys, db_path)
    status, _, err = run(capsys, "keys", "limit", "--db", str(db_path), "key_nope",
                         "--quota", "3")
    assert status == 1 and "key_nope" in err
    status, _, err = run(capsys, "keys", "show", "--db", str(db_path), "key_nope")
    assert status == 1 and "key_nope" in err


@pytest.mark.slow
def test_limit_as_a_subprocess(capsys, db_path, committed):
    key_id = create(capsys, db_path)
    done = cli("keys", "limit", "--db", str(db_path), key_id, "--rate", "5", "--burst", "9")
    assert done.returncode == 0, done.stderr
    assert committed("SELECT rate, burst, quota FROM key_limits") == [(5.0, 9, 0)]
