"""SQL for API keys. Keys themselves are never stored: only their SHA-256 hashes."""

from __future__ import annotations

from dataclasses import dataclass

from .changes import KEYS, announce
from .database import Database, now
from .projects import ENSURE as ENSURE_PROJECT


@dataclass(frozen=True)
class KeyRecord:
    id: str
    project: str
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


_COLUMNS = "id, project, name, prefix, created_at, last_used_at, revoked_at"
# The later of two times: SQLite's scalar MAX is PostgreSQL's GREATEST.
_TOUCH = {
    "sqlite": "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
    "postgresql": "UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), ?)"
    " WHERE id = ?",
}


class KeyStore:
    def __init__(self, db: Database):
        self.db = db

    async def create(
        self, *, key_id: str, project: str, name: str, prefix: str, key_hash: str
    ) -> None:
        """Insert a key (creating its project if needed)."""
        t = now()
        await self.db.write(
            [
                (ENSURE_PROJECT, (project, t)),
                (
                    "INSERT INTO api_keys(id, project, name, prefix, key_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (key_id, project, name, prefix, key_hash, t),
                ),
                *announce(self.db, KEYS),
            ]
        )

    async def find_active(self, key_hash: str) -> tuple[KeyRecord, str] | None:
        """Return the unrevoked key with this hash and its stored hash, or None."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS}, key_hash FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
            (key_hash,),
        )
        return (KeyRecord(*row[:-1]), row[-1]) if row else None

    async def find(self, key_hash: str) -> KeyRecord | None:
        """Return the key with this hash, revoked or not, or None."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,)
        )
        return KeyRecord(*row) if row else None

    async def list(self, project: str | None = None) -> list[KeyRecord]:
        """List keys, oldest first, optionally for one project."""
        where, params = ("WHERE project = ?", (project,)) if project else ("", ())
        sql = f"SELECT {_COLUMNS} FROM api_keys {where} ORDER BY created_at"
        rows = await self.db.fetchall(sql, params)
        return [KeyRecord(*r) for r in rows]

    async def get(self, key_id: str) -> KeyRecord | None:
        """Return one key by id, or None."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
        return KeyRecord(*row) if row else None

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key; return False if there is no such active key."""
        key = await self.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        await self.db.write([("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (now(), key_id)),
                             *announce(self.db, KEYS)])
        return True

    async def count_active(self) -> int:
        """Count unrevoked keys."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL")
        return int(row[0]) if row else 0

    async def touch(self, last_used: dict[str, float]) -> None:
        """Record last-use times collected in memory (one write for many requests)."""
        if last_used:
            sql = _TOUCH[self.db.dialect]
            await self.db.write([(sql, (t, k)) for k, t in last_used.items()])
