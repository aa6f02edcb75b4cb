"""contentmod's `callbackUrl` and `defer` over real HTTP, with a real receiver: the answer POSTed
to the callback URL through the webhook outbox and dispatcher (signed, retried when the
receiver is down until it comes back), `defer` answering at once with the id."""

from __future__ import annotations

import orjson
from standardwebhooks.webhooks import Webhook

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import ANALYZER
from spectrum_rpc.webhooks import management as ops
from tests.helpers.callbacks import client, post, secret_of, start, until

TEXT = "you are a stupid idiot"


async def test_defer_answers_at_once_and_the_full_answer_reaches_the_callback(
        make_client, aiohttp_server):
    api = await client(make_client)
    receiver, url = await start(aiohttp_server)
    status, first = await post(api, {"text": TEXT, "options": {
        "defer": True, "callbackUrl": url, "meta": {"post": 7}}})
    assert status == 200
    assert first["deferred"] is True and first["meta"] == {"post": 7}
    assert first["request"]["requestId"] == first["id"] and "isSafe" not in first
    await until(lambda: len(receiver.bodies) == 1)
    body = Webhook(await secret_of(api, url)).verify(receiver.bodies[0], receiver.headers[0])
    assert body["id"] == first["id"] and body["isSafe"] is False
    assert body["content"] == TEXT and body["meta"] == {"post": 7}


async def test_a_callback_url_without_defer_gets_the_same_answer_as_the_caller(
        make_client, aiohttp_server):
    api = await client(make_client)
    receiver, url = await start(aiohttp_server)
    status, answered = await post(api, {"text": TEXT, "options": {"callbackUrl": url}})
    assert status == 200 and answered["isSafe"] is False
    await until(lambda: len(receiver.bodies) == 1)
    assert orjson.loads(receiver.bodies[0]) == answered
    # The same URL again: the same callback webhook, not a second one.
    await post(api, {"text": "hello", "options": {"callbackUrl": url}})
    await until(lambda: len(receiver.bodies) == 2)
    hooks = [h for h in await ops.list_webhooks(api.store, DEFAULT_PROJECT) if h.url == url]
    assert len(hooks) == 1


async def test_a_receiver_that_is_down_gets_the_answer_when_it_comes_back(
        make_client, aiohttp_server):
    api = await client(make_client)
    receiver, url = await start(aiohttp_server)
    receiver.down = True
    status, first = await post(api, {"text": TEXT, "options": {"defer": True, "callbackUrl": url}})
    assert status == 200
    await until(lambda: receiver.refused >= 2)  # tried, refused, tried again
    receiver.down = False
    await until(lambda: len(receiver.bodies) == 1)
    assert orjson.loads(receiver.bodies[0])["id"] == first["id"]


async def test_callbacks_need_webhooks_enabled(make_client, aiohttp_server):
    api = await make_client(webhooks={"enabled": False})
    _, url = await start(aiohttp_server)
    status, error = await post(api, {"text": TEXT, "options": {"callbackUrl": url}})
    assert status == 400 and error["error"]["field"] == "options.callbackUrl"
    assert "not available on this server" in error["error"]["message"]


async def test_a_request_that_cannot_be_analysed_is_refused_before_it_is_deferred(
        make_client, aiohttp_server):
    api = await client(make_client)
    receiver, url = await start(aiohttp_server)
    await api.app[ANALYZER].policies.change_filter(DEFAULT_PROJECT,
                                                   {"profanity": {"bannedWords": ["frak"]}})
    words = [f"w{i}" for i in range(1000)]  # with the project's one: over the limit
    status, error = await post(api, {"text": TEXT, "options": {
        "defer": True, "callbackUrl": url, "bannedWords": words}})
    assert status == 400 and error["error"]["field"] == "options.bannedWords"
    assert receiver.bodies == [] and receiver.refused == 0  # no answer was promised
