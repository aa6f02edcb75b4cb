"""The admin web UI and its JSON API: users, sessions, audit log, dashboard, playground, keys,
webhooks, feedback and settings, scoped to a project."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..resources import ANALYZER, AUTH, CLASSIFIER, DISPATCHER, STORE, USAGE
from . import api, bodies, pages, usage, webhooks
from .access import api_error
from .api import PREFIX as API_PREFIX
from .pages import environment
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
        app[ADMIN] = state = build(app[STORE], app[ANALYZER], app[CLASSIFIER], app[AUTH])
        state.dispatcher = app.get(DISPATCHER)
        state.usage = app.get(USAGE)
        app[ANALYZER].listeners.append(state.stats)
        state.stats.start()
        yield
        await state.stats.close()

    bodies.setup(app)
    app.cleanup_ctx.append(admin_ctx)
    api.add_routes(app, [*webhooks.ROUTES, *usage.ROUTES])
    pages.add_routes(app)


def build(store: Any, analyzer: Any, classifier: Any, auth: Any) -> Admin:
    """Wire the admin state from the app's resources."""
    clock = Clock()
    return Admin(
        store=store, analyzer=analyzer, classifier=classifier, auth=auth, clock=clock,
        logins=Logins(store, clock, Throttle(clock)),
        sessions=Sessions(store, clock),
        stats=StatsRecorder(store, clock),
        templates=environment(),
    )
