"""Webhook test helpers: a real HTTP receiver answering from a script, classification results, the
outbox run as classifyText runs it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from spectrum_rpc.analysis import Classification
from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import Outbox

FLAGGED_RESULT = {
    "toxic": True,
    "toxicityConfidence": 0.91,
    "sexual": False,
    "sexualConfidence": 0.02,
    "phishing": False,
    "phishingConfidence": 0.01,
    "modelVersion": "m-1",
}


CLEAN_RESULT = {**FLAGGED_RESULT, "toxic": False, "toxicityConfidence": 0.1}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server recording requests and answering from a script (then 200)."""

    url: str
    script: list[Any]
    received: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(request.path, dict(request.headers), body))
        self.arrived.set()
        action = self.script.pop(0) if self.script else 200
        if action == "hang":
            self.in_flight += 1
            await self.release.wait()
            self.in_flight -= 1
            return web.Response(status=200)
        if action == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=200)
        if isinstance(action, tuple):
            status, headers, *rest = action
            return web.Response(status=status, headers=headers, body=rest[0] if rest else b"")
        return web.Response(status=action, text="ok")

    async def wait_for(self, count: int) -> None:
        while len(self.received) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 20)


async def classify(
    store: Store,
    result: dict[str, Any] = FLAGGED_RESULT,
    *,
    project: str = "default",
    meta: dict[str, Any] | None = None,
    text: str = "you are awful",
    include_text: bool = False,
) -> None:
    """Run the outbox listener the way classifyText does."""
    event = Classification(project, "key_1", result, meta or {}, text, include_text)
    pending = Outbox(store)(event)
    if pending is not None:  # None: nothing to write
        await pending


async def eventually(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def signed_headers(r: Received) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.lower().startswith("webhook-")}
