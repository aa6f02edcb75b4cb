"""The store: every SQL statement of the service, behind one small interface.

`Store` groups one repository per table family over a shared database: `Database` (a SQLite
file, one writer with group commit, one reader) or `PostgresDatabase` (a `postgresql://` URL, a
connection pool, group commit per process). Both take `(sql, params)` statements with `?`
placeholders and say which SQL dialect they speak (`db.dialect`), so each repository module keeps
its SQL portable, or both spellings side by side where the dialects differ.
Webhook secrets are sealed by the `SecretBox` given (see `encryption`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

from .actors import MAX_ACTOR_CHARS, ActorEvent, ActorHistory, ActorRecord, ActorStore
from .admin import AdminStore, FeedbackQuery, SessionRecord, StatsRow, UserRecord, WebhookHealth
from .changes import EVERYTHING, KEYS, LIMITS, MODELS, SETTINGS, WEBHOOKS, Listener, concerns
from .database import (
    Database,
    Statement,
    StoreFull,
    StoreOpenError,
    StoreRefused,
    StoreUnavailable,
    now,
)
from .encryption import KEY_SETTINGS, MasterKeyError, SecretBox, generate_key, load_secret_box
from .feedback import FeedbackRecord, FeedbackStore
from .keys import KeyRecord, KeyStore
from .migrate import copy_tables
from .model_versions import GLOBAL, ModelRecord, ModelStore, lock_key
from .postgres import PostgresDatabase, is_url, mask
from .projects import ProjectStore
from .traffic import SCORE_COLUMNS, FlagCounts, Sample, TrafficStore
from .usage import NO_LIMITS, Count, KeyLimits, KeyMonth, UsageStore
from .webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    AttemptRecord,
    Claim,
    DeliveryRecord,
    WebhookRecord,
    WebhookStore,
)

__all__ = [
    "MAX_ACTOR_CHARS", "ActorEvent", "ActorHistory", "ActorRecord", "ActorStore",
    "DELIVERED", "FAILED", "GLOBAL", "PENDING", "AttemptRecord", "Claim", "Database",
    "DeliveryRecord", "FeedbackQuery", "FeedbackRecord", "KeyRecord", "ModelRecord",
    # usage counts and per-key limits
    "NO_LIMITS", "Count", "KeyLimits", "KeyMonth",
    "SessionRecord", "Statement", "StatsRow", "Store", "UserRecord", "WebhookHealth",
    "WebhookRecord", "now",
    # the database file, and the master key that seals webhook secrets
    "KEY_SETTINGS", "MasterKeyError", "SecretBox", "StoreConfig", "StoreOpenError",
    # a write refused because the disk is full (nothing stored; retry once there is room)
    "StoreFull",
    # ... or the database cannot be reached (nothing done; the store reconnects by itself);
    # both are StoreRefused
    "StoreUnavailable", "StoreRefused",
    "generate_key", "load_secret_box",
    # PostgreSQL: whether a store location is a URL, and the URL without its password
    "PostgresDatabase", "is_url", "mask",
    # `store migrate`: a SQLite store copied into a PostgreSQL one
    "copy_tables",
    # recent traffic's scores (no text), for flag rates at any threshold
    "SCORE_COLUMNS", "FlagCounts", "Sample",
    # changes announced to every process (PostgreSQL LISTEN/NOTIFY): topics, and the test
    "EVERYTHING", "KEYS", "LIMITS", "MODELS", "SETTINGS", "WEBHOOKS", "Listener", "concerns",
]


class StoreConfig(Protocol):
    """What `Store.from_settings` reads: the `[store]` settings (the store imports no settings)."""

    @property
    def path(self) -> str: ...
    @property
    def synchronous(self) -> str: ...
    @property
    def commit_max_batch(self) -> int: ...
    @property
    def master_key(self) -> str: ...
    @property
    def master_key_file(self) -> str: ...
    @property
    def pool_size(self) -> int: ...
    @property
    def liveness_timeout(self) -> float: ...


class Store:
    """The service's persistent state; use as `async with Store(path) as store:`.

    `path` is a SQLite file, or a `postgresql://user@host:port/dbname` URL (the password in
    the URL, in PGPASSWORD or in ~/.pgpass).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "FULL",
        max_batch: int = 2000,
        secret_box: SecretBox | None = None,
        pool_size: int = 10,
        liveness_timeout: float = 10.0,
    ):
        self.db: Database | PostgresDatabase
        if is_url(path):
            self.db = PostgresDatabase(str(path), pool_size=pool_size, max_batch=max_batch,
                                       liveness_timeout=liveness_timeout)
        else:
            self.db = Database(path, synchronous=synchronous, max_batch=max_batch)
        self.keys = KeyStore(self.db)
        self.feedback = FeedbackStore(self.db)
        self.projects = ProjectStore(self.db)
        self.models = ModelStore(self.db)
        self.webhooks = WebhookStore(self.db, secret_box)
        self.admin = AdminStore(self.db)
        self.actors = ActorStore(self.db)
        self.usage = UsageStore(self.db)
        self.traffic = TrafficStore(self.db)

    @classmethod
    def from_settings(cls, settings: StoreConfig) -> Store:
        """Return the store the `[store]` settings describe, master key included."""
        box = load_secret_box(settings.master_key, settings.master_key_file)
        return cls(
            settings.path,
            synchronous=settings.synchronous,
            max_batch=settings.commit_max_batch,
            secret_box=box,
            pool_size=settings.pool_size,
            liveness_timeout=settings.liveness_timeout,
        )

    async def open(self) -> Store:
        """Open the database, apply migrations, and check (or seal) the stored secrets."""
        await self.db.open()
        try:
            await self.webhooks.prepare_secrets()
        except BaseException:
            await self.db.close()
            raise
        return self

    async def close(self) -> None:
        """Flush pending writes and close."""
        await self.db.close()

    async def __aenter__(self) -> Store:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def write(self, statements: list[Statement]) -> None:
        """Commit statements from several repositories in one shared transaction."""
        await self.db.write(statements)

    @property
    def shared(self) -> bool:
        """Whether other processes may share this store (PostgreSQL), so that state kept in
        memory (throttles, rate limits) must live in the database instead."""
        return isinstance(self.db, PostgresDatabase)

    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(topic, detail)` when any process announces a change (see `changes`);
        return the function that stops it. Never called on SQLite (one process)."""
        if isinstance(self.db, PostgresDatabase):
            return self.db.listen(listener)
        return lambda: None

    async def ping(self) -> bool:
        """Return whether the store answers."""
        return await self.db.ping()

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Run a block in one process at a time (e.g. the first start's key and admin user).

        On PostgreSQL, where several processes share the database, this waits for an
        advisory lock; a SQLite file has one server process, so there it only runs the block.
        """
        if isinstance(self.db, PostgresDatabase):
            async with self.db.locked(lock_key(name)):
                yield
        else:
            yield
