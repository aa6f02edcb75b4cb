"""SQL for actors: the users a project names in its requests (contentmod's `actorId`,
discuse's `user_id`), with each one's requests and flags over time.

No text is kept: an event holds when, through which API, and which labels were flagged.
The SQL is portable (SQLite 3.24+ and PostgreSQL): an upsert with `ON CONFLICT DO UPDATE`,
text ids, no functions of one database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from .database import Database, Statement, now

# An actor's id is the caller's: bounded so that a history row stays small.
MAX_ACTOR_CHARS = 256
HISTORY_LIMIT = 100

_UPSERT = (
    "INSERT INTO actors(project, actor, first_seen, last_seen, requests, flagged)"
    " VALUES (?, ?, ?, ?, 1, ?)"
    " ON CONFLICT (project, actor) DO UPDATE SET last_seen = excluded.last_seen,"
    " requests = actors.requests + 1, flagged = actors.flagged + excluded.flagged"
)
_EVENT = (
    "INSERT INTO actor_events(id, project, actor, at, source, flagged, flags)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_ACTOR_COLUMNS = "project, actor, first_seen, last_seen, requests, flagged"


@dataclass(frozen=True)
class ActorRecord:
    """One actor of a project: when first and last seen, how many requests, how many flagged."""

    project: str
    actor: str
    first_seen: float
    last_seen: float
    requests: int
    flagged: int


@dataclass(frozen=True)
class ActorEvent:
    """One request of an actor: when, through which API (`source`), the labels it flagged."""

    id: str
    at: float
    source: str
    flagged: bool
    flags: list[str]


@dataclass(frozen=True)
class ActorHistory:
    actor: ActorRecord
    events: list[ActorEvent]  # newest first


def _actor(row: Any) -> ActorRecord:
    return ActorRecord(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]))


class ActorStore:
    def __init__(self, db: Database):
        self.db = db

    def record_statements(self, project: str, actor: str, source: str, flags: list[str],
                          at: float | None = None) -> list[Statement]:
        """Return the writes that add one request of an actor (to commit with other writes)."""
        at = now() if at is None else at
        flagged = int(bool(flags))
        return [(_UPSERT, (project, actor, at, at, flagged)),
                (_EVENT, (uuid.uuid4().hex, project, actor, at, source, flagged,
                          orjson.dumps(sorted(flags)).decode()))]

    async def record(self, project: str, actor: str, source: str, flags: list[str],
                     at: float | None = None) -> None:
        """Add one request of an actor, durably, with the labels it flagged (none: clean)."""
        await self.db.write(self.record_statements(project, actor, source, flags, at))

    async def get(self, project: str, actor: str) -> ActorRecord | None:
        """Return an actor's totals, or None if the project never named it."""
        row = await self.db.fetchone(
            f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE project = ? AND actor = ?",
            (project, actor))
        return _actor(row) if row else None

    async def history(self, project: str, actor: str,
                      limit: int = HISTORY_LIMIT) -> ActorHistory | None:
        """Return an actor's totals and its latest `limit` requests, newest first."""
        found = await self.get(project, actor)
        if found is None:
            return None
        rows = await self.db.fetchall(
            "SELECT id, at, source, flagged, flags FROM actor_events"
            " WHERE project = ? AND actor = ? ORDER BY at DESC, id LIMIT ?",
            (project, actor, limit))
        return ActorHistory(found, [ActorEvent(r[0], r[1], r[2], bool(r[3]), orjson.loads(r[4]))
                                    for r in rows])

    async def list(self, project: str, limit: int = HISTORY_LIMIT) -> list[ActorRecord]:
        """Return a project's actors, the most recently seen first."""
        rows = await self.db.fetchall(
            f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE project = ?"
            " ORDER BY last_seen DESC, actor LIMIT ?", (project, limit))
        return [_actor(r) for r in rows]
