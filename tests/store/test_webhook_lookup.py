"""The webhook store finds a webhook by its stored URL and counts a project's webhooks by events,
on each backend."""

from __future__ import annotations

from spectrum_rpc.webhooks import management as ops


async def test_find_by_url_and_events_in_one_project(store) -> None:  # type: ignore[no-untyped-def]
    url = "https://example.com/cb"
    callback = await ops.add_webhook(store, url, project="p", events="callback")
    await ops.add_webhook(store, url, project="p", events="all")
    await ops.add_webhook(store, url, project="q", events="callback")
    assert await store.webhooks.find("p", url, "callback") == callback.view.id
    assert await store.webhooks.find("p", url + "?x=1", "callback") is None
    assert await store.webhooks.find("r", url, "callback") is None
    assert await store.webhooks.count("p", "callback") == 1
    assert await store.webhooks.count("p", "all") == 1
    assert await store.webhooks.count("r", "callback") == 0
