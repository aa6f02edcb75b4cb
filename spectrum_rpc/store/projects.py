"""SQL for projects and their settings (decision thresholds, webhook privacy)."""

from __future__ import annotations

from typing import Any

import orjson

from .changes import SETTINGS, announce
from .database import Database, now

# Portable (SQLite 3.24+ and PostgreSQL): create a project unless it exists.
ENSURE = "INSERT INTO projects(name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING"


class ProjectStore:
    def __init__(self, db: Database):
        self.db = db

    async def ensure(self, name: str) -> None:
        """Create the project if it does not exist."""
        await self.db.execute(ENSURE, (name, now()))

    async def names(self) -> list[str]:
        """List project names, alphabetically."""
        return [r[0] for r in await self.db.fetchall("SELECT name FROM projects ORDER BY name")]

    async def get_settings(self, name: str) -> dict[str, Any]:
        """Return a project's settings object ({} when none are set or no such project)."""
        row = await self.db.fetchone("SELECT settings FROM projects WHERE name = ?", (name,))
        return orjson.loads(row[0]) if row else {}

    async def update_settings(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge changes into a project's settings and return the result."""
        await self.ensure(name)
        merged = {**await self.get_settings(name), **changes}
        await self.db.write([
            ("UPDATE projects SET settings = ? WHERE name = ?",
             (orjson.dumps(merged).decode(), name)),
            *announce(self.db, SETTINGS, name),
        ])
        return merged
