"""A full disk under PostgreSQL, for real: a server of the test's own whose database lives in a
tablespace on a small filesystem (a tmpfs mounted for the test; skipped where mounting is not
permitted or PostgreSQL is not installed). Filled up, PostgreSQL refuses to grow the app's
tables and indexes with SQLSTATE 53100 ("could not extend file ...: No space left on device")
while its write-ahead log, on another disk, still has room. Over real HTTP, every write is then
refused clearly in its caller's dialect (JSON-RPC -32004; the admin API's and the REST
dialects' 503 with Retry-After), without a traceback, and counted; reads and classifyText go
on; once there is room, writes commit again and every acknowledged one is stored.

Why a tablespace and not the whole data directory: with the data directory itself full,
PostgreSQL PANICs at its next checkpoint (the checkpointer cannot write its files), every
connection is lost, and its restart fails while the disk stays full: an outage of the server
(the app answers it with 500s), not the refusal of a write, and no client sees 53100."""

from __future__ import annotations

import asyncio
import logging
import os
import pwd
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest

from spectrum_rpc.auth import create_key
from spectrum_rpc.constants import (
    DISK_FULL_REASON,
    DISK_FULL_RETRY_AFTER,
    RPC_PATH,
    SERVER_BUSY,
)
from tests.api.test_dialect_errors_rest import ANALYSED, send
from tests.helpers import postgres
from tests.helpers.admin import API
from tests.helpers.outage import app_on_postgres, metric, stop_served
from tests.helpers.serve import free_port
from tests.test_disk_full import UNAVAILABLE, Served, busy, fill, limited_lines

SPACE = "16m"  # a fresh database (a copy of template1) and the app's schema take about 8 MB
BUSY = {"code": SERVER_BUSY, "message": "Server busy", "data": DISK_FULL_REASON}
REFUSED_METRIC = re.compile(r"^spectrum_rpc_store_writes_refused_disk_full_total (\S+)$", re.M)


class SmallTablespace:
    """A PostgreSQL server of its own, with a database whose tablespace is a small tmpfs."""

    def __init__(self, server: postgres.PostgresServer, space: Path):
        self.server, self.space = server, space
        server.psql(f"CREATE TABLESPACE small LOCATION '{space}'")
        server.psql(f"CREATE DATABASE app OWNER {postgres.DATABASE_USER} TABLESPACE small")
        self.url = server.url("app")

    def contents(self) -> set[str]:
        return {row[0] for row in postgres.query(self.url, "SELECT content FROM feedback")}

    def key_names(self) -> set[str]:
        return {row[0] for row in postgres.query(self.url, "SELECT name FROM api_keys")}

    def count(self, table: str) -> int:
        return postgres.query(self.url, f"SELECT count(*) FROM {table}")[0][0]


@pytest.fixture
def tablespace() -> Iterator[SmallTablespace]:
    server = postgres.start(free_port())
    if isinstance(server, str):
        pytest.skip(f"no PostgreSQL server for the test: {server}")
    space = server.root / "space"
    space.mkdir()
    owner = pwd.getpwnam(postgres.ACCOUNT) if server.run_as else None
    ids = f",uid={owner.pw_uid},gid={owner.pw_gid}" if owner else ""
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SPACE},mode=0700{ids}",
                              "tmpfs", str(space)], capture_output=True, text=True)
    if mounted.returncode != 0:
        postgres.stop(server)
        pytest.skip("cannot mount a small filesystem here (needs root or CAP_SYS_ADMIN): "
                    + (mounted.stderr.strip() or f"mount exited {mounted.returncode}"))
    try:
        yield SmallTablespace(server, space)
    finally:
        postgres.stop(server)  # empties the tablespace and the rest; the mount point stays
        if subprocess.run(["umount", str(space)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(space)], capture_output=True)
        shutil.rmtree(server.root, ignore_errors=True)


async def rpc(client, key: str, method: str, params: dict) -> dict:  # type: ignore[no-untyped-def]
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    async with client.post(RPC_PATH, data=orjson.dumps(body),
                           headers={"Authorization": f"Apikey {key}"}) as resp:
        assert resp.status == 200
        return await resp.json()


async def refused_metric(client) -> float:  # type: ignore[no-untyped-def]
    return await metric(client, REFUSED_METRIC)


