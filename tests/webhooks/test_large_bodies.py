"""A webhook body over 1 MiB (a contentmod callback's full answer can be) is delivered whole,
without aiohttp's warning about large raw bodies (an error under the test settings)."""

from __future__ import annotations

import hashlib

from aiohttp import web

from spectrum_rpc.settings import load_settings
from spectrum_rpc.webhooks.client import Sender, create_session


async def test_a_body_over_a_mebibyte_arrives_whole(aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    received: list[bytes] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(status=204)

    app = web.Application(client_max_size=8 << 20)
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    settings = load_settings(environ={}, overrides={"webhooks": {"allow_private_addresses": True}})
    body = b'{"text": "' + b"x" * (3 << 20) + b'"}'
    session = create_session(settings.webhooks)
    try:
        sent = [await Sender(session, settings.webhooks).send(
            str(server.make_url("/hook")), payload, {"Content-Type": "application/json"})
            for payload in (body, b"{}")]
    finally:
        await session.close()
    assert [(o.status, o.error) for o in sent] == [(204, None), (204, None)]
    assert [hashlib.sha256(r).hexdigest() for r in received] == [
        hashlib.sha256(body).hexdigest(), hashlib.sha256(b"{}").hexdigest()]
