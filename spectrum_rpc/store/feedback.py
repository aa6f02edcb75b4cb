"""SQL for recorded user classifications (feedback), the only table that holds user text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from .database import Database


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    project: str
    key_id: str
    created_at: float
    content: str
    content_sha256: str
    should_block: bool
    labels: dict[str, bool] | None
    meta: dict[str, Any] | None
    excluded: bool


_COLUMNS = (
    "id, project, key_id, created_at, content, content_sha256, should_block, labels, meta, excluded"
)
_INSERT = (
    "INSERT INTO feedback(project, key_id, created_at, content, content_sha256, should_block,"
    " labels, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _record(row: Any) -> FeedbackRecord:
    return FeedbackRecord(
        id=row[0],
        project=row[1],
        key_id=row[2],
        created_at=row[3],
        content=row[4],
        content_sha256=row[5],
        should_block=bool(row[6]),
        labels=orjson.loads(row[7]) if row[7] else None,
        meta=orjson.loads(row[8]) if row[8] else None,
        excluded=bool(row[9]),
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class FeedbackStore:
    def __init__(self, db: Database):
        self.db = db
        self.added = 0  # rows this process recorded through add(), for monitoring

    def insert_statement(
        self,
        *,
        project: str,
        key_id: str,
        created_at: float,
        content: str,
        content_sha256: str,
        should_block: bool,
        labels: dict[str, bool] | None,
        meta: dict[str, Any] | None,
    ) -> tuple[str, tuple[Any, ...]]:
        """Return the INSERT for one row, to be committed together with other writes."""
        params = (project, key_id, created_at, content, content_sha256, int(should_block))
        return _INSERT, (*params, _json(labels), _json(meta))

    async def add(self, **row: Any) -> None:
        """Insert one feedback row durably (shares its transaction with concurrent writes)."""
        await self.db.write([self.insert_statement(**row)])
        self.added += 1

    async def iter_all(
        self, project: str | None = None, page: int = 1000
    ) -> AsyncIterator[FeedbackRecord]:
        """Yield rows in id order, a page at a time, so exports stay in bounded memory."""
        last = 0
        where = "AND project = ?" if project else ""
        while True:
            params: tuple[Any, ...] = (last, project, page) if project else (last, page)
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM feedback WHERE id > ? {where} ORDER BY id LIMIT ?", params
            )
            for row in rows:
                yield _record(row)
            if len(rows) < page:
                return
            last = rows[-1][0]

    async def count(self, project: str | None = None) -> int:
        """Count feedback rows, optionally for one project."""
        where, params = ("WHERE project = ?", (project,)) if project else ("", ())
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM feedback {where}", params)
        return int(row[0]) if row else 0

    async def set_excluded(self, ids: list[int], excluded: bool = True) -> int:
        """Exclude (or re-include) rows from training; return how many exist."""
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM feedback WHERE id IN ({marks})", ids)
        await self.db.execute(
            f"UPDATE feedback SET excluded = ? WHERE id IN ({marks})", (int(excluded), *ids)
        )
        return int(row[0]) if row else 0
