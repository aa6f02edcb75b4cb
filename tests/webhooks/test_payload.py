"""The event body and its headers: the Spectrum shape, meta, basic auth, the text only when the
project includes it."""

from __future__ import annotations

import base64

import orjson
from standardwebhooks.webhooks import Webhook

from spectrum_rpc import __version__
from spectrum_rpc.store.webhooks import DELIVERED
from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import FLAGGED_RESULT, classify


async def test_payload_shape_meta_and_headers(store, make_receiver, make_dispatcher):
    receiver = await make_receiver()
    created = await ops.add_webhook(store, receiver.url, basic_auth="alice:s3cr:et",
                                    allow_private_addresses=True)
    meta = {
        "authorId": "123",
        "streamName": "hello",
        "remoteCreatedAt": 1509570919000,
        "avatarUrl": "",
        "custom": {"nested": [1, 2]},
    }
    await classify(store, meta=meta)

    results = await make_dispatcher().run_once()

    assert [r.state for r in results] == [DELIVERED]
    (got,) = receiver.received
    body = orjson.loads(got.body)
    assert body["type"] == "CLASSIFICATION"
    assert body["meta"] == meta
    for k, v in FLAGGED_RESULT.items():
        assert body[k] == v
    assert body["id"] == got.headers["webhook-id"] and body["id"].startswith("msg_")
    assert body["createdAt"].endswith("Z") and "T" in body["createdAt"]
    assert "text" not in body
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == f"spectrum-rpc/{__version__}"
    assert got.headers["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cr:et").decode()
    assert Webhook(created.secret).verify(got.body, got.headers) == body


async def test_text_is_sent_only_when_the_project_includes_it(
    store, make_receiver, make_dispatcher
):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store, text="hidden")
    await classify(store, text="shown", include_text=True)
    await make_dispatcher().drain()
    bodies = sorted((orjson.loads(r.body) for r in receiver.received), key=lambda b: "text" in b)
    assert "text" not in bodies[0]
    assert bodies[1]["text"] == "shown"
