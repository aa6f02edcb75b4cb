"""Fixtures of the webhook tests: real receivers on 127.0.0.1, the dispatcher's clock, and
dispatchers whose sleeps are recorded instead of slept."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from spectrum_rpc.clock import Clock
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import Dispatcher, create_session
from tests.helpers import backends
from tests.helpers.webhooks import Receiver


@pytest.fixture
async def make_receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    receivers: list[Receiver] = []

    async def make(*script: Any) -> Receiver:
        app = web.Application()
        receiver = Receiver("", list(script))
        app.router.add_route("*", "/{tail:.*}", receiver.handle)
        server = await aiohttp_server(app)
        receiver.url = f"http://127.0.0.1:{server.port}/hook"
        receivers.append(receiver)
        return receiver

    yield make
    for r in receivers:
        r.release.set()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_dispatcher(store: Store, clock: Clock):  # type: ignore[no-untyped-def]
    made: list[tuple[Dispatcher, Any]] = []
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(**webhooks: Any) -> Dispatcher:
        values = {"allow_private_addresses": True, "schedule": [0, 0, 0], "jitter": 0.0}
        settings = load_settings(environ={}, overrides={"webhooks": {**values, **webhooks}})
        session = create_session(settings.webhooks)
        dispatcher = Dispatcher(store, session, settings.webhooks, clock=clock, sleep=no_sleep)
        dispatcher.sleeps = sleeps  # type: ignore[attr-defined]
        made.append((dispatcher, session))
        return dispatcher

    yield make
    for dispatcher, session in made:
        await dispatcher.close()
        await session.close()


# The webhook tests run on both store backends (claims, leases, the outbox, the app's events).
backend, committed, location = backends.backend, backends.committed, backends.location
make_settings, store = backends.make_settings, backends.store
