"""The HTML pages: rendered on the server, enhanced by admin.js which calls the admin API."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from ..analysis import FILTER_TYPES, MODES, default_filter
from ..body import TOO_LARGE, BodyRefused
from ..constants import DEFAULT_PROJECT
from ..labels import DECIDED, SPECTRUM_FIELDS
from ..store import MAX_ACTOR_CHARS, StatsRow, WebhookHealth
from ..webhooks import EVENT_NAMES, NotFound
from ..webhooks import management as webhook_ops
from . import audit, charts, review
from .access import LOGIN_PATH, SECURITY_HEADERS, page_route, principal
from .api import PREFIX
from .bodies import read_form
from .limits import ACTORS_LIMIT
from .playground import model_version
from .sessions import COOKIE, CSRF_FIELD, LOGIN_COOKIE, csrf_ok
from .state import ADMIN, Admin, valid_project
from .usage import month_figures
from .webhooks import deliveries

HERE = Path(__file__).parent
NAV = [("dashboard", "/admin/", "Dashboard"), ("playground", "/admin/playground", "Playground"),
       ("keys", "/admin/keys", "API keys"), ("webhooks", "/admin/webhooks", "Webhooks"),
       ("feedback", "/admin/feedback", "Feedback"), ("actors", "/admin/actors", "Actors"),
       ("settings", "/admin/settings", "Settings"),
       ("audit", "/admin/audit", "Audit log")]


def environment() -> jinja2.Environment:
    """Return the template environment (autoescaping on)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["iso"] = review.iso
    env.filters["pct"] = lambda v: f"{v:.0%}"
    env.globals["urlencode"] = urlencode
    return env


def html(admin: Admin, template: str, status: int = 200, **context: Any) -> web.Response:
    """Render a template into a response carrying the security headers."""
    body = admin.templates.get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html",
                        headers=SECURITY_HEADERS)


def project_param(request: web.Request) -> str:
    """Return the ?project= of a page (the default project when absent or malformed)."""
    name = request.query.get("project", DEFAULT_PROJECT)
    return name if valid_project(name) else DEFAULT_PROJECT


async def render(request: web.Request, template: str, page: str, **context: Any) -> web.Response:
    """Render a logged-in page with the layout's context (user, CSRF token, project switcher)."""
    admin = request.app[ADMIN]
    project = project_param(request)
    who = principal(request)
    return html(admin, template, page=page, nav=NAV, user=who.name, csrf=who.csrf,
                request_path=request.path,
                project=project, projects=await admin.projects(), api=PREFIX,
                model_version=model_version(admin.classifier, project), **context)


def redirect(location: str) -> web.Response:
    """Return a 303 See Other (a response, so that cookies can be set on it)."""
    return web.Response(status=303, headers={"Location": location, **SECURITY_HEADERS})


# -- login ------------------------------------------------------------------------------------


def _next(value: str | None) -> str:
    # Only same-site paths: an open redirect would help phishing.
    return value if value and value.startswith("/admin") and "//" not in value else "/admin/"


async def login_form(request: web.Request, error: str = "", status: int = 200,
                     next_path: str | None = None) -> web.Response:
    """GET /admin/login: the form, with a login CSRF token bound to a short-lived cookie."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = html(request.app[ADMIN], "login.html", status, csrf=token, error=error,
                    next=_next(next_path or request.query.get("next")))
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path=LOGIN_PATH, httponly=True,
                        samesite="Strict", secure=request.secure)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /admin/login: check the password (throttled), start a session, redirect."""
    admin = request.app[ADMIN]
    try:
        form = await read_form(request)
    except BodyRefused as refused:
        error = ("The form is too large." if refused.status == TOO_LARGE
                 else "The form could not be read; please try again.")
        response = await login_form(request, error, refused.status)
        response.headers.update(refused.headers)
        return response
    target = _next(str(form.get("next", "")))
    if not csrf_ok(str(form.get(CSRF_FIELD, "")), request.cookies.get(LOGIN_COOKIE, "")):
        return await login_form(request, "The form expired; please try again.", 403, target)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    address = request.remote or "unknown"
    result = await admin.logins.login(name, password, address)
    if result.user is None:
        # Only a known name is recorded: people do type passwords into the name field.
        known = await admin.store.admin.user_by_name(name) is not None
        await admin.store.admin.audit(name if known else "(unknown user)", "login.failed",
                                      address=address)
        if result.retry_after:
            error = f"Too many failed attempts. Try again in {int(result.retry_after) + 1} s."
            return await login_form(request, error, 429, target)
        return await login_form(request, "Wrong user name or password.", 401, target)
    raw = await admin.sessions.start(result.user.id)
    await admin.store.admin.audit(result.user.name, "login", address=address)
    response = redirect(target)
    admin.sessions.set_cookie(request, response, raw)
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@page_route
async def logout(request: web.Request) -> web.StreamResponse:
    """POST /admin/logout: end the session."""
    admin = request.app[ADMIN]
    who = principal(request)
    await admin.sessions.end(who.raw)
    await audit.record(admin.store, request, who.name, "logout")
    response = redirect(LOGIN_PATH)
    response.del_cookie(COOKIE, path="/")
    return response


