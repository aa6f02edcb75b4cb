"""SQL for the admin UI: users, sessions (ids stored hashed), audit log, classification counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from .database import Database, now
from .feedback import _COLUMNS as FEEDBACK_COLUMNS
from .feedback import FeedbackRecord, _record


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    password_hash: str
    created_at: float
    last_login_at: float | None
    failed_logins: int
    locked_until: float


@dataclass(frozen=True)
class SessionRecord:
    id_hash: str
    user_id: int
    user_name: str
    created_at: float
    last_seen_at: float


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: float
    actor: str
    action: str
    project: str | None
    target: str | None
    detail: dict[str, Any] | None
    address: str | None


@dataclass(frozen=True)
class StatsRow:
    minute: int
    total: int
    toxic: int
    sexual: int
    phishing: int


@dataclass(frozen=True)
class FeedbackQuery:
    """Filters for browsing feedback; None means "any"."""

    project: str
    should_block: bool | None = None
    label: str | None = None
    since: float | None = None
    until: float | None = None
    search: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ReceiverLatency:
    webhook_id: str
    url: str
    mean_latency: float
    attempts: int


@dataclass(frozen=True)
class WebhookHealth:
    queued: int
    attempts: int
    successes: int
    slowest: list[ReceiverLatency]


STAT_COLUMNS = ("total", "toxic", "sexual", "phishing")
_USER = "id, name, password_hash, created_at, last_login_at, failed_logins, locked_until"
_AUDIT = "id, at, actor, action, project, target, detail, address"
_UPSERT_STATS = (
    "INSERT INTO classification_stats(project, minute, total, toxic, sexual, phishing)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(project, minute) DO UPDATE SET"
    " total = classification_stats.total + excluded.total,"
    " toxic = classification_stats.toxic + excluded.toxic,"
    " sexual = classification_stats.sexual + excluded.sexual,"
    " phishing = classification_stats.phishing + excluded.phishing"
)
# Feedback filters where the dialects differ: a label set true, and a substring.
_HAS_LABEL = {
    "sqlite": "json_extract(labels, '$.' || ?) = 1",
    "postgresql": "(CAST(labels AS JSONB) ->> CAST(? AS TEXT)) = 'true'",
}
_CONTAINS = {
    "sqlite": "instr(lower(content), lower(?)) > 0",
    "postgresql": "strpos(lower(content), lower(?)) > 0",
}


class AdminStore:
    def __init__(self, db: Database):
        self.db = db

    # -- users ----------------------------------------------------------------------------

    async def create_user(self, name: str, password_hash: str) -> UserRecord:
        """Insert a user; raise the driver's integrity error if the name is taken."""
        await self.db.execute(
            "INSERT INTO admin_users(name, password_hash, created_at) VALUES (?, ?, ?)",
            (name, password_hash, now()),
        )
        user = await self.user_by_name(name)
        assert user is not None
        return user

    async def user_by_name(self, name: str) -> UserRecord | None:
        """Return the user with this name, or None."""
        row = await self.db.fetchone(f"SELECT {_USER} FROM admin_users WHERE name = ?", (name,))
        return UserRecord(*row) if row else None

    async def users(self) -> list[UserRecord]:
        """List users by name."""
        rows = await self.db.fetchall(f"SELECT {_USER} FROM admin_users ORDER BY name")
        return [UserRecord(*r) for r in rows]

    async def count_users(self) -> int:
        """Count admin users."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM admin_users")
        return int(row[0]) if row else 0

    async def set_password(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash and end all their sessions."""
        await self.db.write(
            [
                ("UPDATE admin_users SET password_hash = ? WHERE id = ?", (password_hash, user_id)),
                ("DELETE FROM admin_sessions WHERE user_id = ?", (user_id,)),
            ]
        )

    async def login_failed(self, user_id: int, locked_until: float) -> None:
        """Count a failed login and store the lockout it earned."""
        await self.db.execute(
            "UPDATE admin_users SET failed_logins = failed_logins + 1, locked_until = ?"
            " WHERE id = ?",
            (locked_until, user_id),
        )

    async def login_succeeded(self, user_id: int) -> None:
        """Reset the failure count and record the login time."""
        await self.db.execute(
            "UPDATE admin_users SET failed_logins = 0, locked_until = 0, last_login_at = ?"
            " WHERE id = ?",
            (now(), user_id),
        )

    # -- the login throttle per address, for several processes (PostgreSQL) -----------------

    async def address_locked_until(self, address: str) -> float:
        """Return when an address's lockout ends (0 when it has none)."""
        row = await self.db.fetchone(
            "SELECT locked_until FROM login_throttle WHERE address = ?", (address,))
        return float(row[0]) if row else 0.0

    async def address_failed(self, address: str, at: float) -> int:
        """Count a failed login from an address at once, for every process; return its
        consecutive failures (PostgreSQL: a read that commits)."""
        row = await self.db.fetchone(
            "INSERT INTO login_throttle(address, failures, locked_until, updated_at)"
            " VALUES (?, 1, 0, ?) ON CONFLICT(address) DO UPDATE SET"
            " failures = login_throttle.failures + 1, updated_at = excluded.updated_at"
            " RETURNING failures", (address, at))
        assert row is not None
        return int(row[0])

    async def lock_address(self, address: str, until: float) -> None:
        """Store the lockout an address earned (a later one is never shortened)."""
        await self.db.execute(
            "UPDATE login_throttle SET locked_until = GREATEST(locked_until, ?) WHERE address = ?",
            (until, address))

    async def address_succeeded(self, address: str, forget_before: float) -> None:
        """Forget an address's failures, and those of addresses quiet since `forget_before`."""
        await self.db.execute(
            "DELETE FROM login_throttle WHERE address = ? OR (updated_at < ? AND locked_until < ?)",
            (address, forget_before, forget_before))

    # -- sessions -------------------------------------------------------------------------

    async def create_session(self, id_hash: str, user_id: int, at: float) -> None:
        """Store a new session by the hash of its id."""
        await self.db.execute(
            "INSERT INTO admin_sessions(id_hash, user_id, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?)",
            (id_hash, user_id, at, at),
        )

    async def session(self, id_hash: str) -> SessionRecord | None:
        """Return the session with this id hash and its user's name, or None."""
        row = await self.db.fetchone(
            "SELECT s.id_hash, s.user_id, u.name, s.created_at, s.last_seen_at"
            " FROM admin_sessions s JOIN admin_users u ON u.id = s.user_id WHERE s.id_hash = ?",
            (id_hash,),
        )
        return SessionRecord(*row) if row else None

    async def touch_session(self, id_hash: str, at: float) -> None:
        """Record activity on a session (callers rate-limit this)."""
        await self.db.execute(
            "UPDATE admin_sessions SET last_seen_at = ? WHERE id_hash = ?", (at, id_hash)
        )

    async def delete_session(self, id_hash: str) -> None:
        """End one session."""
        await self.db.execute("DELETE FROM admin_sessions WHERE id_hash = ?", (id_hash,))

    async def delete_expired_sessions(self, idle_before: float, created_before: float) -> None:
        """Drop sessions idle or alive for too long."""
        await self.db.execute(
            "DELETE FROM admin_sessions WHERE last_seen_at < ? OR created_at < ?",
            (idle_before, created_before),
        )

    # -- audit log ------------------------------------------------------------------------

    async def audit(
        self,
        actor: str,
        action: str,
        *,
        project: str | None = None,
        target: str | None = None,
        detail: Mapping[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Append one audit entry (callers pass no secrets and no user text)."""
        blob = orjson.dumps(dict(detail)).decode() if detail else None
        await self.db.execute(
            "INSERT INTO admin_audit(at, actor, action, project, target, detail, address)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now(), actor, action, project, target, blob, address),
        )

    async def audit_log(self, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
        """Return audit entries, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_AUDIT} FROM admin_audit ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [AuditRecord(*r[:6], orjson.loads(r[6]) if r[6] else None, r[7]) for r in rows]

    # -- classification counts ------------------------------------------------------------

    async def add_stats(self, counts: Mapping[tuple[str, int], Sequence[int]]) -> None:
        """Add per-(project, minute) counts collected in memory, in one transaction."""
        if counts:
            await self.db.write(
                [(_UPSERT_STATS, (p, m, *values)) for (p, m), values in counts.items()]
            )

    async def stats(self, project: str, since_minute: int) -> list[StatsRow]:
        """Return a project's per-minute counts from `since_minute` on, oldest first."""
        rows = await self.db.fetchall(
            "SELECT minute, total, toxic, sexual, phishing FROM classification_stats"
            " WHERE project = ? AND minute >= ? ORDER BY minute",
            (project, since_minute),
        )
        return [StatsRow(*r) for r in rows]

    # -- feedback browsing ----------------------------------------------------------------

    async def search_feedback(self, query: FeedbackQuery) -> tuple[list[FeedbackRecord], int]:
        """Return one page of feedback matching the filters, newest first, and the match count."""
        where, params = _feedback_filter(query, self.db.dialect)
        rows = await self.db.fetchall(
            f"SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE {where}"
            " ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
        count = await self.db.fetchone(f"SELECT COUNT(*) FROM feedback WHERE {where}", params)
        return [_record(r) for r in rows], int(count[0]) if count else 0

    async def webhook_health(self, project: str, since: float) -> WebhookHealth:
        """Return delivery health figures of a project's webhooks (for the dashboard)."""
        return await webhook_health(self.db, project, since)

    async def feedback_since(self, project: str, since: float) -> int:
        """Count a project's feedback rows received since a time."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM feedback WHERE project = ? AND created_at >= ?", (project, since)
        )
        return int(row[0]) if row else 0


def _feedback_filter(q: FeedbackQuery, dialect: str) -> tuple[str, tuple[Any, ...]]:
    clauses = ["project = ?"]
    params: list[Any] = [q.project]
    if q.should_block is not None:
        clauses.append("should_block = ?")
        params.append(int(q.should_block))
    if q.label:
        clauses.append(_HAS_LABEL[dialect])
        params.append(q.label)
    if q.since is not None:
        clauses.append("created_at >= ?")
        params.append(q.since)
    if q.until is not None:
        clauses.append("created_at < ?")
        params.append(q.until)
    if q.search:
        clauses.append(_CONTAINS[dialect])
        params.append(q.search)
    return " AND ".join(clauses), tuple(params)


_PROJECT_ATTEMPTS = (
    " FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
    " JOIN webhooks w ON w.id = d.webhook_id WHERE w.project = ? AND a.attempted_at >= ?"
)


async def webhook_health(db: Database, project: str, since: float, slowest: int = 5
                         ) -> WebhookHealth:
    """Return a project's queued deliveries, attempts and successes since, slowest receivers."""
    queued = await db.fetchone(
        "SELECT COUNT(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
        " WHERE w.project = ? AND d.state IN ('pending', 'sending')", (project,))
    totals = await db.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.status BETWEEN 200 AND 299 THEN 1 ELSE 0"
        " END), 0)" + _PROJECT_ATTEMPTS,
        (project, since))
    rows = await db.fetchall(
        "SELECT w.id, w.url, AVG(a.latency), COUNT(*)" + _PROJECT_ATTEMPTS
        + " AND a.latency IS NOT NULL GROUP BY w.id ORDER BY AVG(a.latency) DESC LIMIT ?",
        (project, since, slowest))
    return WebhookHealth(int(queued[0]) if queued else 0, int(totals[0]), int(totals[1]),
                         [ReceiverLatency(*r) for r in rows])
