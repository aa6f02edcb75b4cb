"""Recent scores: every analysis told to the listeners (classifyText, moderateText and the
other dialects' calls with a key) leaves the decided labels' scores, never the text, in memory;
they are written every few seconds in one group-committed batch, so the request path does no
I/O for them. The store prunes them by count per project and by age."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from ..analysis import Classification
from ..labels import SPECTRUM_FIELDS
from ..store import SCORE_COLUMNS, FlagCounts, Sample, Store
from ..tasks import cancel

log = logging.getLogger(__name__)

# The result fields holding each stored column's score (classifyText's confidences).
_FIELDS = tuple(SPECTRUM_FIELDS[label][1] for label in SCORE_COLUMNS)
DAY = 86400.0


class ScoreRecorder:
    """Keep the scores of a project's latest `keep` texts of the last `days` days."""

    def __init__(self, store: Store, clock: Callable[[], float], keep: int = 10000,
                 days: float = 7.0, interval: float = 5.0):
        self.store = store
        self.clock = clock
        self.keep = keep
        self.max_age = days * DAY
        self.interval = interval
        self._pending: list[Sample] = []
        # Beyond this many unwritten samples (the store failing) new ones are dropped.
        self._most = max(keep, 1) * 4
        self._task: asyncio.Task[None] | None = None

    def __call__(self, event: Classification) -> None:
        """Listener: remember one classification's scores (no I/O, nothing to await)."""
        if self.keep and len(self._pending) < self._most:
            get = event.result.get
            # To the minute: a row cannot be matched to a request's exact time.
            self._pending.append((event.project, self.clock() // 60 * 60,
                                  get(_FIELDS[0]), get(_FIELDS[1]), get(_FIELDS[2])))

    async def flush(self) -> None:
        """Write the samples gathered since the last flush, pruning old ones."""
        pending, self._pending = self._pending, []
        try:
            await self.store.traffic.add(pending, self.keep, self.clock() - self.max_age)
        except Exception:
            self._pending[:0] = pending  # kept for the next try
            raise

    async def counts(self, project: str, thresholds: Mapping[str, list[float]]) -> FlagCounts:
        """Return the project's counts over the window, unwritten samples included."""
        await self.flush()
        since = self.clock() - self.max_age
        return await self.store.traffic.flag_counts(project, since, thresholds)

    def start(self) -> None:
        """Start the periodic flush."""
        self._task = asyncio.create_task(self._run(), name="admin-recent-scores")

    async def close(self) -> None:
        """Stop the periodic flush and write what is left."""
        await cancel(self._task)
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.exception("could not store recent scores")
