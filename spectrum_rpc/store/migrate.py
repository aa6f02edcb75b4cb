"""Copy a SQLite store into a PostgreSQL one: every table, row for row, ids kept.

Idempotent: a row already there (same primary key) is left as it is, so running it again after
the SQLite file got more rows copies only those. Secrets are copied as stored (sealed stays
sealed under the same master key); nothing is decrypted, so no master key is needed.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

from .database import Database
from .postgres import PostgresDatabase
from .webhooks import SEALED, _tagged

# Parents before children (foreign keys); each with its identity column, if any. Not
# usage_flushes: its ids matter only to the processes that wrote them, stopped before.
TABLES: list[tuple[str, str | None]] = [
    ("projects", None), ("api_keys", None), ("feedback", "id"), ("admin_users", "id"),
    ("admin_sessions", None), ("admin_audit", "id"), ("classification_stats", None),
    ("webhooks", None), ("webhook_events", None), ("webhook_deliveries", "id"),
    ("webhook_attempts", "id"), ("model_versions", None), ("model_active", None),
    ("model_promotions", "id"), ("usage_counts", None), ("key_limits", None), ("actors", None),
    ("actor_events", None), ("recent_scores", "id"),
]  # fmt: skip
PAGE = 1000
WITHOUT_ROWID = {"classification_stats": "project, minute"}  # their primary keys


async def copy_tables(source: Database, target: PostgresDatabase,
                      say: Callable[[str], None] = lambda _: None) -> dict[str, int]:  # fmt: skip
    """Copy every row of `source` missing from `target`; return the rows now in each table."""
    counts: dict[str, int] = {}
    for table, identity in TABLES:
        columns = [r[1] for r in await source.fetchall(f"PRAGMA table_info({table})")]
        if not columns:
            continue  # an older SQLite schema without this table
        convert = _converter(table, columns)
        insert = (f"INSERT INTO {table}({', '.join(columns)})"
                  f" VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING")  # fmt: skip
        async for rows in _pages(source, table, columns):
            await target.write([(insert, convert(row)) for row in rows])
        if identity:  # new rows continue after the copied ids
            await target.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{identity}'),"
                f" GREATEST((SELECT MAX({identity}) FROM {table}), 1))")  # fmt: skip
        (counts[table],) = await target.fetchone(f"SELECT COUNT(*) FROM {table}") or (0,)
        say(f"{table}: {counts[table]} rows")
    return counts


async def _pages(source: Database, table: str, columns: list[str]) -> AsyncIterator[list[tuple]]:
    """Yield the table's rows a page at a time (by rowid; a WITHOUT ROWID table by offset)."""
    names = ", ".join(columns)
    if table in WITHOUT_ROWID:
        for offset in itertools.count(0, PAGE):
            rows = await source.fetchall(
                f"SELECT {names} FROM {table} ORDER BY {WITHOUT_ROWID[table]} LIMIT ? OFFSET ?",
                (PAGE, offset))  # fmt: skip
            if not rows:
                return
            yield [tuple(r) for r in rows]
    last = 0
    while True:
        rows = await source.fetchall(
            f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, PAGE))  # fmt: skip
        if not rows:
            return
        yield [tuple(r)[1:] for r in rows]
        last = rows[-1][0]


def _converter(table: str, columns: list[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    if table != "webhooks":
        return lambda row: row
    sealed = [columns.index(c) for c in SEALED]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i in sealed:
            values[i] = _tagged(values[i])
        return tuple(values)

    return convert
