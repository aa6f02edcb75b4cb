"""Several real `spectrum-rpc serve` processes on one PostgreSQL database, for the tests.

`Receiver` is a webhook receiver that counts each event's copies and those arriving at once
(the `receiver` fixture serves one); the `serve` fixture starts server processes and waits
until each is healthy; `cli` runs a sub-command; `rpc` makes one JSON-RPC call.
"""

from __future__ import annotations

import asyncio
import collections
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from spectrum_rpc.constants import RPC_PATH
from tests.helpers.serve import SCRIPT, free_port

Serve = Callable[..., Awaitable[tuple[asyncio.subprocess.Process, int]]]


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
        """Sends cut off by a kill (or frozen by a stop) keep their handlers waiting: they no
        longer count."""
        self.in_flight.clear()


def environment(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "SPECTRUM_RPC_WEBHOOKS_POLL_INTERVAL": "0.2",
        "SPECTRUM_RPC_ENGINE_WORKERS": "1",
        **extra,
    }


async def cli(*args: str) -> str:
    """Run a sub-command; return its standard output (it must succeed)."""
    proc = await asyncio.create_subprocess_exec(
        str(SCRIPT), *args, env=environment(), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def servers(folder: Path) -> AsyncIterator[Serve]:
    """Yield `start(url, **env)`: start `spectrum-rpc serve` on a database, wait until it is
    healthy, return (process, port); every process is killed at the end."""
    started: list[asyncio.subprocess.Process] = []

    async def start(url: str, **extra: str) -> tuple[asyncio.subprocess.Process, int]:
        port, log = free_port(), folder / f"serve-{len(started)}.log"
        with log.open("ab") as stderr:
            proc = await asyncio.create_subprocess_exec(
                str(SCRIPT), "serve", "--db", url, "--port", str(port),
                env=environment(**extra), stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
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


async def rpc(session: aiohttp.ClientSession, port: int, key: str, method: str,
              params: dict[str, Any], rid: int = 1) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """Make one JSON-RPC call; return the HTTP status and the decoded answer ({} if none)."""
    payload = {"jsonrpc": "2.0", "method": method, "id": rid, "params": params}
    headers = {"Authorization": f"Apikey {key}"}
    try:
        async with session.post(f"http://127.0.0.1:{port}{RPC_PATH}", json=payload,
                                headers=headers) as resp:  # fmt: skip
            return resp.status, await resp.json(content_type=None)
    except (aiohttp.ClientError, ValueError):
        return 0, {}


async def call(session: aiohttp.ClientSession, port: int, key: str, method: str,
               params: dict[str, Any], rid: int) -> bool:  # fmt: skip
    """Make one JSON-RPC call; return whether it was acknowledged."""
    status, body = await rpc(session, port, key, method, params, rid)
    return status == 200 and "result" in body


async def eventually(condition: Callable[[], Any], timeout: float = 60) -> None:
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


# Fixtures (a plugin of tests/conftest.py).
@pytest.fixture
async def receiver(aiohttp_server: Any) -> AsyncIterator[Receiver]:
    """A webhook receiver on a real aiohttp server."""
    r = Receiver()
    app = web.Application()
    app.router.add_post("/hook", r.handle)
    server = await aiohttp_server(app)
    r.url = f"http://127.0.0.1:{server.port}/hook"
    yield r
    r.release.set()


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start `spectrum-rpc serve` on a database; wait until healthy; kill it after the test."""
    async for start in servers(tmp_path):
        yield start
