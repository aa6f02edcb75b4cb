"""The JSON admin API under /api/v1/admin/: what the pages call, described by openapi.json."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ..analysis import FilterError, ThresholdError, threshold_pairs
from ..auth import create_key
from ..body import BodyRefused
from . import audit, bodies, review
from .access import api_error, api_route, principal
from .filters import check_filter
from .limits import AUDIT_LIMIT, KEY_NAME_LENGTH, MAX_ROW_ID
from .openapi import document
from .playground import analyze, explain, model_version
from .state import ADMIN, Admin, valid_project

PREFIX = "/api/v1/admin"


class BadRequest(Exception):
    """The request body or a parameter is unacceptable; the message says why, `status` (400
    unless the body was too large) and `headers` go with the answer."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def admin(request: web.Request) -> Admin:
    """Return the admin state of the app serving this request."""
    return request.app[ADMIN]


def project_of(request: web.Request) -> str:
    """Return the {project} path parameter, refusing malformed names."""
    name = request.match_info["project"]
    if not valid_project(name):
        raise BadRequest("project names are 1-64 letters, digits, '.', '_' or '-'")
    return name


def whole_number(text: str, name: str, least: int, most: int | None = None) -> int:
    """Return a query parameter's digits as a number in [least, most]; raise BadRequest."""
    value = int(text) if text.isascii() and text.isdigit() else None
    if value is None or value < least or (most is not None and value > most):
        bounds = f"from {least} to {most}" if most is not None else f"from {least} on"
        raise BadRequest(f"{name} must be a whole number {bounds}")
    return value


def limit_param(request: web.Request, default: int, most: int) -> int:
    """Return the ?limit= query parameter, between 1 and `most`."""
    given = request.query.get("limit")
    return default if given is None else whole_number(given, "limit", 1, most)


def only(data: dict[str, Any], *known: str) -> dict[str, Any]:
    """Refuse a body with a field this operation does not know (a typo would be ignored)."""
    for name in data:
        if name not in known:
            raise BadRequest(f"unknown field {name[:40]!r}; known: {', '.join(known)}")
    return data


async def body(request: web.Request) -> dict[str, Any]:
    """Parse a JSON object body."""
    try:
        raw = await bodies.read(request)
    except BodyRefused as refused:
        raise BadRequest(refused.reason, refused.status, refused.headers) from None
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def ok(data: Any, status: int = 200) -> web.Response:
    """Return a JSON answer."""
    return web.json_response(data, status=status, dumps=lambda v: orjson.dumps(v).decode())


async def act(request: web.Request, action: str, **fields: Any) -> None:
    """Record an admin action in the audit log."""
    await audit.record(admin(request).store, request, principal(request).name, action, **fields)


def handles_bad_requests(handler):  # type: ignore[no-untyped-def]
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadRequest as exc:
            response = api_error(exc.status, str(exc))
            response.headers.update(exc.headers)
            return response

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


# -- session and projects ---------------------------------------------------------------------


async def get_me(request: web.Request) -> web.Response:
    """The logged-in user and the CSRF token to send with changes."""
    who = principal(request)
    return ok({"user": who.name, "csrf_token": who.csrf,
               "model_version": model_version(admin(request).classifier)})


async def get_projects(request: web.Request) -> web.Response:
    """List projects."""
    return ok({"projects": await admin(request).projects()})


async def get_audit(request: web.Request) -> web.Response:
    """List audit entries, newest first."""
    limit = limit_param(request, 100, AUDIT_LIMIT)
    entries = await admin(request).store.admin.audit_log(limit)
    return ok({"entries": [{**e.__dict__, "at": review.iso(e.at)} for e in entries]})


# -- API keys ---------------------------------------------------------------------------------


def _key_dict(k: Any) -> dict[str, Any]:
    return {"id": k.id, "project": k.project, "name": k.name, "prefix": k.prefix,
            "created_at": review.iso(k.created_at), "last_used_at": review.iso(k.last_used_at),
            "revoked_at": review.iso(k.revoked_at)}


