"""A full disk, on a real small filesystem (a tmpfs mounted for the test; skipped where mounting
is not permitted): the first start refuses with one line and leaves no partial model copy;
while serving, writes are refused in each caller's dialect (JSON-RPC -32004, every other API's
own 503 with Retry-After), every acknowledged write is stored, the log says it once, the server
stores writes again as soon as there is room, and a stop on a full disk is one line."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest

from spectrum_rpc.clock import Clock
from spectrum_rpc.constants import (
    DEFAULT_PROJECT,
    DISK_FULL_REASON,
    DISK_FULL_RETRY_AFTER,
    RPC_PATH,
    SERVER_BUSY,
)
from spectrum_rpc.resources import STORE
from spectrum_rpc.store import Database, StoreFull, StoreOpenError
from spectrum_rpc.webhooks import management
from tests.api.test_dialect_errors_rest import ANALYSED, contentmod, document, fastapi, send, spring
from tests.helpers.serve import SCRIPT, free_port

SUGGEST = "/v1alpha1/comments:suggestscore"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs of the size asked (`mount -o size=`) and return its folder; unmounted
    after the test."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip("cannot mount a small filesystem here (needs root or CAP_SYS_ADMIN): "
                        + (done.stderr.strip() or f"mount exited {done.returncode}"))
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write a file into `folder` until its filesystem has no byte left; return the file."""
    filler = folder / "filler"
    chunk = b"\0" * (64 << 10)
    with filler.open("wb", buffering=0) as out:
        for size in (len(chunk), 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(chunk[:size])
    with pytest.raises(OSError) as full:
        (folder / "one-more").write_bytes(b"x" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


# -- the store on its own -------------------------------------------------------------------------

async def test_opening_a_stopped_store_on_a_full_disk_says_the_disk_is_full(small_disk):
    disk = small_disk("1m")
    db = Database(disk / "store.db")
    await db.open()
    await db.execute("CREATE TABLE t (v TEXT)")
    await db.close()  # a clean stop removes the write-ahead log and its index
    fill(disk)
    with pytest.raises(StoreOpenError, match="the disk holding it is full"):
        await Database(disk / "store.db").open()


async def test_the_store_refuses_writes_on_a_full_disk_and_commits_again_after(
        small_disk, caplog):
    disk = small_disk("1m")
    db = Database(disk / "store.db")
    await db.open()
    try:
        await db.execute("CREATE TABLE t (v TEXT)")
        await db.execute("INSERT INTO t VALUES (?)", ("before",))
        filler = fill(disk)
        big = "x" * 300_000  # more than any room left in the write-ahead log
        caplog.set_level(logging.INFO, "spectrum_rpc.store.database")
        results = await asyncio.gather(
            *(db.execute("INSERT INTO t VALUES (?)", (f"{i}{big}",)) for i in range(6)),
            return_exceptions=True)
        assert all(isinstance(r, StoreFull) for r in results), results
        assert "is full" in str(results[0]) and str(disk) in str(results[0])
        with pytest.raises(StoreFull):
            await db.execute("INSERT INTO t VALUES (?)", (big,))
        refused = [r for r in caplog.records if "store write refused" in r.getMessage()]
        assert len(refused) == 1 and not refused[0].exc_info  # one line, however many writes
        assert db.committing and db.refused_disk_full == 7
        filler.unlink()
        await db.execute("INSERT INTO t VALUES (?)", ("after",))  # the same loop, recovered
        assert any("committed again" in r.getMessage() for r in caplog.records)
        assert [r["v"][:6] for r in await db.fetchall("SELECT v FROM t")] == ["before", "after"]
    finally:
        await db.close()


REFUSED = "store write refused"
AGAIN = "store writes are committed again"


def limited_lines(said: Iterable[str], started: float) -> list[str]:
    """Check the refusal and "committed again" lines kept their limits since `started` (a
    time.monotonic() reading: a slow run may span several minutes, each with its lines): one
    refusal line a minute and one more after each "committed again" line, that line once a
    minute at most and at least once. Return the refusal lines."""
    minutes = 1 + int((time.monotonic() - started) // 60)
    said = list(said)
    refused = [m for m in said if m.startswith(REFUSED)]
    again = [m for m in said if m.startswith(AGAIN)]
    assert 1 <= len(again) <= minutes, said
    assert 1 <= len(refused) <= minutes + len(again), said
    return refused


async def test_the_logs_last_word_is_the_disks_state_with_one_pair_of_lines_a_minute(
        small_disk, caplog):
    clock = Clock()  # moves the lines' once-a-minute limits
    disk = small_disk("2m")
    db = Database(disk / "store.db", clock=clock)
    await db.open()
    big = "x" * 300_000  # more than any room left in the write-ahead log

    async def refused() -> None:
        for _ in range(20):  # what the write-ahead log still holds may take a few
            with contextlib.suppress(StoreFull):
                await db.execute("INSERT INTO t VALUES (?)", (big,))
                continue
            return
        pytest.fail("20 large writes fitted on a full disk")

    async def full_then_room(after: float) -> None:
        filler = fill(disk)
        await refused()
        filler.unlink()
        clock.advance(after)
        await db.execute("DELETE FROM t")  # the first commit with room (and gives it back)
        await db.execute("INSERT INTO t VALUES ('more')")

    def said() -> list[str]:
        return [m.split(":")[0] for r in caplog.records
                if (m := r.getMessage()).startswith((REFUSED, AGAIN))]

    try:
        await db.execute("CREATE TABLE t (v TEXT)")
        caplog.set_level(logging.INFO, "spectrum_rpc.store.database")
        await full_then_room(after=1)  # t=0 refused (said), t=1 committed again (said)
        assert said() == [REFUSED, AGAIN]
        clock.advance(1)
        # t=2: refused: said, although the last refusal line is two seconds old, since the
        # last line says there is room. Committed again at once: not said (one such pair a
        # minute), so the log's last word says writes are refused for a minute at most.
        await full_then_room(after=0)
        assert said() == [REFUSED, AGAIN, REFUSED]
        # t=11: refused within the minute, after a refusal line: not said; t=131: committed
        # again, said (the last such line is two minutes old).
        clock.advance(9)
        await full_then_room(after=120)
        assert said() == [REFUSED, AGAIN] * 2
        clock.advance(60)  # t=191: said, with the refusal held back meanwhile; and room again
        await full_then_room(after=0)
        assert said() == [REFUSED, AGAIN] * 3
        last = [r.getMessage() for r in caplog.records if r.getMessage().startswith(REFUSED)][-1]
        assert last.endswith("(1 more since the last such line)")
    finally:
        await db.close()


# -- each dialect, in process --------------------------------------------------------------------

FULL = "The server's disk is full: nothing of this request was stored; retry later."
# Each dialect's 503 when the webhook event of an analysis cannot be stored.
UNAVAILABLE = {
    "moderationapi": document("SERVICE_UNAVAILABLE", FULL),
    "contentmod": contentmod("SERVICE_UNAVAILABLE", FULL),
    "discuse": fastapi(FULL),
    "blueprint": spring(503, "Service Unavailable", FULL),
    "openai": '{"error":{"message":"' + FULL + '","type":"server_error","param":null,'
              '"code":"service_unavailable"}}',
}
UNAVAILABLE["openai-list"] = UNAVAILABLE["openai"]
ANALYSED_TOO = {**ANALYSED, "openai": ("POST", "/v1/moderations",
                                        {"headers": "BEARER", "json": {"input": "hello"}}),
                "openai-list": ("POST", "/v1/moderations",  # analysed in a task group
                                {"headers": "BEARER", "json": {"input": ["hello", "world"]}})}


@pytest.fixture
def db_path(small_disk) -> Path:  # the app clients' database, on a small filesystem
    return small_disk("1m") / "store.db"


@pytest.mark.parametrize("dialect", sorted(ANALYSED_TOO))
async def test_each_dialect_answers_a_full_disk_with_its_503(
        make_client, db_path, tmp_path, caplog, dialect):
    app_client = await make_client(training={"model_root": str(tmp_path / "models")})
    await management.add_webhook(app_client.app[STORE], f"http://127.0.0.1:{free_port()}/",
                                 project=DEFAULT_PROJECT, allow_private_addresses=True)
    assert (await send(app_client, *ANALYSED_TOO[dialect]))[0] == 200
    filler = fill(db_path.parent)
    for _ in range(50):  # what the write-ahead log still holds may take a few events
        status, headers, body = await send(app_client, *ANALYSED_TOO[dialect])
        if status != 200:
            break
    assert (status, body) == (503, UNAVAILABLE[dialect])
    assert headers["Retry-After"] == str(DISK_FULL_RETRY_AFTER)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback, however many
    filler.unlink()
    assert (await send(app_client, *ANALYSED_TOO[dialect]))[0] == 200


# -- the first start --------------------------------------------------------------------------

@pytest.mark.slow
def test_first_start_without_room_for_the_model_says_so_in_one_line(small_disk):
    disk = small_disk("2m")
    db = disk / "data" / "store.db"
    done = subprocess.run([str(SCRIPT), "serve", "--db", str(db), "--host", "127.0.0.1",
                           "--port", str(free_port())], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    models = disk / "data" / "models"
    assert last.startswith("spectrum-rpc: cannot copy the model ") and str(models) in last
    assert "No space left on device" in last and "MB free" in last and "it needs" in last
    assert "Traceback" not in done.stderr
    assert list(models.iterdir()) == []  # no partial copy, and its space is given back
    # With room, the next start copies the model in whole and records it.
    subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
    listed = subprocess.run([str(SCRIPT), "models", "list", "--db", str(db)],
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    [copied] = models.iterdir()
    assert not copied.name.startswith(".staging") and copied.name in listed.stdout


# -- serving -----------------------------------------------------------------------------------

class Served:
    """A `spectrum-rpc serve` process whose database lives on a small filesystem."""

    def __init__(self, db: Path, env: dict[str, str], logs: Path):
        self.db, self.env, self.logs = db, env, logs
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = self.cli("keys", "create", "--name", "k", "--project", "acme")
        self.cli("webhooks", "add", "--project", "acme", "--url",
                 f"http://127.0.0.1:{free_port()}/hook")  # nobody listens: retries, writes
        with (logs / "out.log").open("wb") as out, (logs / "err.log").open("wb") as err:
            self.process = subprocess.Popen(
                [str(SCRIPT), "serve", "--db", str(db), "--host", "127.0.0.1",
                 "--port", str(self.port)], stdout=out, stderr=err, env=env)

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(SCRIPT), *args, "--db", str(self.db)], capture_output=True,
                              text=True, env=self.env, timeout=60, check=True)
        return done.stdout.strip().splitlines()[-1]

    @property
    def stderr(self) -> str:
        return (self.logs / "err.log").read_text(errors="replace")

    async def started(self) -> None:
        # Serving starts before the first admin user is made: wait for that write too.
        for _ in range(1200):
            assert self.process.poll() is None, self.stderr
            if "No admin user existed" in (self.logs / "out.log").read_text(errors="replace"):
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"the server never finished starting:\n{self.stderr}")

    async def rpc(self, session: aiohttp.ClientSession, method: str, params: dict) -> dict:
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        async with session.post(self.url + RPC_PATH, data=orjson.dumps(body),
                                headers={"Authorization": f"Apikey {self.key}"}) as resp:
            assert resp.status == 200
            return await resp.json()

    async def suggest(self, session: aiohttp.ClientSession, text: str
                      ) -> tuple[int, dict[str, str], dict]:
        body = {"comment": {"text": text},
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
        async with session.post(f"{self.url}{SUGGEST}?key={self.key}", json=body) as resp:
            return resp.status, dict(resp.headers), await resp.json()


@pytest.fixture
async def served(small_disk, tmp_path):  # type: ignore[no-untyped-def]
    disk = small_disk("3m")
    env = {**os.environ, "SPECTRUM_RPC_TRAINING_MODEL_ROOT": str(tmp_path / "models"),
           "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
           # Scored in threads: engine processes would add seconds to each start.
           "SPECTRUM_RPC_ENGINE_PROCESSES": "false"}
    server = Served(disk / "store.db", env, tmp_path)
    try:
        await server.started()
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait(timeout=30)


def stored(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {row[0] for row in conn.execute("SELECT content FROM feedback")}
    finally:
        conn.close()


def busy(answer: dict) -> bool:
    error = answer.get("error")
    return error == {"code": SERVER_BUSY, "message": "Server busy", "data": DISK_FULL_REASON}


@pytest.mark.slow
async def test_a_full_disk_refuses_writes_clearly_and_loses_no_acknowledged_one(served):
    acked: list[str] = []
    big = "y" * 200_000
    async with aiohttp.ClientSession() as session:
        assert (await served.rpc(session, "recordUserClassification",
                                 {"content": "before", "shouldBlock": True}))["result"] == "OK"
        acked.append("before")
        started = time.monotonic()
        filler = fill(served.db.parent)
        refused = 0
        for i in range(40):  # what the write-ahead log still holds may take a few
            content = f"full {i} {big}"
            answer = await served.rpc(session, "recordUserClassification",
                                      {"content": content, "shouldBlock": True})
            if answer.get("result") == "OK":
                acked.append(content)
            else:
                assert busy(answer), answer
                refused += 1
                if refused == 3:
                    break
        assert refused == 3
        # classifyText writes the webhook's event: refused the same way, or stored.
        for i in range(3):
            answer = await served.rpc(session, "classifyText", {"text": f"idiot {i}"})
            assert "result" in answer or busy(answer), answer
        # Perspective's suggestscore stores a correction: its own 503, with Retry-After.
        answers = [await served.suggest(session, f"suggested {i} {'z' * 20_000}")
                   for i in range(40)]
        for status, headers, body in answers:
            assert status in (200, 503), body
            if status == 503:
                assert headers["Retry-After"] == str(DISK_FULL_RETRY_AFTER)
                assert body["error"]["status"] == "UNAVAILABLE"
                assert body["error"]["message"].startswith("The server's disk is full")
        assert any(status == 503 for status, _, _ in answers)
        acked += [f"suggested {i} {'z' * 20_000}" for i, a in enumerate(answers) if a[0] == 200]
        await asyncio.sleep(1.5)  # the usage counts' flush (every second) fails meanwhile
        filler.unlink()
        for i in range(3):  # the commit loop is alive: the same writes succeed again
            content = f"after {i} {big}"
            answer = await served.rpc(session, "recordUserClassification",
                                      {"content": content, "shouldBlock": True})
            assert answer.get("result") == "OK", answer
            acked.append(content)
        async with session.get(served.url + "/readyz") as resp:
            assert resp.status == 200
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0, served.stderr
    missing = [c[:20] for c in acked if c not in stored(served.db)]
    assert not missing, f"acknowledged, then lost: {missing}"
    log = served.stderr
    assert "Traceback" not in log, log
    limited_lines((line[line.index("store w"):] for line in log.splitlines()
                   if REFUSED in line or AGAIN in line), started)


@pytest.mark.slow
async def test_stopping_on_a_full_disk_ends_with_one_line(served):
    async with aiohttp.ClientSession() as session:
        fill(served.db.parent)
        for i in range(5):  # counts (usage, per-minute stats) the flushes cannot store
            answer = await served.rpc(session, "classifyText", {"text": f"idiot {i}"})
            assert "result" in answer or busy(answer), answer
    served.process.send_signal(signal.SIGTERM)
    status = served.process.wait(timeout=60)
    log = served.stderr
    assert "Traceback" not in log, log
    if status != 0:  # what was still in memory was not stored: said once, as the exit status
        assert status == 1
        last = log.strip().splitlines()[-1]
        assert last == f"spectrum-rpc: the disk holding the store {served.db} is full: " \
                       "nothing was stored"