# -- pages ------------------------------------------------------------------------------------


DAY = 86400.0


def traffic(rows: list[StatsRow], now_minute: int) -> dict[str, Any]:
    """Return the dashboard's traffic figures and charts from per-minute counts."""
    by_minute = {r.minute: r.total for r in rows}
    series = [by_minute.get(m, 0) for m in range(now_minute - 24 * 60 + 1, now_minute + 1)]
    total = sum(r.total for r in rows)
    flagged = {label: sum(getattr(r, decision) for r in rows)
               for label, (decision, _) in SPECTRUM_FIELDS.items()}
    shares = [(label, (count / total) if total else 0.0) for label, count in flagged.items()]
    return {
        "total": total, "flagged": flagged,
        "traffic_chart": charts.per_minute(series, "Classifications per minute, last 24 hours"),
        "share_chart": charts.shares(shares, "Share flagged per label, last 24 hours"),
    }


def delivery_health(health: WebhookHealth) -> dict[str, Any]:
    """Return the dashboard's webhook figures."""
    return {
        "queue_depth": health.queued,
        "success_rate": health.successes / health.attempts if health.attempts else None,
        "slowest": [{"id": r.webhook_id, "url": r.url, "latency_ms": r.mean_latency * 1000,
                     "attempts": r.attempts} for r in health.slowest],
    }


