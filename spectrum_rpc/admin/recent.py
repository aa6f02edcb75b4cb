"""Recent scores: every analysis told to the listeners (classifyText, moderateText and the
other dialects' calls with a key) leaves the decided labels' scores, never the text, in memory;
they are written every few seconds in one group-committed batch, so the request path does no
I/O for them. The store prunes them by count per project and by age."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping

from ..analysis import Classification
from ..labels import SPECTRUM_FIELDS
from ..store import SCORE_COLUMNS, FlagCounts, Sample, Store
from ..tasks import cancel, every

# The result fields holding each stored column's score (classifyText's confidences).
_FIELDS = tuple(SPECTRUM_FIELDS[label][1] for label in SCORE_COLUMNS)
DAY = 86400.0


class ScoreRecorder:
    """Keep the scores of a sample of a project's texts: at most `per_flush` of each
    `interval` seconds (chosen uniformly among that interval's texts), its latest `keep` of
    the last `days` days.

    The sample bounds the writes a busy project costs (at most per_flush / interval rows a
    second) while a quiet one keeps every text."""

    def __init__(self, store: Store, clock: Callable[[], float], keep: int = 10000,
                 days: float = 7.0, interval: float = 5.0, per_flush: int = 20,
                 random: Callable[[], float] = random.random):
        self.store = store
        self.clock = clock
        self.keep = keep
        self.max_age = days * DAY
        self.interval = interval
        self.per_flush = per_flush
        self.random = random
        self._pending: dict[str, list[Sample]] = {}
        self._seen: dict[str, int] = {}  # texts per project since the last flush
        self._task: asyncio.Task[None] | None = None

    def __call__(self, event: Classification) -> None:
        """Listener: remember one classification's scores (no I/O, nothing to await)."""
        if not self.keep:
            return
        project = event.project
        seen = self._seen[project] = self._seen.get(project, 0) + 1
        if seen <= self.per_flush:
            slot = -1
        else:  # reservoir sampling: each text of the interval is kept with equal chance
            slot = int(self.random() * seen)
            if slot >= self.per_flush:
                return
        get = event.result.get
        # To the minute: a row cannot be matched to a request's exact time.
        sample = (project, self.clock() // 60 * 60, get(_FIELDS[0]), get(_FIELDS[1]),
                  get(_FIELDS[2]))
        if slot < 0:
            self._pending.setdefault(project, []).append(sample)
        else:
            self._pending[project][slot] = sample

    @property
    def most_per_minute(self) -> float:
        """The most texts a minute kept of one project."""
        return self.per_flush * 60 / self.interval

    async def flush(self) -> None:
        """Write the samples gathered since the last flush, pruning old ones (a sample that
        fails to be written is dropped: the next interval brings new ones)."""
        pending, self._pending, self._seen = self._pending, {}, {}
        samples = [sample for kept in pending.values() for sample in kept]
        await self.store.traffic.add(samples, self.keep, self.clock() - self.max_age)

    async def counts(self, project: str, thresholds: Mapping[str, list[float]]) -> FlagCounts:
        """Return the project's counts over the window, unwritten samples included."""
        await self.flush()
        since = self.clock() - self.max_age
        return await self.store.traffic.flag_counts(project, since, thresholds)

    def start(self) -> None:
        """Start the periodic flush."""
        self._task = every(self.interval, self.flush, "store recent scores", "admin-recent-scores")

    async def close(self) -> None:
        """Stop the periodic flush and write what is left."""
        await cancel(self._task)
        await self.flush()

