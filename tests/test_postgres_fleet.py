"""A fleet of real `spectrum-rpc serve` processes on one PostgreSQL database: what one of them
(or any other process) changes, every other one sees at once; per-key rate limits and the admin
login throttle hold for the fleet; a frozen process's webhook claims are taken over after
`store.liveness_timeout`, well before their lease runs out.

The caches that would otherwise hide a change for a while are set to an hour here, so that only
the announcement (LISTEN/NOTIFY) can make the change visible. Each wait is a bound against a
hang, never a speed assertion: `scripts/bench_scaleout.py` measures how fast.
"""

from __future__ import annotations

import asyncio
import re
import signal
from typing import Any

import aiohttp
import pytest

from spectrum_rpc.auth.usage import QUOTA, RATE
from spectrum_rpc.store import KeyLimits, Store
from tests.helpers.fleet import cli, eventually, rpc
from tests.helpers.postgres import query
from tests.helpers.training import write_base, write_model

pytestmark = pytest.mark.slow

HOUR = "3600"
CACHED = {"SPECTRUM_RPC_AUTH_KEY_CACHE_TTL": HOUR, "SPECTRUM_RPC_WEBHOOKS_CACHE_TTL": HOUR,
          "SPECTRUM_RPC_TRAINING_POLL_INTERVAL": HOUR, "SPECTRUM_RPC_USAGE_FLUSH_INTERVAL": HOUR}
TOXIC = "you are a stupid idiot"


