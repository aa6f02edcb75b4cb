"""Record admin actions: who did what, when, from where. Never passwords, secrets or user text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..store import Store

# Detail keys that must never reach the log, whatever a caller passes.
_FORBIDDEN = {"password", "secret", "key", "text", "content", "basic_auth_password", "token"}


async def record(
    store: Store,
    request: web.Request,
    actor: str,
    action: str,
    *,
    project: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append an audit entry for an action taken through the admin UI or API."""
    clean = {k: v for k, v in (detail or {}).items() if k not in _FORBIDDEN}
    await store.admin.audit(
        actor, action, project=project, target=target, detail=clean, address=request.remote
    )
