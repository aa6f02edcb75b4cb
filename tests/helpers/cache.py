"""What the TTL cache's tests share: a source that counts its loads and can be held open, an
outage error, and a clock the test moves by hand."""

from __future__ import annotations

import asyncio


class Away(ConnectionError):
    """The source is out of reach (the kind the cache may serve a stale value for)."""


class Clock:
    """A clock that stands still until the test moves `now`."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A loader that counts its calls and can be held open until released: its loads wait on
    `release` (an event, not the wall clock; set at first) and set `started` once begun."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.value = "v1"
        self.error: Exception | None = None

    async def __call__(self, key: str) -> str:
        self.calls += 1
        value, error = self.value, self.error  # what the store held when the read began
        self.started.set()
        await self.release.wait()
        if error is not None:
            raise error
        return f"{key}:{value}"
