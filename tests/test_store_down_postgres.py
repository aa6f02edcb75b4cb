"""PostgreSQL going away under a running app, for real: a server of the test's own, stopped
the hard way (`pg_ctl stop -m immediate`, as a crash or a lost host looks to its clients) and
started again. Over real HTTP, while it is away, every request that needs the database is
refused clearly in its caller's dialect (JSON-RPC -32004, the REST dialects' and the admin
API's 503 with Retry-After), `/readyz` says 503, the log holds one line and no traceback, and
the refusals are counted; classifyText of a key and project read within the outage grace goes
on. Once PostgreSQL is back, the same app serves again without a restart, says so once, and
every acknowledged write is in the database (and the counts kept meanwhile are flushed)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
from collections.abc import Iterator

import aiohttp
import orjson
import pytest

from spectrum_rpc.auth import create_key
from spectrum_rpc.clock import Clock
from spectrum_rpc.constants import (
    RPC_PATH,
    SERVER_BUSY,
    STORE_DOWN_REASON,
    STORE_DOWN_RETRY_AFTER,
)
from spectrum_rpc.store import PostgresDatabase, StoreUnavailable
from tests.api.test_dialect_errors_rest import ANALYSED, contentmod, document, fastapi, send, spring
from tests.helpers import postgres
from tests.helpers.admin import API
from tests.helpers.outage import app_on_postgres, metric, stop_served
from tests.helpers.serve import free_port
from tests.test_disk_full import Served

DOWN = {"code": SERVER_BUSY, "message": "Server busy", "data": STORE_DOWN_REASON}
SENTENCE = STORE_DOWN_REASON[:1].upper() + STORE_DOWN_REASON[1:] + "."
# Each REST dialect's 503 while the database is away.
UNAVAILABLE = {
    "moderationapi": document("SERVICE_UNAVAILABLE", SENTENCE),
    "contentmod": contentmod("SERVICE_UNAVAILABLE", SENTENCE),
    "discuse": fastapi(SENTENCE),
    "blueprint": spring(503, "Service Unavailable", SENTENCE),
    "openai": '{"error":{"message":"' + SENTENCE + '","type":"server_error","param":null,'
              '"code":"service_unavailable"}}',
}
REQUESTS = {**ANALYSED, "openai": ("POST", "/v1/moderations",
                                   {"headers": "BEARER", "json": {"input": "hello"}})}
SUGGEST = "/v1alpha1/comments:suggestscore"
METRIC = re.compile(r"^spectrum_rpc_store_unavailable_total (\S+)$", re.M)
STORE_LOGGERS = ("spectrum_rpc.store.database", "spectrum_rpc.store.postgres")


class Restartable:
    """A PostgreSQL server of the test's own that can be stopped hard and started again."""

    def __init__(self, server: postgres.PostgresServer):
        self.server = server
        self.url = server.create_database()

    def pg_ctl(self, *args: str) -> None:
        data = str(self.server.root / "data")
        subprocess.run([*self.server.run_as, str(self.server.bin_dir / "pg_ctl"), "-D", data,
                        *args], capture_output=True, timeout=120, check=True,
                       cwd=self.server.root)  # fmt: skip

    def stop(self) -> None:
        """Stop it as a crash would: no shutdown handshake with the clients."""
        self.pg_ctl("-m", "immediate", "-w", "stop")

    def start(self) -> None:
        self.pg_ctl("-l", str(self.server.root / "server.log"), "-w", "-t", "60", "-o",
                    f"-k {self.server.socket_dir} -p {self.server.port} "
                    "-c listen_addresses='' -c max_connections=200", "start")

    def rows(self, sql: str) -> list[tuple]:
        return postgres.query(self.url, sql)


@pytest.fixture
def database() -> Iterator[Restartable]:
    server = postgres.start(free_port())
    if isinstance(server, str):
        pytest.skip(f"no PostgreSQL server for the test: {server}")
    try:
        yield Restartable(server)
    finally:
        postgres.stop(server)


async def rpc(client, key: str, method: str, params: dict) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    async with client.post(RPC_PATH, data=orjson.dumps(body),
                           headers={"Authorization": f"Apikey {key}"}) as resp:
        return resp.status, await resp.json()


