"""Private targets are refused unless the caller says the server allows them (issue 15, item 4
of the follow-up: `allow_private_addresses` defaults to False in the management functions)."""

from __future__ import annotations

import pytest

from spectrum_rpc.webhooks import WebhookError
from spectrum_rpc.webhooks import management as ops

SETTING = "webhooks.allow_private_addresses"


async def test_add_refuses_a_private_target_by_default(store) -> None:
    with pytest.raises(WebhookError, match=SETTING):
        await ops.add_webhook(store, "http://127.0.0.1:9/hook")
    assert await ops.list_webhooks(store) == []


async def test_update_refuses_a_private_target_by_default(store) -> None:
    created = await ops.add_webhook(store, "https://example.com/hook")
    with pytest.raises(WebhookError, match=SETTING):
        await ops.update_webhook(store, created.view.id, url="http://10.0.0.7/hook")
    assert (await ops.get_webhook(store, created.view.id)).url == "https://example.com/hook"


async def test_a_caller_that_passes_the_setting_may_add_one(store) -> None:
    created = await ops.add_webhook(store, "http://127.0.0.1:9/hook",
                                    allow_private_addresses=True)
    assert created.view.url == "http://127.0.0.1:9/hook"
