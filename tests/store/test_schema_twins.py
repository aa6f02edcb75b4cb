"""Each migration's two spellings (schema.py: MIGRATIONS for SQLite, POSTGRES_MIGRATIONS for
PostgreSQL) make the same schema: after every migration, and through the real Store, both
backends have the same tables, columns (types mapped as schema.py says), NOT NULLs, defaults,
keys, foreign keys and indexes, except for the differences PostgreSQL has on purpose, each listed
below. A twin that drifts (a column or index forgotten on one side, a type mapped another way,
a table created by another migration number) fails here."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from spectrum_rpc.store import Store
from spectrum_rpc.store.migrate import TABLES
from spectrum_rpc.store.schema import MIGRATIONS, POSTGRES_MIGRATIONS
from tests.helpers.postgres import query

# SQLite's declared type -> PostgreSQL's (REAL is 4 bytes on PostgreSQL, 8 on SQLite).
TYPES = {"TEXT": "text", "REAL": "double precision", "DOUBLE PRECISION": "double precision",
         "BLOB": "bytea", "INTEGER": "integer"}
# An INTEGER PRIMARY KEY AUTOINCREMENT is a BIGINT identity on PostgreSQL.
IDENTITY = "bigint identity"

# The differences PostgreSQL has on purpose (schema.py says why).
# INTEGER on SQLite (8 bytes there), BIGINT on PostgreSQL: references to a BIGINT identity,
# and counters that may pass 2**31.
WIDER = {
    ("admin_sessions", "user_id"), ("webhook_attempts", "delivery_id"),
    ("classification_stats", "minute"), ("classification_stats", "total"),
    ("classification_stats", "toxic"), ("classification_stats", "sexual"),
    ("classification_stats", "phishing"), ("usage_counts", "requests"),
    ("usage_counts", "refused"), ("key_limits", "quota"), ("quota_used", "used"),
}  # fmt: skip
# Columns only PostgreSQL has: a claim's owner (several processes share the database there),
# and the order of recording that SQLite's rowid keeps.
ONLY_POSTGRES = {
    ("webhook_deliveries", "lease_owner"): ("bigint", False, None),
    ("model_versions", "seq"): (IDENTITY, True, None),
}
ONLY_POSTGRES_INDEXES = {
    "webhook_deliveries_lease": ("webhook_deliveries", ("lease_token",), False),
}
# Tables whose commits wait for no WAL flush on PostgreSQL (what a crash loses is rebuilt).
UNLOGGED = {"rate_buckets", "quota_used"}


@dataclass(frozen=True)
class Schema:
    """One database's schema, in terms both backends share."""

    # (table, column) -> (type, NOT NULL, default)
    columns: dict[tuple[str, str], tuple[str, bool, str | None]]
    # table -> its primary key's columns
    keys: dict[str, tuple[str, ...]]
    # (table, columns) of each UNIQUE constraint
    unique: set[tuple[str, tuple[str, ...]]]
    # (table, columns, the table referred to, its columns, ON DELETE)
    foreign: set[tuple[str, tuple[str, ...], str, tuple[str, ...], str]]
    # an index made by CREATE INDEX: name -> (table, columns, unique)
    indexes: dict[str, tuple[str, tuple[str, ...], bool]]
    # the UNLOGGED tables (PostgreSQL only)
    unlogged: set[str]

    def tables(self) -> set[str]:
        return {table for table, _ in self.columns}


def sqlite_schema(conn: sqlite3.Connection) -> Schema:
    """Read a SQLite database's schema, its types mapped to PostgreSQL's names."""
    columns, keys, unique, foreign, indexes = {}, {}, set(), set(), {}
    for table, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                   "AND name NOT LIKE 'sqlite_%'"):
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
        keys[table] = tuple(name for *_, name in sorted((pk, name) for _, name, _, _, _, pk
                                                          in info if pk))
        for _, name, declared, notnull, default, pk in info:
            identity = pk and "AUTOINCREMENT" in sql.upper()
            kind = IDENTITY if identity else TYPES[declared.upper()]
            columns[table, name] = (kind, bool(notnull or pk), default)
        for _, name, is_unique, origin, _ in conn.execute(f"PRAGMA index_list({table})"):
            named = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
            if origin == "u":
                unique.add((table, named))
            elif origin == "c":
                indexes[name] = (table, named, bool(is_unique))
        by_id: dict[int, list[Any]] = {}
        for fk_id, _, parent, child_col, parent_col, _, on_delete, _ in conn.execute(
                f"PRAGMA foreign_key_list({table})"):
            by_id.setdefault(fk_id, []).append((child_col, parent_col, parent, on_delete))
        for rows in by_id.values():
            foreign.add((table, tuple(r[0] for r in rows), rows[0][2],
                         tuple(r[1] for r in rows), rows[0][3]))
    return Schema(columns, keys, unique, foreign, indexes, set())


_PG_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '', c.relpersistence = 'u'
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relname <> 'schema_version'
"""
_PG_INDEXES = """
SELECT i.relname, t.relname, x.indisunique, x.indisprimary,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid),
       array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'
