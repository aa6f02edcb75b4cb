"""Recent scores: every analysis told to the listeners (classifyText, moderateText and the
other dialects' calls with a key) leaves the scores of the labels that have thresholds, never
the text, in memory (classifyText's three confidences; every label a moderateText call scored,
the span model's sub-labels among them, null for those it did not: a span label
(labels.SPAN_LABELS) only when the span model scored it, so that `profanity` is never the
lexicon rule's score in some rows and the span model's in others);
they are written every few seconds in one group-committed batch, so the request path does no
I/O for them. The store prunes them by count per project and by age.

Each kept row carries a weight: the texts of its project's interval divided by the rows kept of
them, so that a burst (a few rows standing for many texts) and quiet intervals (a row per text)
add up to the true shares. A query answers from the stored rows plus the unwritten sample,
weighted alike, and writes nothing: asking often does not change what is kept."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..analysis import Classification
from ..labels import DECIDED, SPAN_LABELS, SPECTRUM_FIELDS
from ..store import SCORE_COLUMNS, FlagCounts, Sample, Store, StoreRefused
from ..tasks import cancel, every

# The result fields holding the decided labels' scores (classifyText's confidences): the
# store's first columns (tests/store/test_traffic_labels.py holds them so); the others are
# null for an event without `labels`.
_FIELDS = tuple(SPECTRUM_FIELDS[label][1] for label in DECIDED)
_UNSCORED = (None,) * (len(SCORE_COLUMNS) - len(DECIDED))
DAY = 86400.0
_SPANNED = frozenset(SPAN_LABELS)  # kept only when the span model scored them


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
        # Per project, this interval's kept texts (a Sample without its weight, known at the end)
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self._seen: dict[str, int] = {}  # texts per project since the last flush
        self._task: asyncio.Task[None] | None = None
        # A query reads the store and the unwritten samples while no flush is between them (a
        # flush's samples would count twice, or not at all).
        self._lock = asyncio.Lock()

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
        # To the minute: a row cannot be matched to a request's exact time.
        minute = self.clock() // 60 * 60
        labels = event.labels
        if labels is None:  # classifyText: its three confidences
            get = event.result.get
            sample = (project, minute, get(_FIELDS[0]), get(_FIELDS[1]), get(_FIELDS[2]),
                      *_UNSCORED)
        else:
            spanned = event.span_labels
            sample = (project, minute, *(None if c in _SPANNED and c not in spanned
                                         else labels.get(c) for c in SCORE_COLUMNS))
        if slot < 0:
            self._pending.setdefault(project, []).append(sample)
        else:
            self._pending[project][slot] = sample

    @property
    def most_per_minute(self) -> float:
        """The most texts a minute kept of one project."""
        return self.per_flush * 60 / self.interval

    def _weighted(self, pending: Mapping[str, list], seen: Mapping[str, int],
                  projects: Iterable[str]) -> list[Sample]:
        """The pending samples of `projects`, each weighted by the texts it stands for."""
        return [(*sample, seen[project] / len(kept)) for project in projects
                if (kept := pending.get(project)) for sample in kept]

    async def flush(self) -> None:
        """Write the samples gathered since the last flush, pruning old ones (a sample that
        fails to be written is dropped: the next interval brings new ones)."""
        async with self._lock:
            pending, seen, self._pending, self._seen = self._pending, self._seen, {}, {}
            samples = self._weighted(pending, seen, pending)
            await self.store.traffic.add(samples, self.keep, self.clock() - self.max_age)

    async def counts(self, project: str, thresholds: Mapping[str, list[float]]) -> FlagCounts:
        """Return the project's counts over the window: its stored rows plus its unwritten
        samples (nothing is written)."""
        since = self.clock() - self.max_age
        async with self._lock:
            stored = await self.store.traffic.flag_counts(project, since, thresholds)
            unwritten = self._weighted(self._pending, self._seen, [project])
        return stored + FlagCounts.of(unwritten, since, thresholds)

    def start(self) -> None:
        """Start the periodic flush."""
        self._task = every(self.interval, self.flush, "store recent scores", "admin-recent-scores",
                           quiet=(StoreRefused,))

    async def close(self) -> None:
        """Stop the periodic flush and write what is left."""
        await cancel(self._task)
        await self.flush()

