"""Encoder sessions shared within a process by every engine whose encoder file is the same.

A retrained version carries its base's encoder (hard links: the same file, the same sha256 in
its manifest), and each onnxruntime session holds about 28 MB: a process serving several such
versions (in threads, or a retrain judging the model in use beside its candidate) keeps one
session per distinct file, not one per version. The cache is keyed by the file's sha256 and
bounded, the least recently used dropped first; an encoder keeps the session it was given, so a
dropped one lives as long as an engine still uses it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

# Distinct encoder files kept: the served one, the one a retrain or a new base brings, spare.
MAX_SHARED = 4


class SharedSessions(Generic[T]):
    """A small, bounded, thread-safe cache of built sessions by key."""

    def __init__(self, size: int = MAX_SHARED):
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """Return the session kept for `key`, built (once, under the lock) when there is none."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            session = build()
            self._items[key] = session
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return session

    def __len__(self) -> int:
        return len(self._items)


# This process's sessions (see the module's docstring): one per process by design.
SESSIONS: SharedSessions = SharedSessions()
