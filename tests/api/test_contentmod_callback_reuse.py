"""contentmod's `callbackUrl` reuses one webhook per URL as stored (the host lower-cased, spaces
around it dropped), and a project cannot make callback webhooks without end: over real HTTP."""

from __future__ import annotations

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.webhooks import callbacks
from spectrum_rpc.webhooks import management as ops
from tests.helpers.callbacks import client, post, start, until

TEXT = "you are a stupid idiot"


async def callback_hooks(api) -> list:  # type: ignore[no-untyped-def]
    return [h for h in await ops.list_webhooks(api.store, DEFAULT_PROJECT)
            if h.events == ("callback",)]


async def test_one_url_written_differently_is_one_webhook(make_client, aiohttp_server):
    api = await client(make_client)
    receiver, url = await start(aiohttp_server)  # http://127.0.0.1:PORT/cb
    named = url.replace("127.0.0.1", "LocalHost")
    for sent in (named, named + " ", " " + named, named.replace("LocalHost", "localhost")):
        status, _ = await post(api, {"text": TEXT, "options": {"callbackUrl": sent}})
        assert status == 200
    await until(lambda: len(receiver.bodies) == 4)
    [hook] = await callback_hooks(api)
    assert hook.url == named.replace("LocalHost", "localhost")


async def test_a_project_cannot_make_callback_webhooks_without_end(make_client, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    _, url = await start(aiohttp_server)
    for n in range(callbacks.MAX_CALLBACKS):  # made as the API makes them, without the requests
        await ops.add_webhook(api.store, f"{url}?n={n}", events="callback",
                              allow_private_addresses=True)
    status, error = await post(api, {"text": TEXT, "options": {"callbackUrl": f"{url}?n=new"}})
    assert status == 400 and error["error"]["field"] == "options.callbackUrl", error
    message = error["error"]["message"]
    assert "reuse one" in message and "webhooks." not in message and "setting" not in message
    assert len(await callback_hooks(api)) == callbacks.MAX_CALLBACKS
    # A URL the project already has is still served.
    status, _ = await post(api, {"text": TEXT, "options": {"callbackUrl": f"{url}?n=7"}})
    assert status == 200
    assert len(await callback_hooks(api)) == callbacks.MAX_CALLBACKS


async def test_other_webhooks_do_not_count_against_the_callbacks(make_client, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    _, url = await start(aiohttp_server)
    for n in range(callbacks.MAX_CALLBACKS):
        await ops.add_webhook(api.store, f"{url}?all={n}", events="all",
                              allow_private_addresses=True)
    status, _ = await post(api, {"text": TEXT, "options": {"callbackUrl": url}})
    assert status == 200
    assert len(await callback_hooks(api)) == 1
