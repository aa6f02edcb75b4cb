"""API keys: header parsing, hashing at rest, 401s that process nothing, last-use flushing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sqlite3
import time
from types import SimpleNamespace

import pytest

from spectrum_rpc.auth import create_key, hash_key
from spectrum_rpc.auth.keys import generate_key, parse_authorization
from spectrum_rpc.constants import KEY_PREFIX, UNAUTHORIZED
from spectrum_rpc.resources import AUTH

RECORD = {
    "jsonrpc": "2.0",
    "method": "recordUserClassification",
    "params": {"content": "should not be stored", "shouldBlock": True},
    "id": 1,
}


# -- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Apikey sk_abc", "sk_abc"),
        ("Bearer sk_abc", "sk_abc"),
        ("apikey sk_abc", "sk_abc"),
        ("BEARER   sk_abc  ", "sk_abc"),
        (None, None),
        ("", None),
        ("Apikey", None),
        ("Apikey ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("sk_abc", None),
        ("Apikey sk_abc extra", None),
        ("Apikey " + "k" * 300, None),
    ],
)
def test_parse_authorization(header, key):
    assert parse_authorization(header) == key


def test_generated_keys_have_at_least_128_random_bits():
    keys = {generate_key().key for _ in range(200)}
    assert len(keys) == 200
    for key in list(keys)[:20]:
        assert key.startswith(KEY_PREFIX)
        raw = base64.urlsafe_b64decode(key[len(KEY_PREFIX) :] + "=")
        assert len(raw) * 8 >= 128


def test_hash_is_sha256_hex():
    new = generate_key()
    assert new.key_hash == hashlib.sha256(new.key.encode()).hexdigest() == hash_key(new.key)
    assert new.key.startswith(new.prefix) and len(new.prefix) < len(new.key) // 2


async def test_keys_are_stored_only_as_hashes(store, db_path):
    new = await create_key(store, "ci", "acme")
    (row,) = await store.db.fetchall("SELECT key_hash, prefix, project FROM api_keys")
    assert tuple(row) == (new.key_hash, new.prefix, "acme")
    await store.close()
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    data = b"".join(p.read_bytes() for p in files)  # the db file and any WAL left behind
    assert new.key_hash.encode() in data
    assert new.key.encode() not in data
    assert new.key[len(new.prefix) :].encode() not in data


# -- over HTTP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Apikey", "Bearer"])
async def test_both_schemes_work(app_client, rpc, scheme):
    reply = await rpc(app_client, RECORD, scheme=scheme)
    assert reply.json["result"] == "OK"


async def assert_unauthorized(reply) -> None:  # type: ignore[no-untyped-def]
    assert reply.status == 401
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["WWW-Authenticate"].startswith("Apikey")
    error = reply.json["error"]
    assert error["code"] == UNAUTHORIZED
    assert error["message"] == "Unauthorized"
    assert reply.json["id"] is None


@pytest.mark.parametrize(
    "header",
    [
        None,  # missing
        "Apikey sk_not_a_real_key_at_all",  # unknown
        "Basic dXNlcjpwYXNz",  # another scheme
        "Apikey",  # malformed
        "Apikey two words",
    ],
)
async def test_bad_credentials_get_401_and_process_nothing(app_client, rpc, committed, header):
    headers = {"Authorization": header} if header else {}
    await assert_unauthorized(await rpc(app_client, RECORD, key=None, headers=headers))
    assert committed("SELECT id FROM feedback") == []
    assert committed("SELECT last_used_at FROM api_keys") == [(None,)]


async def test_revoked_key_gets_401(app_client, rpc, committed):
    assert (await rpc(app_client, RECORD)).status == 200
    assert await app_client.store.keys.revoke(app_client.key_id)
    app_client.app[AUTH].forget()  # the CLI revokes from another process: see the TTL test
    await assert_unauthorized(await rpc(app_client, RECORD))
    assert len(committed("SELECT id FROM feedback")) == 1


async def test_revocation_from_elsewhere_shows_after_the_cache_ttl(app_client, rpc, monkeypatch):
    clock = SimpleNamespace(monotonic=lambda: 1000.0, time=time.time)
    monkeypatch.setattr("spectrum_rpc.cache.time", clock)
    assert (await rpc(app_client, RECORD)).status == 200
    assert await app_client.store.keys.revoke(app_client.key_id)
    assert (await rpc(app_client, RECORD)).status == 200  # still cached
    clock.monotonic = lambda: 1001.5  # past the 1 s key cache
    await assert_unauthorized(await rpc(app_client, RECORD))


async def test_last_used_is_written_by_the_flush_not_per_request(app_client, rpc, committed):
    await rpc(app_client, RECORD)
    assert committed("SELECT last_used_at FROM api_keys") == [(None,)]
    before = time.time()
    await app_client.app[AUTH].flush_last_used()
    ((used,),) = committed("SELECT last_used_at FROM api_keys")
    assert used is not None and used >= before - 5


async def test_last_used_is_flushed_periodically(make_client, rpc, committed):
    api = await make_client(auth={"last_used_flush_interval": 0.01})
    await rpc(api, RECORD)
    for _ in range(500):
        if committed("SELECT last_used_at FROM api_keys") != [(None,)]:
            break
        await asyncio.sleep(0.01)
    assert committed("SELECT last_used_at FROM api_keys") != [(None,)]


async def test_last_used_times_survive_a_failed_flush(app_client, rpc, committed, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("spectrum_rpc.auth.keys.time", SimpleNamespace(time=lambda: clock[0]))
    other = await create_key(app_client.store, "other", "default")
    for key in (app_client.key, other.key):
        assert (await rpc(app_client, RECORD, key=key)).status == 200
    auth = app_client.app[AUTH]

    # A real failing write: a trigger, added from a side connection, refuses the UPDATE.
    side = sqlite3.connect(app_client.db_path)
    side.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE ON api_keys BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    side.commit()
    flush = asyncio.create_task(auth.flush_last_used())
    await asyncio.sleep(0)  # the flush has taken the collected times and waits for its write
    clock[0] = 2000.0
    assert await auth.authenticate(f"Apikey {other.key}")  # used again meanwhile (cached)
    with pytest.raises(sqlite3.IntegrityError):
        await flush
    side.execute("DROP TRIGGER refuse")
    side.commit()
    side.close()

    await auth.flush_last_used()
    assert sorted(committed("SELECT id, last_used_at FROM api_keys")) == sorted(
        [(app_client.key_id, 1000.0), (other.id, 2000.0)]
    )