async def list_keys(request: web.Request) -> web.Response:
    """List a project's API keys (never the keys themselves)."""
    keys = await admin(request).store.keys.list(project_of(request))
    return ok({"keys": [_key_dict(k) for k in keys]})


async def create_api_key(request: web.Request) -> web.Response:
    """Create a key; the answer holds the key itself, shown this once."""
    project = project_of(request)
    name = only(await body(request), "name").get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > KEY_NAME_LENGTH:
        raise BadRequest(f"give the key a name: a string of 1-{KEY_NAME_LENGTH} characters, "
                         "not only spaces")
    name = name.strip()
    new = await create_key(admin(request).store, name, project)
    await act(request, "key.create", project=project, target=new.id, detail={"name": name})
    record = await admin(request).store.keys.get(new.id)
    return ok({**_key_dict(record), "key": new.key}, 201)


async def revoke_key(request: web.Request) -> web.Response:
    """Revoke a key; it stops working at once in this process."""
    key_id = request.match_info["key_id"]
    state = admin(request)
    record = await state.store.keys.get(key_id)
    if record is None or not await state.store.keys.revoke(key_id):
        return api_error(404, "no active key with this id")
    state.auth.forget()
    await act(request, "key.revoke", project=record.project, target=key_id)
    return ok({"revoked": key_id})


# -- settings and playground --------------------------------------------------------------------


async def get_settings(request: web.Request) -> web.Response:
    """A project's effective thresholds (`thresholds`: each label's reject threshold, where it
    has one; `pairs`: every label's {reject, review}, null where off; `own`: what the project
    set of them, as stored: a label or field absent follows the server's default), webhook text
    setting and filter (complete)."""
    policies = admin(request).analyzer.policies
    policy = await policies.get(project_of(request))
    return ok({"thresholds": policy.thresholds, "pairs": threshold_pairs(policy.pairs),
               "own": await policies.own_thresholds(project_of(request)),
               "include_text": policy.include_text, "filter": policy.filter})


async def put_settings(request: web.Request) -> web.Response:
    """Change a project's thresholds, whether webhook payloads include the text, and/or its
    filter (a partial filter object, over the current one)."""
    project = project_of(request)
    data = only(await body(request), "thresholds", "include_text", "filter")
    if not data:
        raise BadRequest("give thresholds, include_text and/or filter")
    changes: dict[str, Any] = {}
    if "include_text" in data:
        if not isinstance(data["include_text"], bool):
            raise BadRequest("include_text must be true or false")
        changes["include_text"] = data["include_text"]
    policies = admin(request).analyzer.policies
    if "thresholds" in data:  # checked before anything is stored: a bad pair changes nothing
        try:
            changes["thresholds"] = await policies.merge_thresholds(project, data["thresholds"])
        except ThresholdError as exc:
            raise BadRequest(str(exc)) from None
    if "filter" in data:  # validated (and stored) first: a bad filter changes nothing
        try:
            check_filter(data["filter"])
            await policies.change_filter(project, data["filter"])
        except FilterError as exc:
            raise BadRequest(f"{exc.path} {exc.reason}") from None
    if changes:
        await admin(request).store.projects.update_settings(project, changes)
    policies.forget(project)
    audited = {**changes, **({"filter": data["filter"]} if "filter" in data else {})}
    await act(request, "settings.update", project=project, detail=audited)
    return await get_settings(request)


async def post_playground(request: web.Request) -> web.Response:
    """Score a text as classifyText would for this project, and run every detector over it at
    the project's modes (nothing is recorded or sent)."""
    project = project_of(request)
    text = only(await body(request), "text").get("text")
    if not isinstance(text, str) or not text:
        raise BadRequest("text must be a non-empty string")
    state = admin(request)
    policy = await state.analyzer.policies.get(project)
    loading = () if await state.warmup.ready(state.analyzer) else ("spelling",)
    return ok({**await explain(state.classifier, policy, project, text),
               **await analyze(state.analyzer, policy, project, text, loading)})


