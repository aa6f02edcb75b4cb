"""SQL for model versions, the active model of each scope, promotion history and the retrain lock.

A scope is a project name, or GLOBAL ("") for the model every project without its own uses.
The retrain lock is a row with an expiry (who holds it, until when); on PostgreSQL the holder
also takes an advisory lock (`pg_try_advisory_lock`), which PostgreSQL drops the moment the
holding process dies, so a crashed retrain never blocks the next one until the expiry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from .changes import MODELS, announce
from .database import Database, now

GLOBAL = ""


@dataclass(frozen=True)
class ModelRecord:
    version: str
    project: str | None
    origin: str
    parent: str | None
    path: str
    created_at: float
    status: str
    report: dict[str, Any]


@dataclass(frozen=True)
class PromotionRecord:
    id: int
    scope: str
    version: str
    previous: str | None
    at: float
    reason: str
    rolled_back: bool


_COLUMNS = "version, project, origin, parent, path, created_at, status, report"
# The order versions were recorded in, to break ties of created_at.
_RECORDED = {"sqlite": "rowid", "postgresql": "seq"}
_PROMOTION_COLUMNS = "id, scope, version, previous, at, reason, rolled_back"


def _model(row: Any) -> ModelRecord:
    return ModelRecord(*row[:7], report=orjson.loads(row[7]))


def _promotion(row: Any) -> PromotionRecord:
    return PromotionRecord(*row[:6], rolled_back=bool(row[6]))


def lock_key(name: str) -> int:
    """Return the PostgreSQL advisory-lock number of a named lock (stable, 63 bits)."""
    digest = hashlib.sha256(f"spectrum-rpc lock:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class ModelStore:
    def __init__(self, db: Database):
        self.db = db

    # -- versions -------------------------------------------------------------------------

    async def add(self, *, version: str, project: str | None, origin: str, parent: str | None,
                  path: str, status: str, report: dict[str, Any]) -> bool:
        """Record a model version; return False if that version exists already."""
        if await self.get(version) is not None:
            return False
        await self.db.execute(
            f"INSERT INTO model_versions({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (version, project, origin, parent, path, now(), status,
             orjson.dumps(report).decode()),
        )
        return True

    async def get(self, version: str) -> ModelRecord | None:
        """Return one version, or None."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM model_versions WHERE version = ?", (version,))
        return _model(row) if row else None

    async def list(self, project: str | None = None) -> list[ModelRecord]:
        """List versions, oldest first; with `project`, that project's and the global ones."""
        where, params = ("", ())
        if project:
            where, params = "WHERE project IS NULL OR project = ?", (project,)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM model_versions {where}"
            f" ORDER BY created_at, {_RECORDED[self.db.dialect]}", params)
        return [_model(r) for r in rows]

    async def latest(self, origin: str) -> ModelRecord | None:
        """Return the most recently recorded version of an origin ("shipped", "retrain")."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM model_versions WHERE origin = ?"
            f" ORDER BY created_at DESC, {_RECORDED[self.db.dialect]} DESC LIMIT 1", (origin,))
        return _model(row) if row else None

    async def set_report(self, version: str, status: str, report: dict[str, Any]) -> None:
        """Replace a version's status and evaluation report."""
        await self.db.execute(
            "UPDATE model_versions SET status = ?, report = ? WHERE version = ?",
            (status, orjson.dumps(report).decode(), version))

    # -- activation -----------------------------------------------------------------------

    async def active(self) -> dict[str, str]:
        """Return {scope: version} of every scope with an active model (GLOBAL is "")."""
        rows = await self.db.fetchall("SELECT scope, version FROM model_active")
        return {r[0]: r[1] for r in rows}

    async def activate(self, scope: str, version: str, reason: str) -> str | None:
        """Make `version` the active model of `scope`; return the version it replaced."""
        current = (await self.active()).get(scope)
        t = now()
        await self.db.write([
            ("INSERT INTO model_active(scope, version, changed_at) VALUES (?, ?, ?)"
             " ON CONFLICT(scope) DO UPDATE SET version = excluded.version,"
             " changed_at = excluded.changed_at", (scope, version, t)),
            ("INSERT INTO model_promotions(scope, version, previous, at, reason)"
             " VALUES (?, ?, ?, ?, ?)", (scope, version, current, t, reason)),
            ("UPDATE model_versions SET status = 'promoted' WHERE version = ?", (version,)),
            *announce(self.db, MODELS, scope),
        ])
        return current

    async def history(self, scope: str) -> list[PromotionRecord]:
        """Return a scope's promotions, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_PROMOTION_COLUMNS} FROM model_promotions WHERE scope = ? ORDER BY id DESC",
            (scope,))
        return [_promotion(r) for r in rows]

    async def rollback(self, scope: str) -> PromotionRecord | None:
        """Undo the scope's latest promotion not yet undone; return it (None if none is left).

        A project whose first own model is rolled back falls back to the global model again.
        """
        row = await self.db.fetchone(
            f"SELECT {_PROMOTION_COLUMNS} FROM model_promotions"
            " WHERE scope = ? AND rolled_back = 0 ORDER BY id DESC LIMIT 1", (scope,))
        if row is None:
            return None
        undone = _promotion(row)
        if undone.previous is None and scope == GLOBAL:
            return None  # the first global model has nothing to fall back to
        restore: tuple[str, tuple[Any, ...]]
        if undone.previous is None:
            restore = ("DELETE FROM model_active WHERE scope = ?", (scope,))
        else:
            restore = ("UPDATE model_active SET version = ?, changed_at = ? WHERE scope = ?",
                       (undone.previous, now(), scope))
        await self.db.write([
            restore,
            ("UPDATE model_promotions SET rolled_back = 1 WHERE id = ?", (undone.id,)),
            ("UPDATE model_versions SET status = 'rolled back' WHERE version = ?",
             (undone.version,)),
            *announce(self.db, MODELS, scope),
        ])
        return undone

    # -- the retrain lock -----------------------------------------------------------------

    async def acquire_lock(self, name: str, owner: str, ttl: float) -> bool:
        """Take the named lock unless someone else holds it unexpired; return whether we hold it."""
        t = now()
        upsert = (
            "INSERT INTO training_locks(name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET owner = excluded.owner,"
            " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
        )
        if self.db.dialect == "postgresql":
            if not await self.db.try_lock(lock_key(name)):  # type: ignore[union-attr]
                return False
            # Whoever else holds the row is gone (it would hold the advisory lock): take it.
            await self.db.execute(upsert, (name, owner, t, t + ttl))
            return True
        await self.db.execute(
            upsert + " WHERE training_locks.expires_at < excluded.acquired_at",
            (name, owner, t, t + ttl),
        )
        row = await self.db.fetchone("SELECT owner FROM training_locks WHERE name = ?", (name,))
        return row is not None and row[0] == owner

    async def lock_holder(self, name: str) -> tuple[str, float] | None:
        """Return (owner, expires_at) of an unexpired lock, or None."""
        row = await self.db.fetchone(
            "SELECT owner, expires_at FROM training_locks WHERE name = ? AND expires_at >= ?",
            (name, now()))
        return (row[0], row[1]) if row else None

    async def release_lock(self, name: str, owner: str) -> None:
        """Release the lock if `owner` still holds it."""
        await self.db.execute(
            "DELETE FROM training_locks WHERE name = ? AND owner = ?", (name, owner))
        if self.db.dialect == "postgresql":
            await self.db.unlock(lock_key(name))  # type: ignore[union-attr]
