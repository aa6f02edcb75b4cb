"""contentmod callback test helpers: a real HTTP receiver, an app that may call private
addresses back, a POST to `/text`."""

from __future__ import annotations

import asyncio

from aiohttp import web

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.webhooks import management as ops


class Receiver:
    """A real HTTP receiver; answers 503 while `down`."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.refused = 0
        self.down = False

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            self.refused += 1
            return web.Response(status=503)
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        return web.Response(status=200)


async def start(aiohttp_server) -> tuple[Receiver, str]:  # type: ignore[no-untyped-def]
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/cb", receiver.handle)
    server = await aiohttp_server(app)
    return receiver, f"http://127.0.0.1:{server.port}/cb"


async def until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def client(make_client):  # type: ignore[no-untyped-def]
    return await make_client(webhooks={"allow_private_addresses": True,
                                       "schedule": [0, 0.2, 0.2, 0.2, 0.2]})


async def post(api, body: dict):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {api.key}"}
    async with api.http.post("/text", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def secret_of(api, url: str) -> str:  # type: ignore[no-untyped-def]
    [hook] = [h for h in await ops.list_webhooks(api.store, DEFAULT_PROJECT) if h.url == url]
    assert hook.events == ("callback",)
    record = await api.store.webhooks.get(hook.id)
    return record.secret
