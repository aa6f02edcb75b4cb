"""Actors in the admin UI: the users a project names in its requests (contentmod's `actorId`,
discuse's `user_id`) with their totals, and one actor's history (when, through which API,
which labels were flagged). Read-only."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..store import MAX_ACTOR_CHARS, ActorEvent, ActorRecord
from .access import api_error
from .api import BadRequest, admin, limit_param, ok, project_of
from .limits import ACTORS_LIMIT
from .review import iso


def actor_dict(record: ActorRecord) -> dict[str, Any]:
    """One actor's totals in the API's shape."""
    return {"actor": record.actor, "first_seen": iso(record.first_seen),
            "last_seen": iso(record.last_seen), "requests": record.requests,
            "flagged": record.flagged}


def event_dict(event: ActorEvent) -> dict[str, Any]:
    """One request of an actor in the API's shape."""
    return {"id": event.id, "at": iso(event.at), "source": event.source,
            "flagged": event.flagged, "flags": event.flags}


def actor_param(request: web.Request) -> str:
    """Return the ?actor= query parameter, refusing a missing or over-long one."""
    actor = request.query.get("actor", "")
    if not actor or len(actor) > MAX_ACTOR_CHARS:
        raise BadRequest(f"actor must be a string of 1-{MAX_ACTOR_CHARS} characters")
    return actor


async def list_actors(request: web.Request) -> web.Response:
    """A project's actors, the most recently seen first, with their totals."""
    project = project_of(request)
    limit = limit_param(request, ACTORS_LIMIT, ACTORS_LIMIT)
    records = await admin(request).store.actors.list(project, limit)
    return ok({"actors": [actor_dict(r) for r in records]})


async def actor_history(request: web.Request) -> web.Response:
    """One actor's totals and latest requests, newest first."""
    project = project_of(request)
    actor = actor_param(request)
    limit = limit_param(request, ACTORS_LIMIT, ACTORS_LIMIT)
    found = await admin(request).store.actors.history(project, actor, limit)
    if found is None:
        return api_error(404, "this project has no actor with this id")
    return ok({"actor": actor_dict(found.actor), "events": [event_dict(e) for e in found.events]})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/projects/{project}/actors", list_actors),
    ("GET", "/projects/{project}/actors/history", actor_history),
]
