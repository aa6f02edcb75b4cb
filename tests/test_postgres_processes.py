"""Several real `spectrum-rpc serve` processes on one PostgreSQL database: one webhook queue
(each event delivered, never twice at once, a killed process's claims taken over), and
acknowledged writes that survive kill -9."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import orjson
import pytest

from tests.helpers.fleet import call, cli, eventually
from tests.helpers.postgres import query

pytestmark = pytest.mark.slow


async def classify_many(ports: list[int], key: str, ids: range, acked: set[str]) -> None:
    async def one(session: aiohttp.ClientSession, i: int) -> None:
        params = {"text": f"you are a stupid idiot {i}", "meta": {"remoteId": str(i)}}
        if await call(session, ports[i % len(ports)], key, "classifyText", params, i):
            acked.add(str(i))

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, i) for i in ids))


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
