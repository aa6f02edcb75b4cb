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

    While loads fail with one of the `stale_on` kinds (the database is out of reach), a value
    loaded less than `ttl + stale_for` seconds ago is still returned (and not loaded again for
    `ttl` seconds): `stale_for` bounds how long a value changed meanwhile, a revoked key say,
    can outlive its change. After `forget` nothing stale is left to return.
    """

    def __init__(self, ttl: float, max_size: int = 10_000, *, stale_for: float = 0.0,
                 stale_on: tuple[type[BaseException], ...] = (),
                 clock: Callable[[], float] | None = None):
        self.ttl = ttl
        self.clock = clock or _monotonic
        self.max_size = max_size
        self.stale_for = stale_for
        self.stale_on = stale_on
        self._items: dict[K, tuple[float, V]] = {}
        self._failed: dict[K, float] = {}  # keys whose last load failed as `stale_on`, when
        self._loading: dict[K, asyncio.Task[V]] = {}
        # Bumped by forget(): a load that started before it must not store its older value.
        self._generation = 0

    def peek(self, key: K) -> V:
        """Return the fresh cached value for key, or MISSING: the hit path without a coroutine
        (the request path checks three caches per call)."""
        hit = self._items.get(key)
        if hit is not None and self.clock() - hit[0] < self.ttl:
            return hit[1]
        return MISSING

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        """Return the cached value for key, loading it when absent or older than the TTL."""
        hit = self.peek(key)
        if hit is not MISSING:
            return hit
        if key in self._failed:
            stale = self._stale(key, retry=True)
            if stale is not MISSING:  # a load failed lately: not tried again for `ttl`
                return stale
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = task
            task.add_done_callback(functools.partial(self._loaded, key))
        # Shielded: one waiter giving up (a client hanging up) must not cancel the others' load.
        try:
            return await asyncio.shield(task)
        except self.stale_on:
            stale = self._stale(key)
            if stale is MISSING:
                raise
            self._failed.setdefault(key, self.clock())
            return stale

    def _stale(self, key: K, retry: bool = False) -> V:
        """Return the value loaded less than `ttl + stale_for` ago, else MISSING; with
        `retry`, MISSING too once `ttl` has passed since the failed load (time to try again)."""
        hit = self._items.get(key)
        now = self.clock()
        if retry and now - self._failed[key] >= self.ttl:
            del self._failed[key]
            return MISSING
        if hit is None or now - hit[0] >= self.ttl + self.stale_for:
            return MISSING
        return hit[1]

    async def _load(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        generation = self._generation
        value = await load(key)
        if generation == self._generation:
            if len(self._items) >= self.max_size:
                self._items.clear()
                self._failed.clear()
            self._items[key] = (self.clock(), value)
            self._failed.pop(key, None)
        return value

    def _loaded(self, key: K, task: asyncio.Task[V]) -> None:
        # Here rather than in `_load`: a task cancelled before its first step never runs its
        # body, and must not stay behind as the key's load.
        if self._loading.get(key) is task:
            del self._loading[key]
        if not task.cancelled():
            task.exception()  # read: a failed load whose waiters all gave up is not an error

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
