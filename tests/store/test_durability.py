"""Durability: every write a real `spectrum-rpc serve` process acknowledged is in the database
after the process is killed with SIGKILL mid-stream (tests/helpers/serve.py starts it)."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import pytest

from tests.helpers.process import children, wait_gone
from tests.helpers.serve import record, stored_contents

pytestmark = pytest.mark.slow


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
