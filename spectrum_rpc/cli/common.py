"""Helpers shared by the command groups: settings from flags, running against the store."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from ..settings import Settings, load_settings
from ..store import Store

T = TypeVar("T")


def settings_from(args: argparse.Namespace, **sections: dict[str, Any]) -> Settings:
    """Load settings: defaults < --config file < environment < flags (--db and `sections`)."""
    overrides: dict[str, dict[str, Any]] = {k: v for k, v in sections.items() if v}
    if getattr(args, "db", None):
        overrides.setdefault("store", {})["path"] = args.db
    return load_settings(getattr(args, "config", None), overrides=overrides)


def with_store(settings: Settings, action: Callable[[Store], Awaitable[T]]) -> T:
    """Open the store, run an async action on it, close the store, return the result."""

    async def run() -> T:
        async with Store.from_settings(settings.store) as store:
            return await action(store)

    return asyncio.run(run())


def cli_actor() -> str:
    """Return who the audit log says did a CLI action: `cli:` and the OS user's name."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (e.g. in a container)
        return f"cli:uid={os.getuid()}"


async def audit(
    store: Store,
    action: str,
    *,
    project: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record a CLI action in the audit log (never a secret, a key or user text in `detail`)."""
    await store.admin.audit(cli_actor(), action, project=project, target=target, detail=detail)


def format_time(ts: float | None) -> str:
    """Format a UNIX time as ISO-8601 UTC, or '-' when absent."""
    from datetime import UTC, datetime

    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
