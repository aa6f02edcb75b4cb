"""`spectrum-rpc keys create|list|revoke`, run in-process."""

from __future__ import annotations

import pytest

from spectrum_rpc.auth import hash_key
from spectrum_rpc.cli import main
from tests.helpers.cli import run


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
