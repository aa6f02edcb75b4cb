"""Changes other processes must hear of at once: PostgreSQL NOTIFY, sent inside the change's
own transaction (so it is heard only once the change is committed, and never if it is not).

A repository adds `announce(db, topic, detail)` to the statements of a change; every process's
store listens on one channel (see `postgres.PostgresDatabase`) and calls what subscribed with
`(topic, detail)`. `EVERYTHING` is heard after the listening connection was lost and made
again: notifications may have been missed meanwhile, so every cache starts afresh. On SQLite
(one server process) nothing is sent: the caches' short TTLs cover changes made by the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .database import Statement

CHANNEL = "spectrum_rpc_changes"
KEYS = "keys"  # a key created or revoked
MODELS = "models"  # a promotion or a rollback
SETTINGS = "settings"  # a project's settings (detail: the project)
WEBHOOKS = "webhooks"  # a webhook added, changed, disabled or removed
LIMITS = "limits"  # a key's rate limit or quota
EVERYTHING = "*"

Listener = Callable[[str, str], None]
_NOTIFY = "SELECT pg_notify(?, ?)"


def announce(db: Any, topic: str, detail: str = "") -> list[Statement]:
    """Return the statements that tell the other processes of a change (none on SQLite)."""
    if db.dialect != "postgresql":
        return []
    return [(_NOTIFY, (CHANNEL, f"{topic}:{detail}"))]


def parse(payload: str) -> tuple[str, str]:
    """Return the (topic, detail) a notification's payload carries."""
    topic, _, detail = payload.partition(":")
    return topic, detail


def concerns(topic: str, *wanted: str) -> bool:
    """Return whether a change of `topic` is one of `wanted` (or everything)."""
    return topic == EVERYTHING or topic in wanted
