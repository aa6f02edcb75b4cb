"""Serve each project with its active model and follow promotions recorded in the store.

Every active version gets its own MicroBatcher (an engine that never changes), so the version
returned with a score is always the one that computed it. A swap loads the new engine in a
thread, starts its batcher, then replaces the routing table in one assignment; the old
batcher is closed in the background after finishing every text already handed to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine import Engine, MicroBatcher
from ..store import GLOBAL, MODELS, StoreRefused, concerns
from ..tasks import cancel
from .registry import ModelRegistry, load_version

log = logging.getLogger(__name__)
Scores = dict[str, float]


@dataclass(frozen=True)
class Routes:
    """Scope -> version, and version -> the batcher serving it (replaced, never mutated)."""

    active: dict[str, str] = field(default_factory=dict)
    lanes: dict[str, MicroBatcher] = field(default_factory=dict)

    def lane(self, project: str) -> tuple[MicroBatcher, str]:
        version = self.active.get(project) or self.active[GLOBAL]
        return self.lanes[version], version


class ModelRouter:
    """The classifier the methods use: `score(project, text)` -> (scores, model version)."""

    def __init__(self, registry: ModelRegistry, make_batcher: Callable[[Engine], MicroBatcher],
                 poll_interval: float = 5.0):
        self.registry = registry
        self.make_batcher = make_batcher
        self.poll_interval = poll_interval
        self.routes = Routes()
        self.swaps = 0
        self._failed: set[str] = set()
        self._retiring: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._refreshing = asyncio.Lock()
        self._wake = asyncio.Event()

    async def start(self, poll: bool = True) -> None:
        """Load the active models and start following the store."""
        await self.refresh(strict=True)
        if poll:
            self._poller = asyncio.create_task(self._poll(), name="model-router-poll")

    async def close(self) -> None:
        """Stop polling; close every batcher after its in-flight texts."""
        await cancel(self._poller)
        lanes = list(self.routes.lanes.values())
        self.routes = Routes()
        await asyncio.gather(*(lane.close() for lane in lanes), *self._retiring)

    async def score(self, project: str, text: str) -> tuple[Scores, str]:
        """Score with the project's model (else the global one); return scores and version."""
        lane, version = self.routes.lane(project)
        # No await between choosing the lane and queueing on it: a retiring lane still has
        # to finish this text before it closes.
        return await lane.classify(text), version

    # The admin UI and older callers see the global model through the MicroBatcher surface.
    async def classify(self, text: str) -> Scores:
        """Score with the global model."""
        return (await self.score(GLOBAL, text))[0]

    @property
    def version(self) -> str:
        """Return the global model's version."""
        return self.routes.active[GLOBAL]

    @property
    def engine(self) -> Engine:
        """Return the global model's engine."""
        lane, _ = self.routes.lane(GLOBAL)
        return lane.engine

    def version_for(self, project: str) -> str:
        """Return the version serving a project."""
        return self.routes.lane(project)[1]

    async def refresh(self, strict: bool = False) -> bool:
        """Apply the store's active models if they changed; return whether anything swapped."""
        async with self._refreshing:
            active = await self.registry.store.models.active()
            if active == self.routes.active:
                return False
            lanes = {v: lane for v, lane in self.routes.lanes.items() if v in active.values()}
            if not strict and self._failed & (set(active.values()) - set(lanes)):
                return False  # logged once when it failed; a new promotion will be tried
            try:
                for version in sorted(set(active.values()) - set(lanes)):
                    lanes[version] = await self._open_lane(version, strict)
            except Exception:
                await asyncio.gather(*(lane.close() for v, lane in lanes.items()
                                       if v not in self.routes.lanes))
                if strict:
                    raise
                return False
            old = self.routes
            self.routes = Routes(dict(active), lanes)
            for version, lane in old.lanes.items():
                if version not in lanes:
                    self._retire(lane)
            self.swaps += 1
            log.info("models in use: %s", ", ".join(f"{s or 'global'}={v}" for s, v in
                                                     sorted(active.items())))
            return True

    async def _open_lane(self, version: str, strict: bool) -> MicroBatcher:
        try:
            record = await self.registry.get(version)
            engine = await asyncio.to_thread(load_version, record)
        except Exception:
            if strict or version not in self._failed:
                log.exception("cannot load model %s; keeping the models in use", version)
            self._failed.add(version)
            raise
        lane = self.make_batcher(engine)
        await lane.start()
        return lane

    def _retire(self, lane: MicroBatcher) -> None:
        task = asyncio.create_task(lane.close(), name="model-router-retire")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def changed(self, topic: str, detail: str) -> None:
        """Check the store now: another process announced a promotion or a rollback."""
        if concerns(topic, MODELS):
            self._wake.set()

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.refresh()
            except StoreRefused:  # the database is away: the store logs it, once a minute
                pass
            except Exception:
                log.exception("could not check the store for model promotions")
