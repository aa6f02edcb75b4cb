"""A real `spectrum-rpc serve` process (the `start_server` fixture of conftest.py starts one):
the installed console script on a free loopback port, its database in tmp_path and a key made
beforehand with `spectrum-rpc keys create`."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest

from spectrum_rpc.constants import RPC_PATH

SCRIPT = Path(sys.executable).with_name("spectrum-rpc")


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
