"""Test events have their own type, TEST (issue 15, item 18): a receiver tells them from real
classifications by `type`, not only by `meta.test`, and they reach the webhook asked about
whatever its filter."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from spectrum_rpc.constants import EVENT_TEST
from spectrum_rpc.store import DELIVERED
from spectrum_rpc.webhooks import management as ops


async def test_a_test_event_is_of_type_test_and_ignores_the_filter(
        store, make_receiver, make_dispatcher):
    receiver = await make_receiver(200)
    created = await ops.add_webhook(store, receiver.url, events="phishing",
                                    allow_private_addresses=True)
    result = await ops.send_test(store, make_dispatcher(), created.view.id)
    assert (result.state, result.status) == (DELIVERED, 200)
    body = Webhook(created.secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert EVENT_TEST == "TEST"
    assert body["type"] == "TEST" and body["meta"] == {"test": True}
    assert body["phishing"] is False and body["modelVersion"] == "test"
