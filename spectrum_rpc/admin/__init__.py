"""The admin web UI and its JSON API: users, sessions, audit log, dashboard, playground, keys,
webhooks, feedback and settings, scoped to a project."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from . import api, pages, webhooks
from .pages import environment
from .sessions import Sessions
from .state import ADMIN, Admin
from .stats import StatsRecorder
from .users import Clock, Logins, Throttle

__all__ = ["ADMIN", "Admin", "setup"]


def setup(app: web.Application, *, store: web.AppKey, services: web.AppKey,
          classifier: web.AppKey, auth: web.AppKey, dispatcher: web.AppKey) -> None:
    """Add the admin routes and a cleanup context that builds the admin state.

    Call after the contexts providing the resources named by the keys (`dispatcher` may be
    absent: webhook delivery can be disabled).
    """

    async def admin_ctx(app: web.Application) -> AsyncIterator[None]:
        app[ADMIN] = state = build(app[store], app[services], app[classifier], app[auth])
        state.dispatcher = app.get(dispatcher)
        app[services].listeners.append(state.stats)
        state.stats.start()
        yield
        await state.stats.close()

    app.cleanup_ctx.append(admin_ctx)
    api.add_routes(app, webhooks.ROUTES)
    pages.add_routes(app)


def build(store: Any, services: Any, classifier: Any, auth: Any) -> Admin:
    """Wire the admin state from the app's resources."""
    clock = Clock()
    return Admin(
        store=store, services=services, classifier=classifier, auth=auth, clock=clock,
        logins=Logins(store, clock, Throttle(clock)),
        sessions=Sessions(store, clock),
        stats=StatsRecorder(store, clock),
        templates=environment(),
    )
