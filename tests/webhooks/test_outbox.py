"""The outbox, classifyText's listener: no event without a matching webhook, nothing to await when
nothing is written."""

from __future__ import annotations

from spectrum_rpc.analysis import Classification
from spectrum_rpc.webhooks import Outbox
from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import FLAGGED_RESULT, classify


async def test_no_matching_webhook_writes_nothing(store, committed):
    await classify(store)
    created = await ops.add_webhook(store, "https://example.com/hook", events="phishing")
    await classify(store)
    await ops.set_enabled(store, created.view.id, False)
    await classify(store, {**FLAGGED_RESULT, "phishing": True})
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]
    assert committed("SELECT COUNT(*) FROM webhook_deliveries") == [(0,)]


async def test_outbox_hands_back_nothing_to_await_when_nothing_is_written(store, committed):
    outbox = Outbox(store)
    event = Classification("default", "key_1", FLAGGED_RESULT, {}, "you are awful", False)
    first = outbox(event)  # webhooks not cached yet: a coroutine that loads them
    assert first is not None
    await first
    assert outbox(event) is None  # cached, and the project has no webhook
    created = await ops.add_webhook(store, "https://example.com/hook", events="phishing")
    outbox.forget()
    await outbox(event)  # loads the webhook; its filter does not match
    assert outbox(event) is None
    await ops.set_enabled(store, created.view.id, False)
    await ops.add_webhook(store, "https://example.com/all")
    outbox.forget()
    await outbox(event)
    pending = outbox(event)  # cached and matching: the write to await
    assert pending is not None
    await pending
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(2,)]
