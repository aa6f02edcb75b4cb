"""SSRF: private, loopback and link-local addresses are refused by default, at send time."""

from __future__ import annotations

import pytest

from spectrum_rpc.store.webhooks import FAILED
from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import classify


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/hook",
    ],
)
async def test_private_addresses_are_refused_by_default(store, make_receiver, make_dispatcher, url):
    receiver = await make_receiver()
    port = receiver.url.split(":")[2].split("/")[0]
    await ops.add_webhook(store, url.format(port=port), allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(allow_private_addresses=False)
    results = await dispatcher.drain()
    assert [r.state for r in results] == [FAILED]
    assert "refused" in (results[0].error or "") and "not public" in (results[0].error or "")
    assert receiver.received == []
    (delivery,) = await ops.list_deliveries(store, failed=True)
    assert "refused" in (delivery.last_error or "")