@page_route
async def dashboard(request: web.Request) -> web.Response:
    """GET /admin/: traffic, flag shares, feedback, webhooks, model version."""
    admin = request.app[ADMIN]
    project = project_param(request)
    since = admin.clock() - DAY
    figures = traffic(await admin.stats.series(project), int(admin.clock() // 60))
    health = await admin.store.admin.webhook_health(project, since)
    return await render(
        request, "dashboard.html", "dashboard", **figures, webhooks=delivery_health(health),
        feedback_day=await admin.store.admin.feedback_since(project, since),
        feedback_total=await admin.store.feedback.count(project),
        **await _usage(admin, project))


async def _usage(admin: Admin, project: str) -> dict[str, Any]:
    """Return the usage panel's figures (none when usage counting is not running)."""
    if admin.usage is None:
        return {"usage_month": None, "usage_keys": [], "usage_projects": []}
    return await month_figures(admin.usage, admin.store, project)


@page_route
async def playground(request: web.Request) -> web.Response:
    """GET /admin/playground: type a text, see what classifyText would answer, and every
    detector's output (whose state starts loading now, while the admin types)."""
    admin = request.app[ADMIN]
    admin.warmup.start(admin.analyzer)
    policy = await admin.analyzer.policies.get(project_param(request))
    return await render(request, "playground.html", "playground", thresholds=policy.thresholds)


@page_route
async def keys(request: web.Request) -> web.Response:
    """GET /admin/keys: create, list and revoke API keys."""
    admin = request.app[ADMIN]
    project = project_param(request)
    records = await admin.store.keys.list(project)
    return await render(request, "keys.html", "keys", keys=list(reversed(records)),
                        **await _usage(admin, project))


@page_route
async def settings(request: web.Request) -> web.Response:
    """GET /admin/settings: thresholds per label, the project's filter, webhook privacy."""
    policies = request.app[ADMIN].analyzer.policies
    policy = await policies.get(project_param(request))
    own = await policies.own_thresholds(project_param(request))
    return await render(request, "settings.html", "settings", policy=policy, decided=DECIDED,
                        own=own,
                        filter_types=FILTER_TYPES, modes=MODES,
                        name_components=default_filter()["name"]["components"],
                        switched=[k for k in policy.filter if k not in FILTER_TYPES])


@page_route
async def feedback(request: web.Request) -> web.Response:
    """GET /admin/feedback: browse, compare with the model, exclude, export."""
    admin = request.app[ADMIN]
    project = project_param(request)
    given = {k: v for k, v in request.query.items() if v}  # the form sends empty fields
    try:
        query = review.parse_query(project, given)
    except ValueError:
        query = review.parse_query(project, {})
    rows, total = await admin.store.admin.search_feedback(query)
    policy = await admin.analyzer.policies.get(project)
    items = await review.with_verdicts(admin.classifier, policy, rows)
    names = ("should_block", "label", "since", "until", "q")
    filters = {k: request.query.get(k, "") for k in names}
    chosen = {k: v for k, v in filters.items() if v}  # for links: the API refuses empty ones
    page = query.offset // query.limit + 1
    return await render(request, "feedback.html", "feedback", items=items, total=total,
                        filters=filters, chosen=chosen, page_no=page,
                        pages=max(1, -(-total // query.limit)),
                        labels=["toxic", "sexual", "phishing", "profanity", "insult",
                                "harassment", "hate", "threat", "violence", "self_harm"])


@page_route
async def webhooks_page(request: web.Request) -> web.Response:
    """GET /admin/webhooks: list and create webhooks."""
    views = await webhook_ops.list_webhooks(request.app[ADMIN].store, project_param(request))
    return await render(request, "webhooks.html", "webhooks", webhooks=views,
                        event_names=EVENT_NAMES)


@page_route
async def webhook_page(request: web.Request) -> web.Response:
    """GET /admin/webhooks/{id}: edit, test, secrets, the delivery log and replays."""
    store = request.app[ADMIN].store
    try:
        view = await webhook_ops.get_webhook(store, request.match_info["id"])
    except NotFound:
        raise web.HTTPNotFound(reason="no such webhook") from None
    log = await deliveries(store, view.id, limit=50)
    return await render(request, "webhook.html", "webhooks", hook=view, deliveries=log,
                        event_names=EVENT_NAMES)


@page_route
async def actors_page(request: web.Request) -> web.Response:
    """GET /admin/actors: a project's actors with their totals; ?actor= one actor's history."""
    store = request.app[ADMIN].store
    project = project_param(request)
    chosen = request.query.get("actor", "")
    history = None
    if chosen and len(chosen) <= MAX_ACTOR_CHARS:
        history = await store.actors.history(project, chosen)
    return await render(request, "actors.html", "actors",
                        actors=await store.actors.list(project, ACTORS_LIMIT),
                        chosen=chosen, history=history)


@page_route
async def audit_log(request: web.Request) -> web.Response:
    """GET /admin/audit: who did what, when."""
    entries = await request.app[ADMIN].store.admin.audit_log(200)
    return await render(request, "audit.html", "audit", entries=entries)


async def to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/admin/")


def add_routes(app: web.Application) -> None:
    """Register the pages and the static files."""
    app.router.add_get("/admin", to_dashboard)
    app.router.add_get(LOGIN_PATH, login_form)
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post("/admin/logout", logout)
    app.router.add_get("/admin/", dashboard)
    app.router.add_get("/admin/playground", playground)
    app.router.add_get("/admin/keys", keys)
    app.router.add_get("/admin/settings", settings)
    app.router.add_get("/admin/feedback", feedback)
    app.router.add_get("/admin/actors", actors_page)
    app.router.add_get("/admin/audit", audit_log)
    app.router.add_get("/admin/webhooks", webhooks_page)
    app.router.add_get("/admin/webhooks/{id}", webhook_page)
    app.router.add_static("/admin/static", HERE / "static")
