"""A real `spectrum-rpc serve` process: acknowledged writes survive SIGKILL; SIGTERM drains.

Each test starts the installed console script on a free loopback port with its database in
tmp_path and a key made beforehand with `spectrum-rpc keys create`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest

from spectrum_rpc.constants import RPC_PATH
from tests.helpers.process import children, wait_gone

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("spectrum-rpc")
SECRET = "narwhal-octopus-9001 distinctive user text"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    key: str
    db_path: Path
    stderr_path: Path

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def make_key(db_path: Path) -> str:
    done = subprocess.run(
        [
            str(SCRIPT),
            "keys",
            "create",
            "--db",
            str(db_path),
            "--name",
            "crash",
            "--project",
            "acme",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def wait_until_healthy(server: Server) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(1200):
            if server.process.poll() is not None:
                pytest.fail(f"server exited early:\n{server.stderr}")
            try:
                async with session.get(server.url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    pytest.fail(f"server never became healthy:\n{server.stderr}")


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    started: list[Server] = []

    async def start(*extra: str) -> Server:
        db_path = tmp_path / "crash.db"
        key = make_key(db_path)
        port = free_port()
        stderr_path = tmp_path / f"server-{len(started)}.log"
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    str(SCRIPT),
                    "serve",
                    "--db",
                    str(db_path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=os.environ.copy(),
            )
        server = Server(process, f"http://127.0.0.1:{port}", key, db_path, stderr_path)
        started.append(server)
        await wait_until_healthy(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait(timeout=30)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as client:
        yield client


async def record(session: aiohttp.ClientSession, server: Server, content: str, rid: int) -> str:
    body = {
        "jsonrpc": "2.0",
        "method": "recordUserClassification",
        "params": {"content": content, "shouldBlock": True, "meta": {"authorId": str(rid)}},
        "id": rid,
    }
    headers = {"Authorization": f"Apikey {server.key}"}
    async with session.post(
        server.url + RPC_PATH, data=orjson.dumps(body), headers=headers
    ) as resp:
        answer = await resp.json()
    assert answer["id"] == rid
    return answer["result"]


def stored_contents(db_path: Path) -> set[str]:
    conn = sqlite3.connect(db_path)  # recovers the WAL a killed process left behind
    try:
        return {
            row[0] for row in conn.execute("SELECT content FROM feedback WHERE project = 'acme'")
        }
    finally:
        conn.close()


async def classify(session: aiohttp.ClientSession, server: Server, text: str) -> dict:
    body = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text}, "id": 1}
    headers = {"Authorization": f"Apikey {server.key}"}
    async with session.post(server.url + RPC_PATH, data=orjson.dumps(body),
                            headers=headers) as resp:
        return await resp.json()


async def test_health_endpoints_of_a_real_server(start_server, session):
    server = await start_server()
    for path in ("/healthz", "/readyz"):
        async with session.get(server.url + path) as resp:
            assert resp.status == 200
    engines = children(server.process.pid)
    assert len(engines) == 2  # the engine processes: short batches and long texts
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    assert await wait_gone(engines) == []


async def test_a_dead_engine_process_is_replaced_while_serving(start_server, session):
    server = await start_server()
    assert "toxicityConfidence" in (await classify(session, server, "hello"))["result"]
    engines = children(server.process.pid)
    for pid in engines:
        os.kill(pid, signal.SIGKILL)
    answers = []
    for _ in range(600):  # requests during the restart fail cleanly or wait for the new child
        answer = await classify(session, server, "you are an idiot")
        answers.append(answer)
        if "result" in answer:
            break
        await asyncio.sleep(0.05)
    assert "result" in answers[-1], answers[-1]
    for answer in answers[:-1]:
        assert answer["error"]["code"] == -32603 and "requestId" in answer["error"]["data"]
    assert set(children(server.process.pid)).isdisjoint(engines)
    assert len(children(server.process.pid)) == 2
    assert "restarting" in server.stderr
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0


async def test_acknowledged_writes_survive_sigkill(start_server, session):
    server = await start_server()
    acked: list[str] = []
    enough = asyncio.Event()

    async def one(i: int) -> None:
        content = f"row {i}"
        if await record(session, server, content, i) == "OK":
            acked.append(content)
            if len(acked) >= 300:
                enough.set()

    tasks = [asyncio.create_task(one(i)) for i in range(2000)]
    await asyncio.wait_for(enough.wait(), 100)
    engines = children(server.process.pid)
    server.process.send_signal(signal.SIGKILL)  # mid-stream: more requests are in flight
    acknowledged = list(acked)  # everything acknowledged before the kill
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert server.process.wait(timeout=30) == -signal.SIGKILL
    assert any(isinstance(r, aiohttp.ClientError) for r in results)  # the kill cut some short
    stored = stored_contents(server.db_path)
    missing = [c for c in acked if c not in stored]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged rows were lost"
    assert len(acknowledged) >= 300
    # The engine processes see their socket close and exit: no orphans.
    assert engines and await wait_gone(engines) == []


async def raw_post(
    server: Server, payload: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Send a whole request over a plain socket; return the streams once the bytes are written."""
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"POST {RPC_PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Apikey {server.key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    return reader, writer