async def unavailable_metric(client) -> float:  # type: ignore[no-untyped-def]
    return await metric(client, METRIC)


def refused(status: int, answer: dict) -> bool:
    """Whether a JSON-RPC answer is the database-away refusal (inside a method: HTTP 200;
    before one, e.g. the key's lookup: HTTP 503)."""
    return status in (200, 503) and answer.get("error") == DOWN


@pytest.mark.slow  # a PostgreSQL server of its own: initdb takes seconds
async def test_postgres_going_away_is_answered_clearly_and_recovered_from(
        database, aiohttp_client, tmp_path, caplog):
    # Project "default" has a webhook (each analysis there stores an event); "acme" has none.
    client, store, rest = await app_on_postgres(aiohttp_client, tmp_path, database.url)
    made = await create_key(store, "rpc", "acme")
    key = made.key
    unseen = (await create_key(store, "unseen", "acme")).key  # never used before the outage
    caplog.set_level(logging.INFO)
    acked: list[str] = []
    status, answer = await rpc(client, key, "recordUserClassification",
                               {"content": "before", "shouldBlock": True})
    assert answer.get("result") == "OK", answer
    acked.append("before")
    status, answer = await rpc(client, key, "classifyText", {"text": "hello"})
    assert "result" in answer, answer
    assert await unavailable_metric(client) == 0

    database.stop()
    answers = []
    # A write is refused (nothing acknowledged that was not committed)...
    for i in range(3):
        status, answer = await rpc(client, key, "recordUserClassification",
                                   {"content": f"down {i}", "shouldBlock": True})
        assert refused(status, answer), (status, answer)
        answers.append(answer)
    # ... and so is a key that was not read recently: it cannot be checked.
    status, answer = await rpc(client, unseen, "classifyText", {"text": "hello"})
    assert status == 503 and answer["error"] == DOWN, answer
    # Each REST dialect (project "default" has a webhook: its event cannot be stored).
    for dialect, request in sorted(REQUESTS.items()):
        status, headers, body = await send(rest, *request)
        assert (status, body) == (503, UNAVAILABLE[dialect]), dialect
        assert headers["Retry-After"] == str(STORE_DOWN_RETRY_AFTER)
    # Perspective's suggestscore (a write), in Google's error shape.
    suggestion = {"comment": {"text": "down"},
                  "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
    async with client.post(f"{SUGGEST}?key={key}", json=suggestion) as resp:
        assert resp.status == 503 and resp.headers["Retry-After"] == str(STORE_DOWN_RETRY_AFTER)
        assert (await resp.json())["error"] == {"code": 503, "message": SENTENCE,
                                                "status": "UNAVAILABLE", "details": []}
    # The admin API: a read and a change, in its own shape.
    for method, path, sent in (("GET", f"{API}/projects/acme/feedback", {}),
                               ("POST", f"{API}/projects/acme/keys", {"json": {"name": "x"}})):
        async with client.request(method, path, **sent) as resp:
            assert resp.status == 503, await resp.text()
            assert resp.headers["Retry-After"] == str(STORE_DOWN_RETRY_AFTER)
            assert (await resp.json())["error"] == STORE_DOWN_REASON
    async with client.get("/readyz") as resp:
        assert resp.status == 503
    # classifyText of a key and project read lately goes on (see README: the outage grace),
    # its usage counted in memory meanwhile.
    for i in range(3):
        status, answer = await rpc(client, key, "classifyText", {"text": f"you idiot {i}"})
        assert status == 200 and "result" in answer, answer
    down_refusals = await unavailable_metric(client)
    assert down_refusals >= 3 + 1 + len(REQUESTS) + 1 + 2
    await asyncio.sleep(1.5)  # the usage flush, the dispatcher, the router poll fail meanwhile

    database.start()
    for _ in range(100):  # the pool connects again by itself
        status, answer = await rpc(client, key, "recordUserClassification",
                                   {"content": "after", "shouldBlock": True})
        if answer.get("result") == "OK":
            acked.append("after")
            break
        assert refused(status, answer), answer
        await asyncio.sleep(0.1)
    else:
        pytest.fail("writes did not succeed again after PostgreSQL came back")
    status, answer = await rpc(client, unseen, "classifyText", {"text": "hello"})
    assert "result" in answer, answer
    for request in REQUESTS.values():
        assert (await send(rest, *request))[0] == 200
    async with client.post(f"{API}/projects/acme/keys", json={"name": "after"}) as resp:
        assert resp.status == 201
    async with client.get("/readyz") as resp:
        assert resp.status == 200

    stored = {row[0] for row in database.rows("SELECT content FROM feedback")}
    assert set(acked) <= stored and not {f"down {i}" for i in range(3)} & stored
    assert database.rows("SELECT count(*) FROM webhook_events")[0][0] == len(REQUESTS)
    # The requests answered during the outage were counted once it ended (the usage flush
    # runs every second): 2 before, 3 refused writes and 3 classifications during, 1+ after.
    for _ in range(50):
        counted = database.rows("SELECT coalesce(sum(requests), 0) FROM usage_counts "
                                f"WHERE key_id = '{made.id}'")[0][0]
        if counted >= 9:
            break
        await asyncio.sleep(0.1)
    assert counted >= 9

    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    said = [r.getMessage() for r in caplog.records if r.name in STORE_LOGGERS]
    [down] = [m for m in said if "unavailable: cannot reach the database" in m]
    assert "\n" not in down
    assert sum("store reachable again" in m for m in said) == 1, said


@pytest.mark.slow
async def test_a_served_process_logs_one_line_for_many_refusals_and_stops_in_one(
        database, tmp_path):
    env = {**os.environ, "SPECTRUM_RPC_TRAINING_MODEL_ROOT": str(tmp_path / "models"),
           "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
           "SPECTRUM_RPC_ENGINE_PROCESSES": "false"}  # see test_disk_full's `served`
    server = Served(database.url, env, tmp_path)  # type: ignore[arg-type]
    try:
        await server.started()
        async with aiohttp.ClientSession() as session:
            answer = await server.rpc(session, "classifyText", {"text": "hello"})
            assert "result" in answer, answer
            database.stop()
            # Project "acme" has a webhook: its classifications' events cannot be stored.
            for i in range(50):
                method = ("classifyText", "recordUserClassification")[i % 2]
                params = {"text": f"t {i}"} if i % 2 == 0 else {"content": f"c {i}",
                                                                 "shouldBlock": True}
                answer = await server.rpc(session, method, params)
                assert answer.get("error") == DOWN, answer
            async with session.get(server.url + "/readyz") as resp:
                assert resp.status == 503
    finally:
        status = stop_served(server)
    log = server.stderr
    assert "Traceback" not in log, log
    assert log.count("cannot reach the database") == 1, log
    if status != 0:  # usage counts still in memory could not be stored: said in one line
        assert status == 1
        assert log.strip().splitlines()[-1] == (
            f"spectrum-rpc: the database {database.url} is unavailable")


@pytest.mark.slow
async def test_the_store_says_it_once_a_minute_with_the_count_held_back_and_once_when_back(
        database, caplog):
    clock = Clock()
    db = PostgresDatabase(database.url, clock=clock)
    await db.open()
    try:
        await db.execute("CREATE TABLE t (v TEXT)")
        caplog.set_level(logging.INFO, "spectrum_rpc.store")
        database.stop()
        for i in range(5):
            with pytest.raises(StoreUnavailable):
                await db.execute("INSERT INTO t VALUES (?)", (f"w{i}",))
            with pytest.raises(StoreUnavailable):
                await db.fetchall("SELECT v FROM t")
        assert db.unavailable >= 10 and db.committing  # the commit loops live on
        clock.advance(61)
        with pytest.raises(StoreUnavailable):
            await db.fetchall("SELECT v FROM t")
        said = [m for r in caplog.records if "cannot reach the database" in (m := r.getMessage())]
        assert len(said) == 2, said
        held = int(re.search(r"\((\d+) more since the last such line\)$", said[1]).group(1))
        assert held >= 9  # the other refusals of the first minute (and the control's attempts)
        database.start()
        await db.execute("INSERT INTO t VALUES (?)", ("after",))
        assert await db.fetchall("SELECT v FROM t") == [("after",)]
        back = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
        assert len(back) == 1, back
        assert not [r for r in caplog.records if r.exc_info]
    finally:
        await db.close()
