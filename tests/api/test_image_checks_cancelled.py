"""discuse analyses the text while it checks the images; when the text's analysis fails, the
image checks are cancelled, not left fetching for an answer nobody will read. Over real HTTP:
the text's detectors run in their child process (engine.detector_process_chars lowered), which
the test kills with SIGKILL while an image is being fetched from a real server on loopback that
holds the request; the fetch must be abandoned (its connection closed) well before
images.timeout."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import pytest
from aiohttp import web

from spectrum_rpc.constants import DEFAULT_PROJECT

pytestmark = [
    pytest.mark.slow,  # a child process, killed
    pytest.mark.skipif(
        importlib.util.find_spec("onnxruntime") is None
        or importlib.util.find_spec("nudenet") is None,
        reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]'): "
        "without it no image is fetched, so there is no fetch to cancel"),
]
WAIT = 30.0  # a bound on waiting for the server, never an assertion on time
IMAGE_TIMEOUT = 600.0  # images.timeout: a fetch left running would outlive the test's waits
TEXT = "Call me at 555-0100 or write to someone@example.com, you idiot.\n" * 20_000


class HoldingServer:
    """A real HTTP server on loopback that never answers, and tells when a client gives up."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.abandoned = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.started.set()
        try:
            await asyncio.sleep(IMAGE_TIMEOUT * 2)
        except asyncio.CancelledError:  # the client closed the connection
            self.abandoned.set()
            raise
        return web.Response(status=404)


@asynccontextmanager
async def holding_server() -> AsyncIterator[HoldingServer]:
    server = HoldingServer()
    app = web.Application()
    app.router.add_get("/{name}", server.handle)
    # handler_cancellation: the handler is cancelled when its client disconnects.
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


async def test_a_failed_text_analysis_cancels_the_image_fetches(make_client):
    api = await make_client(images={"allow_private_addresses": True, "timeout": IMAGE_TIMEOUT},
                            engine={"detector_process_chars": 1000})
    before = {child.pid for child in multiprocessing.active_children()}
    async with holding_server() as server:
        body = {"request": {"media": {"text": TEXT, "image_url": [f"{server.url}/slow.jpg"]}}}
        headers = {"accept": "application/json", "x-client-id": DEFAULT_PROJECT,
                   "x-client-secret": api.key, "Content-Type": "application/json"}
        sent = asyncio.ensure_future(api.http.post(
            "/api/v1/check", data=io.BytesIO(orjson.dumps(body)), headers=headers))
        try:
            async with asyncio.timeout(WAIT):
                await server.started.wait()  # the image is being fetched
                while not (children := [c for c in multiprocessing.active_children()
                                        if c.pid not in before]):
                    await asyncio.sleep(0.01)  # the text's detectors' process, starting
            for child in children:
                os.kill(child.pid, signal.SIGKILL)  # the text's analysis fails
            async with asyncio.timeout(WAIT):
                response = await sent
                async with response:
                    assert response.status == 500, await response.text()
                    assert "request id" in (await response.json())["detail"]  # FastAPI's shape
                # Cancelled with the request, not left fetching until images.timeout.
                await server.abandoned.wait()
        finally:
            sent.cancel()
