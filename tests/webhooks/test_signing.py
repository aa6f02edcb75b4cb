"""Standard Webhooks signatures: another secret fails, both secrets sign during a rotation."""

from __future__ import annotations

import base64

import pytest
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import classify


async def test_signature_fails_with_another_secret(store, make_receiver, make_dispatcher):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    await make_dispatcher().run_once()
    (got,) = receiver.received
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(got.body, got.headers)


async def test_rotation_window_signs_with_both_secrets(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver()
    created = await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    new_secret = await ops.rotate_secret(store, created.view.id)
    dispatcher = make_dispatcher(rotation_window=60)
    await classify(store)
    await dispatcher.run_once()
    clock.advance(61)
    await classify(store)
    await dispatcher.run_once()

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(created.secret).verify(during.body, during.headers)
    Webhook(new_secret).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new_secret).verify(after.body, after.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(created.secret).verify(after.body, after.headers)
