"""Several real `spectrum-rpc serve` processes on one PostgreSQL database: one webhook queue
(each event delivered, never twice at once, a killed process's claims taken over), and
acknowledged writes that survive kill -9."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from spectrum_rpc.constants import RPC_PATH
from tests.helpers.postgres import query
from tests.helpers.serve import SCRIPT, free_port

pytestmark = pytest.mark.slow


class Receiver:
    """A webhook receiver that counts each event's copies, and those arriving at once."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.release = asyncio.Event()
        self.release.set()
        self.received: collections.Counter[str] = collections.Counter()
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.overlaps = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        remote_id = orjson.loads(await request.read())["meta"]["remoteId"]
        self.received[remote_id] += 1
        self.in_flight[remote_id] += 1
        if self.in_flight[remote_id] > 1:
            self.overlaps += 1
        try:
            await self.release.wait()
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight[remote_id] -= 1
        return web.Response(status=200)

    def forget_connection_of_the_dead(self) -> None:
        """Sends cut off by a kill keep their handlers waiting: they no longer count."""
        self.in_flight.clear()


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    r = Receiver()
    app = web.Application()
    app.router.add_post("/hook", r.handle)
    server = await aiohttp_server(app)
    r.url = f"http://127.0.0.1:{server.port}/hook"
    yield r
    r.release.set()


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "SPECTRUM_RPC_WEBHOOKS_POLL_INTERVAL": "0.2",
        "SPECTRUM_RPC_ENGINE_WORKERS": "1",
    }


async def cli(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(SCRIPT), *args, env=environment(), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.fixture
async def serve(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start `spectrum-rpc serve` on a database; wait until healthy; kill it after the test."""
    started: list[asyncio.subprocess.Process] = []

    async def start(url: str) -> tuple[asyncio.subprocess.Process, int]:
        port, log = free_port(), tmp_path / f"serve-{len(started)}.log"
        with log.open("ab") as stderr:
            proc = await asyncio.create_subprocess_exec(
                str(SCRIPT), "serve", "--db", url, "--port", str(port), env=environment(),
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        started.append(proc)
        async with aiohttp.ClientSession() as session, asyncio.timeout(90):
            while True:
                assert proc.returncode is None, log.read_text()
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            return proc, port
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)

    yield start
    for proc in started:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def call(session: aiohttp.ClientSession, port: int, key: str, method: str,
               params: dict[str, Any], rid: int) -> bool:  # fmt: skip
    """Make one JSON-RPC call; return whether it was acknowledged."""
    payload = {"jsonrpc": "2.0", "method": method, "id": rid, "params": params}
    headers = {"Authorization": f"Apikey {key}"}
    try:
        async with session.post(f"http://127.0.0.1:{port}{RPC_PATH}", json=payload,
                                headers=headers) as resp:  # fmt: skip
            body = await resp.json()
            return resp.status == 200 and "result" in body
    except aiohttp.ClientError:
        return False


async def classify_many(ports: list[int], key: str, ids: range, acked: set[str]) -> None:
    async def one(session: aiohttp.ClientSession, i: int) -> None:
        params = {"text": f"you are a stupid idiot {i}", "meta": {"remoteId": str(i)}}
        if await call(session, ports[i % len(ports)], key, "classifyText", params, i):
            acked.add(str(i))

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, i) for i in ids))


async def eventually(condition: Any, timeout: float = 60) -> None:
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_two_processes_share_one_queue_and_take_over_a_killed_ones_claims(
    postgres_url, serve, receiver
):
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "fleet")).strip()
    await cli("webhooks", "add", "--db", postgres_url, "--url", receiver.url)
    (one, port_one), (two, port_two) = await asyncio.gather(serve(postgres_url),
                                                            serve(postgres_url))  # fmt: skip
    # Both dispatchers work the one queue: every event arrives once, never twice at once.
    receiver.delay = 0.02
    acked: set[str] = set()
    await classify_many([port_one, port_two], key, range(200), acked)
    assert len(acked) == 200
    await eventually(lambda: set(receiver.received) >= acked)
    await asyncio.sleep(1)  # a second copy, if any, would come now
    assert receiver.overlaps == 0 and max(receiver.received.values()) == 1

    # Sends hang; process one is killed holding claims; process two takes them over.
    receiver.release.clear()
    later: set[str] = set()
    await classify_many([port_one, port_two], key, range(200, 300), later)
    await eventually(lambda: sum(receiver.in_flight.values()) >= 4)
    one.send_signal(signal.SIGKILL)
    await one.wait()
    receiver.forget_connection_of_the_dead()
    receiver.release.set()

    def states() -> dict[str, int]:
        return dict(query(postgres_url, "SELECT state, COUNT(*) FROM webhook_deliveries"
                                        " GROUP BY state"))  # fmt: skip

    await eventually(lambda: states() == {"delivered": 300})
    assert set(receiver.received) >= later
    assert two.returncode is None and receiver.overlaps == 0


async def test_a_key_revoked_through_one_process_is_refused_by_every_other(postgres_url, serve):
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "fleet")).strip()
    ports = [port for _, port in await asyncio.gather(serve(postgres_url), serve(postgres_url))]
    params = {"text": "hello"}
    async with aiohttp.ClientSession() as session:
        assert all([await call(session, p, key, "classifyText", params, 1) for p in ports])
        (key_id,) = query(postgres_url, "SELECT id FROM api_keys WHERE name = 'fleet'")[0]
        await cli("keys", "revoke", key_id, "--db", postgres_url)
        refused: set[int] = set()

        async def both_refuse() -> None:
            while len(refused) < len(ports):
                for p in ports:
                    if not await call(session, p, key, "classifyText", params, 2):
                        refused.add(p)
                await asyncio.sleep(0.1)

        await asyncio.wait_for(both_refuse(), 30)  # within auth.key_cache_ttl; bound: 30 s


async def test_acknowledged_writes_survive_kill_9(postgres_url, serve, receiver):
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "crash")).strip()
    await cli("webhooks", "add", "--db", postgres_url, "--url", receiver.url)
    receiver.release.clear()  # deliveries hang: the events stay in the queue
    proc, port = await serve(postgres_url)
    feedback: set[str] = set()
    events: set[str] = set()
    enough = asyncio.Event()

    async def record(session: aiohttp.ClientSession, i: int) -> None:
        params = {"content": f"row {i}", "shouldBlock": True}
        if await call(session, port, key, "recordUserClassification", params, i):
            feedback.add(f"row {i}")
        if len(feedback) >= 200:
            enough.set()

    async with aiohttp.ClientSession() as session:
        writers = [asyncio.create_task(record(session, i)) for i in range(1500)]
        classifier = asyncio.create_task(classify_many([port], key, range(1500, 2500), events))
        await asyncio.wait_for(enough.wait(), 100)
        proc.send_signal(signal.SIGKILL)  # mid-stream
        acked_feedback, acked_events = set(feedback), set(events)
        await asyncio.gather(*writers, classifier)
    assert await proc.wait() == -signal.SIGKILL
    stored = {r[0] for r in query(postgres_url, "SELECT content FROM feedback")}
    assert acked_feedback and not acked_feedback - stored
    bodies = query(postgres_url, "SELECT body FROM webhook_events")
    stored_events = {orjson.loads(b)["meta"]["remoteId"] for (b,) in bodies}
    assert not acked_events - stored_events