async def test_sigterm_answers_in_flight_requests_and_exits_0(start_server, session):
    server = await start_server("--log-level", "DEBUG")
    # A long text keeps the engine busy: its request is in flight when SIGTERM arrives.
    text = (SECRET + " you are an idiot. ") * 60_000
    big = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text}, "id": "big"}
    reader, writer = await raw_post(server, orjson.dumps(big))
    fast = [asyncio.create_task(record(session, server, f"{SECRET} {i}", i)) for i in range(50)]
    await asyncio.wait(fast, return_when=asyncio.FIRST_COMPLETED)
    # aiohttp ignores bytes that arrive after shutdown starts: let the big body land first.
    await asyncio.sleep(1)
    server.process.send_signal(signal.SIGTERM)

    response = await asyncio.wait_for(reader.read(), 60)
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert orjson.loads(body)["id"] == "big"
    assert "toxic" in orjson.loads(body)["result"]

    results = await asyncio.gather(*fast, return_exceptions=True)
    for result in results:  # each one answered, or refused at the door: nothing in between
        assert result == "OK" or isinstance(result, aiohttp.ClientConnectionError), result
    status = await asyncio.to_thread(server.process.wait, 60)
    assert status == 0, server.stderr
    acked = {f"{SECRET} {i}" for i, r in enumerate(results) if r == "OK"}
    assert acked and acked <= stored_contents(server.db_path)
    assert "narwhal-octopus" not in server.stderr  # DEBUG logs hold no user text
    assert "Traceback" not in server.stderr
    # Every cleanup ran to its end (aiohttp runs them inside its cancelled main task): the
    # engine lanes were closed and the key's last use, kept in memory, was written.
    assert "micro-batcher closed" in server.stderr
    conn = sqlite3.connect(server.db_path)
    try:
        assert conn.execute("SELECT last_used_at FROM api_keys").fetchone()[0] is not None
    finally:
        conn.close()


async def test_sigterm_during_start_up_stops_cleanly(tmp_path):
    db_path = tmp_path / "early.db"
    make_key(db_path)
    stderr_path = tmp_path / "early.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--db", str(db_path), "--host", "127.0.0.1",
             "--port", str(free_port()), "--log-level", "DEBUG"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        # Start-up has begun: the models are loading.
        async with asyncio.timeout(60):
            while "starting: loading the models" not in stderr_path.read_text():
                assert process.poll() is None, stderr_path.read_text()
                await asyncio.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        # It used to hang for good here: the store's threads outlived a skipped clean-up.
        status = await asyncio.to_thread(process.wait, 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = stderr_path.read_text()
    assert status == 0, log
    assert "stopped during start-up" in log and "Traceback" not in log
