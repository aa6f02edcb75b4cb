"""Webhook management through the admin API, against a real local receiver."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.helpers.admin import API, logged_in_client


class Receiver:
    """A real HTTP receiver that records requests and answers with `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[web.BaseRequest] = []
        self.server = TestServer(web.Application())
        self.server.app.router.add_post("/hook", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.requests.append(request)
        return web.Response(status=self.status, text="receiver says " + str(self.status))

    @property
    def url(self) -> str:
        return str(self.server.make_url("/hook"))


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.server.start_server()
    yield r
    await r.server.close()


@pytest.fixture
async def client(aiohttp_client, tmp_path) -> TestClient:
    return await logged_in_client(aiohttp_client, tmp_path,
        webhooks={"allow_private_addresses": True, "timeout": 5})


async def create_webhook(client: TestClient, receiver: Receiver) -> dict:
    response = await client.post(f"{API}/projects/default/webhooks", json={
        "url": receiver.url, "events": ["flagged"], "basic_auth_user": "hooks",
        "basic_auth_password": "s3cret-pass", "description": "test receiver"})
    assert response.status == 201, await response.text()
    return await response.json()


async def test_webhooks_are_created_edited_and_listed_without_secrets(client, receiver):
    hook = await create_webhook(client, receiver)
    assert hook["secret"] and hook["basic_auth"] is True and hook["events"] == ["flagged"]
    listing = (await (await client.get(f"{API}/projects/default/webhooks")).json())["webhooks"]
    assert [w["id"] for w in listing] == [hook["id"]]
    assert "secret" not in listing[0] and "s3cret-pass" not in str(listing)
    edited = await client.patch(f"{API}/webhooks/{hook['id']}",
                                json={"events": ["toxic", "phishing"], "description": "new"})
    assert (await edited.json())["events"] == ["toxic", "phishing"]
    removed = await client.patch(f"{API}/webhooks/{hook['id']}", json={"remove_basic_auth": True})
    assert (await removed.json())["basic_auth"] is False
    bad = await client.post(f"{API}/projects/default/webhooks", json={"url": "ftp://x"})
    assert bad.status == 400 and "scheme" in (await bad.json())["error"]
    half = await client.post(f"{API}/projects/default/webhooks",
                             json={"url": receiver.url, "basic_auth_user": "only"})
    assert half.status == 400
    assert (await client.get(f"{API}/webhooks/wh_missing")).status == 404
    page = await client.get(f"/admin/webhooks/{hook['id']}")
    assert page.status == 200 and receiver.url in await page.text()


async def test_test_event_reports_status_and_latency(client, receiver):
    hook = await create_webhook(client, receiver)
    result = await (await client.post(f"{API}/webhooks/{hook['id']}/test")).json()
    assert result["ok"] is True and result["status"] == 200 and result["latency_ms"] >= 0
    sent = receiver.requests[-1]
    assert sent.headers["Authorization"].startswith("Basic ")
    assert "webhook-signature" in {k.lower() for k in sent.headers}


async def test_failed_deliveries_are_listed_and_replayed(client, receiver):
    hook = await create_webhook(client, receiver)
    receiver.status = 500
    failed = await (await client.post(f"{API}/webhooks/{hook['id']}/test")).json()
    assert failed["ok"] is False and failed["status"] == 500
    log = (await (await client.get(f"{API}/webhooks/{hook['id']}/deliveries")).json())
    (delivery,) = log["deliveries"]
    assert delivery["state"] == "failed"
    (attempt,) = delivery["tries"]
    assert attempt["status"] == 500 and attempt["response"] == "receiver says 500"
    assert attempt["latency_ms"] is not None
    receiver.status = 200
    replayed = await client.post(f"{API}/webhooks/{hook['id']}/replay",
                                 json={"delivery_id": delivery["id"]})
    assert (await replayed.json())["queued"] == [delivery["id"]]
    await _until_delivered(client, hook["id"], delivery["id"])
    # Replay everything failed since a time.
    receiver.status = 503
    await client.post(f"{API}/webhooks/{hook['id']}/test")
    receiver.status = 200
    since = await client.post(f"{API}/webhooks/{hook['id']}/replay",
                              json={"since": "2000-01-01T00:00"})
    assert len((await since.json())["queued"]) == 1
    bad = await client.post(f"{API}/webhooks/{hook['id']}/replay", json={"since": "soon"})
    assert bad.status == 400


async def _until_delivered(client: TestClient, webhook_id: str, delivery_id: int) -> dict:
    # Up to 40 s: once in several CI runs the replayed attempt was still out after 10 s (one
    # attempt may take the 15 s send timeout, and the schedule's next try comes 5 s later).
    for _ in range(800):
        log = await (await client.get(f"{API}/webhooks/{webhook_id}/deliveries")).json()
        found = {d["id"]: d for d in log["deliveries"]}[delivery_id]
        if found["state"] == "delivered":
            assert [t["status"] for t in found["tries"]][-1] == 200
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the replayed delivery was not delivered")


async def test_secrets_are_revealed_and_rotated_but_never_audited(client, receiver):
    hook = await create_webhook(client, receiver)
    shown = await (await client.post(f"{API}/webhooks/{hook['id']}/secret/reveal")).json()
    assert shown["secret"] == hook["secret"]
    rotated = await (await client.post(f"{API}/webhooks/{hook['id']}/secret/rotate")).json()
    assert rotated["secret"] != hook["secret"]
    assert (await (await client.get(f"{API}/webhooks/{hook['id']}")).json())["rotating"]
    for path in ("disable", "enable"):
        assert (await client.post(f"{API}/webhooks/{hook['id']}/{path}")).status == 200
    entries = (await (await client.get(f"{API}/audit")).json())["entries"]
    actions = {e["action"] for e in entries}
    assert {"webhook.create", "webhook.secret.reveal", "webhook.secret.rotate",
            "webhook.disable", "webhook.enable"} <= actions
    dump = str(entries)
    assert hook["secret"] not in dump and rotated["secret"] not in dump
    assert "s3cret-pass" not in dump


async def test_dashboard_shows_webhook_health(client, receiver):
    hook = await create_webhook(client, receiver)
    await client.post(f"{API}/webhooks/{hook['id']}/test")
    page = await (await client.get("/admin/")).text()
    assert "delivery success" in page and "100%" in page
    assert hook["id"] in page  # among the slowest receivers