@pytest.mark.slow  # a PostgreSQL server of its own: initdb takes seconds
async def test_postgres_refuses_writes_on_a_full_tablespace_and_loses_no_acknowledged_one(
        tablespace, aiohttp_client, tmp_path, caplog):  # the server outlives the app
    # Project "default" has a webhook: each analysis there stores an event (a write); project
    # "acme" has none: its classifyText writes nothing on the way.
    client, store, rest = await app_on_postgres(aiohttp_client, tmp_path, tablespace.url)
    key = (await create_key(store, "rpc", "acme")).key
    caplog.set_level(logging.INFO)
    acked: list[str] = []
    big = "".join(f"{i:07d}" for i in range(30_000))  # 210 KB that compression cannot shrink
    assert (await rpc(client, key, "recordUserClassification",
                      {"content": "before", "shouldBlock": True}))["result"] == "OK"
    acked.append("before")
    assert await refused_metric(client) == 0

    started = time.monotonic()
    filler = fill(tablespace.space)
    refused = 0
    # Pages the tables already have may hold a few more rows: write until refused, 3 times.
    for i in range(200):
        content = f"full {i} {big}" if i % 2 else f"full {i}"
        answer = await rpc(client, key, "recordUserClassification",
                           {"content": content, "shouldBlock": True})
        if answer.get("result") == "OK":
            acked.append(content)
            continue
        assert answer.get("error") == BUSY, answer
        refused += 1
        if refused == 3:
            break
    assert refused == 3

    # An admin change: the admin API's own 503, with Retry-After.
    keys: list[str] = []
    for i in range(200):
        async with client.post(f"{API}/projects/acme/keys", json={"name": f"k{i}"}) as resp:
            if resp.status == 201:
                keys.append(f"k{i}")
                continue
            assert resp.status == 503, await resp.text()
            assert resp.headers["Retry-After"] == str(DISK_FULL_RETRY_AFTER)
            assert (await resp.json())["error"] == DISK_FULL_REASON
            refused += 1
            break
    else:
        pytest.fail("200 new keys fitted on a full disk")

    # Each REST dialect's analysis stores a webhook event: refused in the dialect's own 503.
    events = 0  # analyses answered, and so events acknowledged
    for dialect, request in sorted(ANALYSED.items()):
        for _ in range(200):
            status, headers, body = await send(rest, *request)
            if status != 200:
                break
            events += 1
        assert (status, body) == (503, UNAVAILABLE[dialect])
        assert headers["Retry-After"] == str(DISK_FULL_RETRY_AFTER)
        refused += 1

    # Reads, and classifyText of a project without webhooks, go on.
    answer = await rpc(client, key, "classifyText", {"text": "you are an idiot"})
    assert "result" in answer, answer
    async with client.get(f"{API}/projects/acme/feedback") as resp:
        assert resp.status == 200
    assert await refused_metric(client) >= refused
    # Meanwhile the background writers fail too, quietly (see the log's checks below): the
    # usage counts' flush (every second), the webhook dispatcher claiming and rescheduling
    # deliveries (UPDATE ... RETURNING: a read that writes).
    before = store.db.refused_disk_full
    for _ in range(200):
        await asyncio.sleep(0.05)
        if store.db.refused_disk_full > before:
            break
    assert store.db.refused_disk_full > before, "no background write was refused"

    filler.unlink()
    for i in range(3):
        content = f"after {i} {big}"
        answer = await rpc(client, key, "recordUserClassification",
                           {"content": content, "shouldBlock": True})
        assert answer.get("result") == "OK", answer
        acked.append(content)
    async with client.post(f"{API}/projects/acme/keys", json={"name": "after"}) as resp:
        assert resp.status == 201
    keys.append("after")
    for request in ANALYSED.values():
        assert (await send(rest, *request))[0] == 200
        events += 1

    missing = [c[:20] for c in acked if c not in tablespace.contents()]
    assert not missing, f"acknowledged, then lost: {missing}"
    assert set(keys) <= tablespace.key_names()
    assert tablespace.count("webhook_events") == events
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    said = [r.getMessage() for r in caplog.records if r.name == "spectrum_rpc.store.database"]
    # Once a minute at most (a slow run may take several), each one line naming the database
    # and PostgreSQL's reason.
    for full in limited_lines(said, started):
        assert full.startswith("store write refused: the disk holding")
        assert "\n" not in full and tablespace.url.split("?")[0] in full
        assert "could not extend file" in full and "No space left on device" in full


@pytest.mark.slow
async def test_stopping_on_a_full_tablespace_ends_with_one_line(tablespace, tmp_path):
    env = {**os.environ, "SPECTRUM_RPC_TRAINING_MODEL_ROOT": str(tmp_path / "models"),
           "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
           "SPECTRUM_RPC_ENGINE_PROCESSES": "false"}  # see the `served` fixture
    server = Served(tablespace.url, env, tmp_path)  # type: ignore[arg-type]
    try:
        await server.started()
        async with aiohttp.ClientSession() as session:
            fill(tablespace.space)
            for i in range(5):  # counts (usage, per-minute stats) the flushes cannot store
                answer = await server.rpc(session, "classifyText", {"text": f"idiot {i}"})
                assert "result" in answer or busy(answer), answer
    finally:
        status = stop_served(server)
    log = server.stderr
    assert "Traceback" not in log, log
    if status != 0:  # what was still in memory was not stored: said once, as the exit status
        assert status == 1
        assert log.strip().splitlines()[-1] == (
            f"spectrum-rpc: the disk holding the store {tablespace.url} is full: nothing was "
            "stored")
