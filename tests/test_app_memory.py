"""A closed app is freed: nothing process-wide keeps it, its models and its store alive.

The test process builds an app per test; when aiohttp's middleware cache held every app that had
served a request, that process grew to 15 GB over the suite.
"""

from __future__ import annotations

import gc
import weakref

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from spectrum_rpc.app import create_app
from spectrum_rpc.resources import ANALYZER


async def serve_once(app: web.Application) -> None:
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 200


async def test_a_closed_app_that_served_requests_is_freed(make_settings):
    app = create_app(make_settings())
    await serve_once(app)
    analyzer = weakref.ref(app[ANALYZER])
    freed = weakref.ref(app)
    del app
    gc.collect()
    assert freed() is None
    assert analyzer() is None


async def test_closed_apps_do_not_accumulate(make_settings):
    def live_apps() -> int:
        gc.collect()
        return sum(isinstance(thing, web.Application) for thing in gc.get_objects())

    before = live_apps()
    for _ in range(3):
        await serve_once(create_app(make_settings()))
    assert live_apps() == before
