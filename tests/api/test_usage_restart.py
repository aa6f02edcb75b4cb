"""Usage counts survive a restart of a real `spectrum-rpc serve`: flushed on a clean stop, flushed
periodically while serving (so a killed server keeps what was flushed), and a quota keeps
counting what the key used before the restart."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import orjson
import pytest

from spectrum_rpc.auth import hash_key
from spectrum_rpc.constants import RPC_PATH
from tests.helpers.cli import cli

pytestmark = pytest.mark.slow

CLASSIFY = orjson.dumps({"jsonrpc": "2.0", "method": "classifyText",
                         "params": {"text": "hello"}, "id": 1})


def counts(db: Path) -> dict[str, tuple[int, int]]:
    """api -> (requests, refused), summed over keys and months, as committed."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT api, SUM(requests), SUM(refused) FROM usage_counts "
                            "GROUP BY api").fetchall()
    finally:
        conn.close()
    return {api: (int(r), int(f)) for api, r, f in rows}


async def send(session, url: str, key: str, n: int, openai: int = 0) -> list[int]:  # type: ignore[no-untyped-def]
    statuses = []
    for _ in range(n):
        async with session.post(url + RPC_PATH, data=CLASSIFY,
                                headers={"Authorization": f"Apikey {key}"}) as resp:
            statuses.append(resp.status)
    for _ in range(openai):
        async with session.post(url + "/v1/moderations", json={"input": "hi"},
                                headers={"Authorization": f"Bearer {key}"}) as resp:
            statuses.append(resp.status)
    return statuses


async def stop(server) -> None:  # type: ignore[no-untyped-def]
    server.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(server.process.wait, 60) == 0, server.stderr


def key_id(db: Path, key: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id FROM api_keys WHERE key_hash = ?",
                            (hash_key(key),)).fetchone()[0]
    finally:
        conn.close()


async def test_counts_and_quota_survive_a_restart(start_server, session):
    first = await start_server()
    assert await send(session, first.url, first.key, 5, openai=2) == [200] * 7
    await stop(first)
    assert counts(first.db_path) == {"spectrum": (5, 0), "openai": (2, 0)}
    # A quota of 9 set from the CLI while the server is down: 7 are used already.
    done = cli("keys", "limit", "--db", str(first.db_path), key_id(first.db_path, first.key),
               "--quota", "9")
    assert done.returncode == 0, done.stderr
    second = await start_server()  # the same database (start_server adds a key of its own)
    assert await send(session, second.url, first.key, 3) == [200, 200, 429]
    await stop(second)
    assert counts(first.db_path) == {"spectrum": (7, 1), "openai": (2, 0)}


async def test_counts_are_flushed_while_serving(start_server, session, monkeypatch):
    monkeypatch.setenv("SPECTRUM_RPC_USAGE_FLUSH_INTERVAL", "0.1")
    server = await start_server()
    assert await send(session, server.url, server.key, 4) == [200] * 4
    for _ in range(600):  # until the periodic flush has written them (no shutdown flush here)
        if counts(server.db_path).get("spectrum") == (4, 0):
            break
        await asyncio.sleep(0.05)
    server.process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(server.process.wait, 60)
    assert counts(server.db_path) == {"spectrum": (4, 0)}
