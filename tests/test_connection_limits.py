"""Connection floods and slow headers against a real server with a low open-file limit: real
requests are still answered, and the log stays small."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.helpers.attack import running_server

pytestmark = pytest.mark.slow

FILE_LIMIT = 256  # the server keeps connections below it (about 160 here)


async def healthz(url: str) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        async with session.get(url + "/healthz") as answer:
            return answer.status


async def test_a_flood_of_idle_connections_does_not_lock_real_clients_out(tmp_path):
    with running_server(tmp_path, file_limit=FILE_LIMIT) as server:
        idle = [await server.open() for _ in range(2 * FILE_LIMIT)]
        await asyncio.sleep(1)  # let the server accept what it can
        assert await healthz(server.url) == 200
        more = [await server.open() for _ in range(FILE_LIMIT)]
        await asyncio.sleep(1)
        assert await healthz(server.url) == 200
        for _reader, writer in idle + more:
            writer.close()
        log = server.log
    assert "Traceback" not in log
    assert "out of system resource" not in log
    warnings = [line for line in log.splitlines() if "connection limit" in line]
    assert len(warnings) == 1  # once per interval, however many connections were closed


async def trickle(server, opened: asyncio.Event) -> bool:  # type: ignore[no-untyped-def]
    """Send a request's headers a byte at a time, twice a second (all of them would take
    two minutes); return whether the server closed the connection before they were done."""
    reader, writer = await server.open()
    opened.set()
    try:
        for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 0.5) == b"":
                    return True
            except TimeoutError:
                continue
    except ConnectionError:
        return True
    finally:
        writer.close()
    return False


async def test_headers_sent_slowly_are_timed_out(tmp_path):
    env = {"SPECTRUM_RPC_SERVER_IDLE_TIMEOUT": "2"}
    with running_server(tmp_path, env=env, file_limit=FILE_LIMIT) as server:
        opened = [asyncio.Event() for _ in range(50)]
        slow = [asyncio.create_task(trickle(server, event)) for event in opened]
        await asyncio.gather(*(event.wait() for event in opened))
        assert await healthz(server.url) == 200
        closed = await asyncio.wait_for(asyncio.gather(*slow), 60)
    assert all(closed)
