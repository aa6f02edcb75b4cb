"""The admin web UI and its JSON API: users, sessions, audit log, dashboard, playground, keys,
webhooks, feedback, actors and settings, scoped to a project."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..resources import ANALYZER, AUTH, CLASSIFIER, DISPATCHER, SETTINGS, STORE, USAGE
from . import actors, api, bodies, pages, traffic, usage, webhooks
from .access import api_error
from .api import PREFIX as API_PREFIX
from .pages import environment
from .recent import ScoreRecorder
from .sessions import Sessions
from .state import ADMIN, Admin
from .stats import StatsRecorder
from .users import (
    FIRST_USER,
    Clock,
    Logins,
    Throttle,
    check_new_password,
    create_user,
    ensure_first_user,
    hash_password,
)

__all__ = ["ADMIN", "API_PREFIX", "FIRST_USER", "Admin", "api_error", "check_new_password",
           "create_user", "ensure_first_user", "hash_password", "setup"]


def setup(app: web.Application) -> None:
    """Add the admin routes and a cleanup context that builds the admin state (call after
    the contexts providing the store, the classifier, the analyzer, the authenticator and,
    when webhook delivery is enabled, the dispatcher)."""

    async def admin_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS].admin
        app[ADMIN] = state = build(app[STORE], app[ANALYZER], app[CLASSIFIER], app[AUTH],
                                   settings.recent_scores, settings.recent_days)
        state.dispatcher = app.get(DISPATCHER)
        state.usage = app.get(USAGE)
        app[ANALYZER].listeners += [state.stats, state.traffic]
        state.stats.start()
        state.traffic.start()
        yield
        await state.warmup.close()
        await state.stats.close()
        await state.traffic.close()

    bodies.setup(app)
    app.cleanup_ctx.append(admin_ctx)
    api.add_routes(app, [*webhooks.ROUTES, *usage.ROUTES, *actors.ROUTES, *traffic.ROUTES])
    pages.add_routes(app)


def build(store: Any, analyzer: Any, classifier: Any, auth: Any, recent_scores: int = 10000,
          recent_days: float = 7.0) -> Admin:
    """Wire the admin state from the app's resources."""
    clock = Clock()
    return Admin(
        store=store, analyzer=analyzer, classifier=classifier, auth=auth, clock=clock,
        logins=Logins(store, clock, Throttle(clock)),
        sessions=Sessions(store, clock),
        stats=StatsRecorder(store, clock),
        traffic=ScoreRecorder(store, clock, recent_scores, recent_days),
        templates=environment(),
    )
