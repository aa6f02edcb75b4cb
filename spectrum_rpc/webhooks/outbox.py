"""The classifyText listener: write one event per matching classification before the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from ..cache import MISSING, TtlCache
from ..store import WEBHOOKS, Store, StoreUnavailable, concerns, now
from .filters import matches, parse_events
from .payload import build_body, new_event_id


class ClassificationLike(Protocol):
    project: str
    result: Mapping[str, Any]
    meta: Mapping[str, Any]
    text: str
    include_text: bool
    event_type: str


Targets = list[tuple[str, tuple[str, ...]]]


class Outbox:
    """Enqueue events durably (group-committed with other writes); then wake the dispatcher.

    A project's enabled webhooks are cached for `ttl` seconds so the request path does not read
    the store on every call; with no matching webhook nothing is written.
    """

    def __init__(
        self,
        store: Store,
        *,
        ttl: float = 1.0,
        on_enqueue: Callable[[], None] | None = None,
        clock: Callable[[], float] = now,
        first_delay: float = 0.0,
        outage_grace: float = 0.0,
    ):
        self.store = store
        self.on_enqueue = on_enqueue
        self.clock = clock
        self.first_delay = first_delay
        self.enqueued = 0
        # While the database is away, a project's webhooks read lately (none, for most).
        self._cache: TtlCache[str, Targets] = TtlCache(ttl, stale_for=outage_grace,
                                                       stale_on=(StoreUnavailable,))

    def __call__(self, event: ClassificationLike) -> Awaitable[None] | None:
        """Record the event for every enabled webhook of its project whose filter matches.

        Returns what to await, or None when there is nothing to write: the common case (no
        matching webhook, cached) then costs the request path no coroutine."""
        hooks = self._cache.peek(event.project)
        if hooks is MISSING:
            return self._load_and_record(event)
        if not hooks:  # the common case: the project has no webhook
            return None
        targets = self._matching(hooks, event)
        return self._record(event, targets) if targets else None

    async def _load_and_record(self, event: ClassificationLike) -> None:
        targets = self._matching(await self._targets(event.project), event)
        if targets:
            await self._record(event, targets)

    @staticmethod
    def _matching(hooks: Targets, event: ClassificationLike) -> list[str]:
        return [w for w, events in hooks if matches(events, event.result)]

    async def _record(self, event: ClassificationLike, targets: list[str]) -> None:
        event_id, created_at = new_event_id(), self.clock()
        text = event.text if event.include_text else None
        body = build_body(event_id, created_at, event.result, event.meta, text,
                          event.event_type)
        due = created_at + self.first_delay
        await self.store.write(
            self.store.webhooks.event_statements(
                event_id, event.project, created_at, body, targets, due
            )
        )
        self.enqueued += 1
        if self.on_enqueue is not None:
            self.on_enqueue()

    def changed(self, topic: str, detail: str) -> None:
        """Drop cached webhooks: another process changed one."""
        if concerns(topic, WEBHOOKS):
            self.forget(detail or None)

    def forget(self, project: str | None = None) -> None:
        """Drop cached webhooks (after an in-process change)."""
        self._cache.forget(project)

    async def _targets(self, project: str) -> Targets:
        return await self._cache.get(project, self._load)

    async def _load(self, project: str) -> Targets:
        webhooks = await self.store.webhooks.enabled_for(project)
        return [(w.id, parse_events(w.events)) for w in webhooks]
