"""Webhooks end to end: classifyText through the real app, and a real server killed with SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.constants import RPC_PATH
from spectrum_rpc.webhooks import management as ops

CLI = str(Path(sys.executable).with_name("spectrum-rpc"))


class Receiver:
    """A real HTTP receiver; `hold` makes it hang until released (a receiver that is down)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.hold = False
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.hold:
            await self.release.wait()
            return web.Response(status=503)
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        return web.Response(status=200)

    def remote_ids(self) -> set[str]:
        return {orjson.loads(b)["meta"]["remoteId"] for b in self.bodies}


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    r = Receiver()
    app = web.Application()
    app.router.add_post("/hook", r.handle)
    server = await aiohttp_server(app)
    r.url = f"http://127.0.0.1:{server.port}/hook"  # type: ignore[attr-defined]
    yield r
    r.release.set()


async def eventually(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_classify_text_delivers_the_response_and_meta(make_client, rpc, receiver):
    api = await make_client(webhooks={"allow_private_addresses": True})
    created = await ops.add_webhook(api.store, receiver.url, basic_auth="hook:pw",
                                    allow_private_addresses=True)
    meta = {"authorId": "123", "remoteId": "r-1", "remoteCreatedAt": 1509570919000, "extra": [1]}
    payload = {
        "jsonrpc": "2.0",
        "method": "classifyText",
        "id": 1,
        "params": {"text": "you are a stupid idiot", "meta": meta},
    }

    reply = await rpc(api, payload)

    assert reply.status == 200
    result = reply.json["result"]
    await eventually(lambda: len(receiver.bodies) == 1)
    body = Webhook(created.secret).verify(receiver.bodies[0], receiver.headers[0])
    assert body["type"] == "CLASSIFICATION" and body["meta"] == meta
    assert {k: body[k] for k in result} == result
    assert "text" not in body
    assert receiver.headers[0]["Authorization"].startswith("Basic ")


async def test_projects_without_webhooks_write_no_events(make_client, rpc, committed):
    api = await make_client(webhooks={"allow_private_addresses": True})
    payload = {"jsonrpc": "2.0", "method": "classifyText", "id": 1, "params": {"text": "hello"}}
    assert (await rpc(api, payload)).status == 200
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]


# -- kill -9 --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def cli(*args: str, env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def serve(db: Path, port: int, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start `spectrum-rpc serve` and wait until it answers."""
    with log.open("ab") as stderr:  # the child keeps its own descriptor
        proc = await asyncio.create_subprocess_exec(
            CLI,
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(60):
            while True:
                assert proc.returncode is None, log.read_text()
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            return proc
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)


async def classify_many(port: int, key: str, count: int, acked: set[str]) -> None:
    """Send classifyText calls concurrently; record the remoteId of every answered one."""
    url = f"http://127.0.0.1:{port}{RPC_PATH}"

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        payload = {
            "jsonrpc": "2.0",
            "method": "classifyText",
            "id": i,
            "params": {"text": f"message number {i}", "meta": {"remoteId": str(i)}},
        }
        async with session.post(url, json=payload, headers={"Authorization": f"Apikey {key}"}) as r:
            body: Any = await r.json()
            if r.status == 200 and "result" in body:
                acked.add(str(i))

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, i) for i in range(count)), return_exceptions=True)


@pytest.mark.slow
async def test_acknowledged_events_survive_kill_9(tmp_path, receiver):
    db, log, port = tmp_path / "crash.db", tmp_path / "serve.log", free_port()
    env = {
        **os.environ,
        "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "SPECTRUM_RPC_WEBHOOKS_POLL_INTERVAL": "0.2",
    }
    key = (await cli("keys", "create", "--db", str(db), "--name", "crash", env=env)).strip()
    added = await cli("webhooks", "add", "--db", str(db), "--url", receiver.url, env=env)
    secret = added.split("secret=")[1].strip()
    receiver.hold = True  # deliveries hang: at the kill some are being sent, most are queued

    server = await serve(db, port, env, log)
    acked: set[str] = set()
    sender = asyncio.create_task(classify_many(port, key, 300, acked))
    await eventually(lambda: len(acked) >= 50)
    server.send_signal(signal.SIGKILL)
    await server.wait()
    await sender
    with contextlib.closing(sqlite3.connect(db)) as conn:
        states = dict(
            conn.execute("SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state").fetchall()
        )
    assert states.get("pending", 0) > 0 and "delivered" not in states
    assert 50 <= len(acked) and receiver.bodies == []

    receiver.hold = False
    receiver.release.set()
    server = await serve(db, port, env, log)
    try:
        await eventually(lambda: acked <= receiver.remote_ids(), timeout=60)
    finally:
        server.terminate()
        await server.wait()
    assert secret not in log.read_text()
