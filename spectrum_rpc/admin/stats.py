"""Per-minute classification counts: aggregated in memory by a listener, flushed in batches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..analysis import Classification
from ..store import StatsRow, Store, StoreRefused
from ..tasks import cancel, every

Counts = dict[tuple[str, int], list[int]]  # (project, minute) -> [total, toxic, sexual, phishing]
_FLAGS = ((1, "toxic"), (2, "sexual"), (3, "phishing"))


class StatsRecorder:
    """Count classifyText outcomes per project and minute; one store write every `interval` s."""

    def __init__(self, store: Store, clock: Callable[[], float], interval: float = 5.0):
        self.store = store
        self.clock = clock
        self.interval = interval
        self._pending: Counts = {}
        self._task: asyncio.Task[None] | None = None

    def __call__(self, event: Classification) -> None:
        """Listener for `Services.listeners`: count one classification (no I/O, so nothing
        to await).

        Runs on every classifyText call, so it updates one list in place."""
        key = (event.project, int(self.clock() // 60))
        counts = self._pending.get(key)
        if counts is None:
            counts = self._pending[key] = [0, 0, 0, 0]
        counts[0] += 1
        result = event.result
        for i, name in _FLAGS:
            if result.get(name):
                counts[i] += 1

    async def flush(self) -> None:
        """Write the counts gathered since the last flush."""
        pending, self._pending = self._pending, {}
        try:
            await self.store.admin.add_stats(pending)
        except Exception:
            for key, values in pending.items():  # keep them for the next try
                old = self._pending.get(key, [0, 0, 0, 0])
                self._pending[key] = [a + b for a, b in zip(old, values, strict=True)]
            raise

    def start(self) -> None:
        """Start the periodic flush."""
        self._task = every(self.interval, self.flush, "store classification counts",
                           "admin-stats-flush", quiet=(StoreRefused,))

    async def close(self) -> None:
        """Stop the periodic flush and write what is left."""
        await cancel(self._task)
        await self.flush()

    async def series(self, project: str, minutes: int = 24 * 60) -> list[StatsRow]:
        """Return stored plus not yet flushed counts for the last `minutes`, oldest first."""
        since = int(self.clock() // 60) - minutes + 1
        rows = {r.minute: r for r in await self.store.admin.stats(project, since)}
        for (p, minute), values in self._pending.items():
            if p == project and minute >= since:
                old = rows.get(minute, StatsRow(minute, 0, 0, 0, 0))
                rows[minute] = StatsRow(minute, *(a + b for a, b in zip(
                    (old.total, old.toxic, old.sexual, old.phishing), values, strict=True)))
        return [rows[m] for m in sorted(rows)]

