"""A small time-to-live cache: keeps the store out of the request path for hot lookups."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MISSING: Any = object()


class TtlCache(Generic[K, V]):
    """Values loaded on demand and reused for `ttl` seconds; bounded, so a flood of distinct
    keys (random API keys, say) cannot grow memory.

    Loads are single-flight: when an entry expires under load, the hundreds of requests that
    arrive while it is being read again share that one read instead of each starting its own
    (measured: the herd of reads cost about a tenth of the server's CPU at 256 connections).

    With a grace (`stale_for` > 0 and `stale_on` kinds of failure, the database out of reach),
    a value loaded less than `ttl + stale_for` seconds ago is returned when its load fails so
    (and not loaded again for `ttl` seconds): `stale_for` bounds how long a value changed
    meanwhile, a revoked key say, can outlive its change. Once a load has failed so, and until
    one succeeds, the cache is stale-while-revalidate: an expired value within the grace is
    returned at once while one load per key runs in the background, so no request waits on a
    read that may take the whole connect timeout (a server dropping packets); a caller waits
    only when nothing stale can answer. While the source answers, an expired value is loaded
    again before it answers (a change made elsewhere shows after the TTL). A background load
    failing otherwise (a bug, not an outage) drops the value, so the next call sees the error.
    After `forget` nothing stale is left to return.
    """

    def __init__(self, ttl: float, max_size: int = 10_000, *, stale_for: float = 0.0,
                 stale_on: tuple[type[BaseException], ...] = (),
                 clock: Callable[[], float] | None = None):
        self.ttl = ttl
        self.clock = clock or _monotonic
        self.max_size = max_size
        self.stale_for = stale_for if stale_on else 0.0
        self.stale_on = stale_on
        self._items: dict[K, tuple[float, V]] = {}
        # Keys holding a value whose last load failed as `stale_on`, and when it failed.
        self._failed: dict[K, float] = {}
        self._loading: dict[K, asyncio.Task[V]] = {}
        # Bumped by forget(): a load that started before it must not store its older value.
        self._generation = 0
        self._away = False  # whether the last load to end failed as `stale_on`

    def peek(self, key: K) -> V:
        """Return the fresh cached value for key, or MISSING: the hit path without a coroutine
        (the request path checks three caches per call)."""
        hit = self._items.get(key)
        if hit is not None and self.clock() - hit[0] < self.ttl:
            return hit[1]
        return MISSING

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        """Return the cached value for key, loading it when absent or older than the TTL
        (in the background while the source is away and a stale value may answer)."""
        hit = self.peek(key)
        if hit is not MISSING:
            return hit
        stale = self._stale(key)
        if stale is not MISSING and (self._away or key in self._failed):
            failed = self._failed.get(key)
            if failed is None or self.clock() - failed >= self.ttl:
                self._start(key, load)  # nobody waits for it
            return stale
        # Shielded: one waiter giving up (a client hanging up) must not cancel the others' load.
        try:
            return await asyncio.shield(self._start(key, load))
        except self.stale_on:
            stale = self._stale(key)
            if stale is MISSING:
                raise
            return stale

    def _stale(self, key: K) -> V:
        """Return the value loaded less than `ttl + stale_for` ago, else MISSING."""
        hit = self._items.get(key)
        if hit is None or self.clock() - hit[0] >= self.ttl + self.stale_for:
            return MISSING
        return hit[1]

    def _start(self, key: K, load: Callable[[K], Awaitable[V]]) -> asyncio.Task[V]:
        """Return the key's load running now, or start one."""
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load, self._generation))
            self._loading[key] = task
            task.add_done_callback(functools.partial(self._loaded, key, self._generation))
        return task

    async def _load(self, key: K, load: Callable[[K], Awaitable[V]], generation: int) -> V:
        value = await load(key)
        if generation == self._generation:
            if len(self._items) >= self.max_size:
                self._items.clear()
                self._failed.clear()
            self._items[key] = (self.clock(), value)
            self._failed.pop(key, None)
        return value

    def _loaded(self, key: K, generation: int, task: asyncio.Task[V]) -> None:
        # Here rather than in `_load`: a task cancelled before its first step never runs its
        # body, and must not stay behind as the key's load.
        if self._loading.get(key) is task:
            del self._loading[key]
        if task.cancelled():
            return
        # Read even when nobody waits (a background load, or every waiter gone): a failed
        # load is then not reported as an exception never retrieved.
        error = task.exception()
        self._away = isinstance(error, self.stale_on)
        if error is None or generation != self._generation or key not in self._items:
            return
        if self._away:
            self._failed[key] = self.clock()  # the stale value serves; retried after a TTL
        else:  # not an outage: no stale value hides it, the next call loads and sees it
            del self._items[key]
            self._failed.pop(key, None)

    async def idle(self) -> None:
        """Wait until the loads running now (background ones included) have ended."""
        while self._loading:
            await asyncio.gather(*self._loading.values(), return_exceptions=True)

    def forget(self, key: K | None = None) -> None:
        """Drop one key, or everything (after an in-process change)."""
        self._generation += 1
        if key is None:
            self._items.clear()
            self._loading.clear()
            self._failed.clear()
        else:
            self._items.pop(key, None)
            self._loading.pop(key, None)
            self._failed.pop(key, None)


def _monotonic() -> float:
    # Looked up at each call: tests that replace the module's `time` move every cache's clock.
    return time.monotonic()