# -- feedback ---------------------------------------------------------------------------------


def _query(request: web.Request, project: str) -> Any:
    try:
        return review.parse_query(project, request.query)
    except ValueError as exc:
        raise BadRequest(f"bad filter: {exc}") from None


async def list_feedback(request: web.Request) -> web.Response:
    """Browse feedback with filters, each row with the current model's verdict."""
    project = project_of(request)
    state = admin(request)
    rows, total = await state.store.admin.search_feedback(_query(request, project))
    policy = await state.analyzer.policies.get(project)
    items = await review.with_verdicts(state.classifier, policy, rows)
    return ok({"total": total, "items": items})


async def exclude_feedback(request: web.Request) -> web.Response:
    """Exclude a row from training (or include it again with {"excluded": false})."""
    row_id = int(request.match_info["feedback_id"])
    if row_id > MAX_ROW_ID:
        return api_error(404, "no feedback row with this id")
    excluded = only(await body(request), "excluded").get("excluded", True)
    if not isinstance(excluded, bool):
        raise BadRequest("excluded must be true or false")
    if not await admin(request).store.feedback.set_excluded([row_id], excluded):
        return api_error(404, "no feedback row with this id")
    await act(request, "feedback.exclude" if excluded else "feedback.include",
              target=str(row_id))
    return ok({"id": row_id, "excluded": excluded})


async def export_feedback(request: web.Request) -> web.StreamResponse:
    """Download the filtered feedback as JSONL or CSV."""
    project = project_of(request)
    fmt = request.query.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        raise BadRequest("format is jsonl or csv")
    query = _query(request, project)
    await act(request, "feedback.export", project=project, detail={"format": fmt})
    kind = "text/csv" if fmt == "csv" else "application/x-ndjson"
    response = web.StreamResponse(headers={
        "Content-Type": f"{kind}; charset=utf-8",
        "Content-Disposition": f'attachment; filename="feedback-{project}.{fmt}"',
        "Cache-Control": "no-store",
    })
    await response.prepare(request)
    async for chunk in review.export(admin(request).store, query, fmt):
        await response.write(chunk)
    await response.write_eof()
    return response


# -- dashboard --------------------------------------------------------------------------------


async def get_stats(request: web.Request) -> web.Response:
    """Per-minute classification counts for the last 24 hours."""
    rows = await admin(request).stats.series(project_of(request))
    return ok({"minutes": [r.__dict__ for r in rows]})


async def get_openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3 description of this API."""
    return ok(document())


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/me", get_me),
    ("GET", "/projects", get_projects),
    ("GET", "/audit", get_audit),
    ("GET", "/projects/{project}/keys", list_keys),
    ("POST", "/projects/{project}/keys", create_api_key),
    ("POST", "/keys/{key_id}/revoke", revoke_key),
    ("GET", "/projects/{project}/settings", get_settings),
    ("PUT", "/projects/{project}/settings", put_settings),
    ("POST", "/projects/{project}/playground", post_playground),
    ("GET", "/projects/{project}/feedback", list_feedback),
    ("GET", "/projects/{project}/feedback/export", export_feedback),
    ("POST", "/feedback/{feedback_id:[0-9]+}/exclude", exclude_feedback),
    ("GET", "/projects/{project}/stats", get_stats),
]


def add_routes(app: web.Application, extra: list[tuple[str, str, Any]] = ()) -> None:
    """Register the admin API (every route behind a session) and its OpenAPI document."""
    for method, path, handler in [*ROUTES, *extra]:
        app.router.add_route(method, PREFIX + path, api_route(handles_bad_requests(handler)))
    app.router.add_get(PREFIX + "/openapi.json", get_openapi)