"""
_PG_FOREIGN = """
SELECT t.relname, p.relname, k.confdeltype::text,
       array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(num, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.num ORDER BY c.ord),
       array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS c(num, ord)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.num ORDER BY c.ord)
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE k.contype = 'f' AND n.nspname = 'public'
"""
# PostgreSQL's ON DELETE codes -> SQLite's words for them.
_ON_DELETE = {"a": "NO ACTION", "c": "CASCADE", "r": "RESTRICT", "n": "SET NULL",
              "d": "SET DEFAULT"}


def postgres_schema(rows: dict[str, list[tuple[Any, ...]]]) -> Schema:
    """Read a PostgreSQL database's schema from the catalog queries' rows."""
    columns, keys, unique, indexes, unlogged = {}, {}, set(), {}, set()
    for table, name, kind, notnull, default, identity, is_unlogged in rows["columns"]:
        default = re.sub(r"::[a-z ]+$", "", default) if default is not None else None
        columns[table, name] = (IDENTITY if identity else kind, notnull, default)
        if is_unlogged:
            unlogged.add(table)
    for name, table, is_unique, primary, constraint, named in rows["indexes"]:
        if primary:
            keys[table] = tuple(named)
        elif constraint:
            unique.add((table, tuple(named)))
        else:
            indexes[name] = (table, tuple(named), is_unique)
    foreign = {(table, tuple(child), parent, tuple(parent_cols), _ON_DELETE[on_delete])
               for table, parent, on_delete, child, parent_cols in rows["foreign"]}
    return Schema(columns, keys, unique, foreign, indexes, unlogged)


def expected_postgres(sqlite: Schema) -> Schema:
    """Return the PostgreSQL schema a SQLite schema maps to, with the differences on purpose."""
    tables = sqlite.tables()
    columns = {}
    for (table, name), (kind, notnull, default) in sqlite.columns.items():
        columns[table, name] = ("bigint" if (table, name) in WIDER else kind, notnull, default)
    columns.update({where: column for where, column in ONLY_POSTGRES.items()
                    if where[0] in tables})
    indexes = {**sqlite.indexes, **{name: index for name, index in ONLY_POSTGRES_INDEXES.items()
                                    if index[0] in tables}}
    return Schema(columns, sqlite.keys, sqlite.unique, sqlite.foreign, indexes,
                  UNLOGGED & tables)


async def read_postgres(conn: asyncpg.Connection) -> Schema:
    return postgres_schema({name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in
                            (("columns", _PG_COLUMNS), ("indexes", _PG_INDEXES),
                             ("foreign", _PG_FOREIGN))})


def assert_same(got: Schema, sqlite: Schema, where: str) -> None:
    want = expected_postgres(sqlite)
    assert got.tables() == want.tables(), where
    for part in ("columns", "keys", "unique", "foreign", "indexes", "unlogged"):
        assert getattr(got, part) == getattr(want, part), f"{where}: {part}"


async def test_every_migration_makes_the_same_schema_on_both_backends(postgres_url):
    """Apply the migrations one at a time on both and compare after each (same number, same
    tables: a table moved to another migration on one side fails too)."""
    lite = sqlite3.connect(":memory:")
    conn = await asyncpg.connect(postgres_url)
    try:
        for number, (ours, theirs) in enumerate(zip(MIGRATIONS, POSTGRES_MIGRATIONS,
                                                    strict=True), start=1):
            lite.executescript(ours)
            await conn.execute(theirs)
            assert_same(await read_postgres(conn), sqlite_schema(lite), f"migration {number}")
    finally:
        await conn.close()
        lite.close()


async def test_the_stores_schemas_agree_after_all_migrations(tmp_path: Path, postgres_url):
    """The same through the real Store on a fresh database of each kind."""
    async with Store(str(tmp_path / "store.db")), Store(postgres_url):
        pass
    lite = sqlite3.connect(tmp_path / "store.db")
    try:
        sqlite = sqlite_schema(lite)
    finally:
        lite.close()
    got = postgres_schema({name: query(postgres_url, sql) for name, sql in
                           (("columns", _PG_COLUMNS), ("indexes", _PG_INDEXES),
                            ("foreign", _PG_FOREIGN))})
    assert_same(got, sqlite, "after all migrations")
    assert {table for table, _ in TABLES} <= sqlite.tables()  # what the comparison covered


def test_a_drifted_twin_is_caught():
    """The comparison itself: a column the PostgreSQL twin forgot, or typed otherwise, shows."""
    lite = sqlite3.connect(":memory:")
    try:
        lite.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT "
                           "NULL, n INTEGER DEFAULT 0); CREATE INDEX t_at ON t(at);")
        sqlite = sqlite_schema(lite)
    finally:
        lite.close()  # Python 3.13 warns of an unclosed connection when it is collected
    right = {"columns": [("t", "id", "bigint", True, None, True, False),
                         ("t", "at", "double precision", True, None, False, False),
                         ("t", "n", "integer", False, "0", False, False)],
             "indexes": [("t_pkey", "t", True, True, True, ["id"]),
                         ("t_at", "t", False, False, False, ["at"])],
             "foreign": []}
    assert_same(postgres_schema(right), sqlite, "right")
    wrong_type = {**right, "columns": [*right["columns"][:1],
                                       ("t", "at", "real", True, None, False, False),
                                       *right["columns"][2:]]}
    forgotten = {**right, "columns": right["columns"][:2]}
    no_index = {**right, "indexes": right["indexes"][:1]}
    for drifted in (wrong_type, forgotten, no_index):
        with pytest.raises(AssertionError):
            assert_same(postgres_schema(drifted), sqlite, "drifted")
