"""A small time-to-live cache: keeps the store out of the request path for hot lookups."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values loaded on demand and reused for `ttl` seconds; bounded, so a flood of distinct
    keys (random API keys, say) cannot grow memory."""

    def __init__(self, ttl: float, max_size: int = 10_000):
        self.ttl = ttl
        self.max_size = max_size
        self._items: dict[K, tuple[float, V]] = {}

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        """Return the cached value for key, loading it when absent or older than the TTL."""
        hit = self._items.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        value = await load(key)
        if len(self._items) >= self.max_size:
            self._items.clear()
        self._items[key] = (time.monotonic(), value)
        return value

    def forget(self, key: K | None = None) -> None:
        """Drop one key, or everything (after an in-process change)."""
        if key is None:
            self._items.clear()
        else:
            self._items.pop(key, None)
