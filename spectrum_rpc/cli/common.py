"""Helpers shared by the command groups: settings from flags, running against the store."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
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


def format_time(ts: float | None) -> str:
    """Format a UNIX time as ISO-8601 UTC, or '-' when absent."""
    from datetime import UTC, datetime

    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
