"""moderateText's outcome reaches the webhooks as a MODERATION event, signed, with its meta and
the labels' decisions, under the same filters as classifyText's CLASSIFICATION events; through
the real app to a real receiver."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.constants import EVENT_MODERATION
from spectrum_rpc.webhooks import management as ops


async def receiver_at(aiohttp_server) -> tuple[list[web.Request], list[bytes], str]:  # type: ignore[no-untyped-def]
    requests: list[web.Request] = []
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        requests.append(request)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await aiohttp_server(app)
    return requests, bodies, f"http://127.0.0.1:{server.port}/hook"


def moderate(text: str, meta: dict | None = None, detect: list[str] | None = None) -> dict:
    params: dict = {"text": text}
    if meta is not None:
        params["meta"] = meta
    if detect is not None:
        params["options"] = {"detect": detect}
    return {"jsonrpc": "2.0", "method": "moderateText", "id": 1, "params": params}


async def until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_moderate_text_sends_a_moderation_event(make_client, rpc, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    requests, bodies, url = await receiver_at(aiohttp_server)
    created = await ops.add_webhook(api.store, url, events="toxic",
                                    allow_private_addresses=True)
    reply = await rpc(api, moderate("you are a stupid idiot", {"remoteId": "c-1"}))
    assert reply.json["result"]["flagged"]["toxicity"] is True
    await until(lambda: len(bodies) == 1)
    body = Webhook(created.secret).verify(bodies[0], dict(requests[0].headers))
    assert EVENT_MODERATION == "MODERATION"
    assert body["type"] == "MODERATION" and body["meta"] == {"remoteId": "c-1"}
    assert body["toxic"] is True and 0.5 <= body["toxicityConfidence"] <= 1
    assert body["modelVersion"] == reply.json["result"]["modelVersion"]
    assert "text" not in body


async def test_the_filters_apply_and_no_labels_means_no_event(make_client, rpc, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    _, bodies, url = await receiver_at(aiohttp_server)
    await ops.add_webhook(api.store, url, events="toxic", allow_private_addresses=True)
    assert (await rpc(api, moderate("what a lovely morning"))).status == 200  # not toxic
    assert (await rpc(api, moderate("you idiot", detect=["pii"]))).status == 200  # no labels
    assert (await rpc(api, moderate("you are a stupid idiot", {"n": 3}))).status == 200
    # Events are recorded before the answer is sent: what is stored now is all there will be.
    stored = await api.store.db.fetchall("SELECT body FROM webhook_events")
    assert [orjson.loads(row[0])["meta"] for row in stored] == [{"n": 3}]
    await until(lambda: len(bodies) == 1)
    assert orjson.loads(bodies[0])["type"] == "MODERATION"
