"""The admin UI's long-lived state, built once at start-up and kept under one AppKey."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
from aiohttp import web

from ..analysis import Analyzer
from ..auth import KeyAuthenticator
from ..constants import DEFAULT_PROJECT
from ..store import Store
from .limits import PROJECT_PATTERN
from .playground import Warmup
from .recent import ScoreRecorder
from .sessions import Sessions
from .stats import StatsRecorder
from .users import Clock, Logins

PROJECT_NAME = re.compile(PROJECT_PATTERN)


@dataclass
class Admin:
    store: Store
    analyzer: Analyzer
    classifier: Any  # the engine's MicroBatcher: .classify(text), .engine
    auth: KeyAuthenticator
    clock: Clock
    logins: Logins
    sessions: Sessions
    stats: StatsRecorder
    traffic: ScoreRecorder  # recent scores, for flag rates at any threshold
    templates: jinja2.Environment
    dispatcher: Any = None  # the webhook Dispatcher, None when delivery is disabled
    usage: Any = None  # the auth.Usage counter (per-key counts and limits)
    warmup: Warmup = field(default_factory=Warmup)  # the Playground's detectors

    async def projects(self) -> list[str]:
        """List project names, always including the default project."""
        names = set(await self.store.projects.names())
        names.add(DEFAULT_PROJECT)
        return sorted(names)


ADMIN = web.AppKey("admin", Admin)


def valid_project(name: str) -> bool:
    """Return whether a project name is acceptable in paths and queries."""
    return bool(PROJECT_NAME.fullmatch(name))
