"""Retraining inside the server every `interval` seconds (0 = off); cron can run the CLI instead."""

from __future__ import annotations

import asyncio
import logging

from ..settings import Settings
from ..store import Store
from ..tasks import cancel
from .guards import RetrainRefused

log = logging.getLogger(__name__)


class RetrainSchedule:
    """Own the periodic retrain task; counters say how it went."""

    def __init__(self, store: Store, settings: Settings, interval: float):
        self.store = store
        self.settings = settings
        self.interval = interval
        self.runs = self.promotions = self.refusals = self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._seen_rows = -1

    def start(self) -> None:
        """Start the task (nothing happens when the interval is 0)."""
        if self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="retrain-schedule")

    async def close(self) -> None:
        """Cancel the task and wait for it (a fit running in its thread finishes first)."""
        await cancel(self._task)

    async def run_once(self) -> None:
        """Retrain the global model once; log the outcome."""
        self.runs += 1
        try:
            from .pipeline import retrain  # imports scikit-learn: only when a run is due

            result = await retrain(self.store, self.settings)
        except RetrainRefused as exc:
            self.refusals += 1
            log.info("scheduled retrain skipped: %s", exc)
            return
        except Exception:
            self.failures += 1
            log.exception("scheduled retrain failed")
            return
        self.promotions += int(result.promoted)
        log.info("scheduled retrain built %s: %s", result.version,
                 "promoted" if result.promoted else "not promoted")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            rows = await self.store.feedback.count()
            if rows != self._seen_rows:  # nothing new since the last run: nothing to learn
                self._seen_rows = rows
                await self.run_once()