async def until(check: Any, timeout: float = 30) -> None:
    """Call the async `check` until it returns true (bound: `timeout` seconds)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_changes_made_anywhere_reach_every_process(postgres_url, serve, receiver,
                                                         tmp_path):  # fmt: skip
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "fleet")).strip()
    ports = [p for _, p in await asyncio.gather(serve(postgres_url, **CACHED),
                                                serve(postgres_url, **CACHED))]  # fmt: skip

    async def classify(session: aiohttp.ClientSession, port: int, i: int = 0) -> dict[str, Any]:
        params = {"text": TOXIC, "meta": {"remoteId": f"{port}-{i}"}}
        return (await rpc(session, port, key, "classifyText", params, i))[1].get("result", {})

    async with aiohttp.ClientSession() as session:
        for port in ports:  # every cache holds the state before the changes
            first = await classify(session, port)
            assert first["toxic"] and first["modelVersion"] != "tiny-1"
        # A webhook added by another process (the CLI): both processes' events reach it.
        await cli("webhooks", "add", "--db", postgres_url, "--url", receiver.url)
        for port in ports:
            sent = iter(range(1, 10_000))

            async def delivered(port: int = port, sent: Any = sent) -> bool:
                await classify(session, port, next(sent))  # an event, for the webhooks known
                await asyncio.sleep(0.2)
                return any(r.startswith(f"{port}-") for r in receiver.received)

            await until(delivered)
        # A project's settings, the model serving it, its key: changed through a store opened
        # by this process.
        async with Store(postgres_url) as store:
            await store.projects.update_settings("default", {"thresholds": {"toxicity": 0.999}})
            for port in ports:
                await until(lambda port=port: _not_toxic(classify(session, port)))
            model = write_model(tmp_path / "tiny-1", write_base(tmp_path / "base"))
            await store.models.add(version="tiny-1", project="default", origin="test",
                                   parent=None, path=str(model), status="candidate",
                                   report={})  # fmt: skip
            await store.models.activate("default", "tiny-1", "test")
            for port in ports:
                await until(lambda port=port: _served_by(classify(session, port), "tiny-1"))
            (key_id,) = query(postgres_url, "SELECT id FROM api_keys WHERE name = 'fleet'")[0]
            assert await store.keys.revoke(key_id)
            for port in ports:
                await until(lambda port=port: _refused(rpc(session, port, key, "classifyText",
                                                           {"text": "hello"})))  # fmt: skip


async def _not_toxic(answer: Any) -> bool:
    return (await answer).get("toxic") is False


async def _served_by(answer: Any, version: str) -> bool:
    return (await answer).get("modelVersion") == version


async def _refused(answer: Any) -> bool:
    status, body = await answer
    return status == 401 or "error" in body


@pytest.mark.parametrize(("limits", "refusal"), [
    (KeyLimits(rate=1 / 60, burst=5), RATE),  # a token a minute, five at once
    (KeyLimits(quota=5), QUOTA),  # five a month
])
async def test_a_keys_limits_hold_across_the_fleet(postgres_url, serve, limits, refusal):
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "limited")).strip()
    (key_id,) = query(postgres_url, "SELECT id FROM api_keys WHERE name = 'limited'")[0]
    async with Store(postgres_url) as store:
        await store.usage.set_limits(key_id, limits)
    ports = [p for _, p in await asyncio.gather(serve(postgres_url), serve(postgres_url))]
    answers = []
    async with aiohttp.ClientSession() as session:
        for i in range(12):  # alternately: each process alone would grant five
            answers.append(await rpc(session, ports[i % 2], key, "classifyText",
                                     {"text": "hello"}, i))  # fmt: skip
    granted = [status for status, body in answers if "result" in body]
    refused = [body for status, body in answers if status == 429]
    assert len(granted) == 5 and len(refused) == 7
    assert all(refusal in body["error"]["data"] for body in refused)


def browser() -> aiohttp.ClientSession:
    """A client that keeps cookies set by an IP address (the login form's CSRF cookie)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def login(session: aiohttp.ClientSession, port: int, name: str) -> int:
    """Try to log in to the admin UI with a wrong password; return the HTTP status."""
    base = f"http://127.0.0.1:{port}/admin/login"
    async with session.get(base) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    form = {"csrf_token": token.group(1), "name": name, "password": "not the password"}
    async with session.post(base, data=form, allow_redirects=False) as resp:
        return resp.status


async def test_an_address_locked_out_through_one_process_is_locked_out_on_all(postgres_url,
                                                                              serve):  # fmt: skip
    (_, one), (_, two) = await asyncio.gather(serve(postgres_url), serve(postgres_url))
    async with browser() as first, browser() as second:
        assert await login(second, two, "nobody") == 401  # the other process: not yet
        statuses = [await login(first, one, f"nobody-{i}") for i in range(12)]
        assert 429 in statuses  # ten failures are free, then the address waits
        assert await login(second, two, "somebody") == 429


async def test_a_frozen_dispatchers_claims_are_taken_over_after_the_liveness_timeout(
        postgres_url, serve, receiver):  # fmt: skip
    key = (await cli("keys", "create", "--db", postgres_url, "--name", "frozen")).strip()
    await cli("webhooks", "add", "--db", postgres_url, "--url", receiver.url)
    quick = {"SPECTRUM_RPC_STORE_LIVENESS_TIMEOUT": "2"}
    (one, port_one), (two, port_two) = await asyncio.gather(serve(postgres_url, **quick),
                                                            serve(postgres_url, **quick))
    receiver.release.clear()  # sends hang: process one holds its claims
    async with aiohttp.ClientSession() as session:
        for i in range(20):
            params = {"text": f"{TOXIC} {i}", "meta": {"remoteId": str(i)}}
            assert (await rpc(session, port_one, key, "classifyText", params, i))[0] == 200

    def owners() -> dict[int, int]:
        rows = query(postgres_url, "SELECT lease_owner, COUNT(*) FROM webhook_deliveries"
                                   " WHERE state = 'sending' GROUP BY lease_owner")
        return dict(rows)

    await eventually(lambda: sum(receiver.in_flight.values()) >= 4)
    before = owners()
    one.send_signal(signal.SIGSTOP)  # frozen: its connections stay open, its lock held
    try:
        receiver.forget_connection_of_the_dead()
        receiver.release.set()
        # The lease of a claim is about two minutes (webhooks.timeout x tries + a minute);
        # the liveness lock goes after 2 s, and process two takes every delivery over.
        await eventually(lambda: set(receiver.received) == {str(i) for i in range(20)}, 60)
        await eventually(lambda: dict(query(postgres_url, "SELECT state, COUNT(*) FROM"
                                            " webhook_deliveries GROUP BY state"))
                         == {"delivered": 20}, 60)  # fmt: skip
        assert before and receiver.overlaps == 0
    finally:
        one.send_signal(signal.SIGCONT)
    # Woken up, process one finds its claims gone: it records nothing over process two's.
    await asyncio.sleep(1)
    assert dict(query(postgres_url, "SELECT state, COUNT(*) FROM webhook_deliveries"
                                    " GROUP BY state")) == {"delivered": 20}  # fmt: skip
    assert two.returncode is None
