"""Versioned schema migrations, applied in order at start-up and tracked in PRAGMA user_version.

Append new migrations at the end; never edit one that has shipped.
"""

MIGRATIONS: list[str] = [
    # 1: projects, API keys, feedback
    """
    CREATE TABLE projects (
        name        TEXT PRIMARY KEY,
        created_at  REAL NOT NULL,
        settings    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE api_keys (
        id            TEXT PRIMARY KEY,
        project       TEXT NOT NULL REFERENCES projects(name),
        name          TEXT NOT NULL,
        prefix        TEXT NOT NULL,
        key_hash      TEXT NOT NULL UNIQUE,
        created_at    REAL NOT NULL,
        last_used_at  REAL,
        revoked_at    REAL
    );
    CREATE TABLE feedback (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        project       TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        created_at    REAL NOT NULL,
        content       TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        should_block  INTEGER NOT NULL,
        labels        TEXT,
        meta          TEXT,
        excluded      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX feedback_project_time ON feedback(project, created_at);
    CREATE INDEX feedback_sha ON feedback(project, content_sha256);
    """,
]
