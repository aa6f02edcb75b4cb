"""moderationapi.com's API (reference document 001): `/api/v1/...` with `Authorization: Bearer
KEY`, answered in its shapes, so that an integration written for it works with only the host
and the key changed.

- `GET /api/v1/account`: this month's requests of the key (every API counts) and its monthly
  quota (`null`: none), from the usage counts (`auth.Usage`).
- `GET /api/v1/auth`, `GET /api/v1/projects`, `GET|POST /api/v1/projects/{id}`: a key belongs
  to one project, whose id is its name; the filter read and written is the project's filter
  (`analysis.filters`), the same one the admin UI and moderateText use.
- `POST /api/v1/moderation/text`: the personal data and profanity the project's filter enables,
  masked as it says.
- `POST /api/v1/analyze/{language,toxicity,quality,propriety}`: `label` and `label_scores`.
  A score is answered only for a label our analysis scores from labelled data; the others are
  left out and named in the `X-Unsupported-Labels` header, never invented. `NEUTRAL` is
  `1 - max(other scores)`, as the document's examples compute it, and `label` the highest.

Errors: the document's status codes, with a body `{"status": "error", "code", "message",
"issues"}` (`issues`: the fields at fault, as `[{"path", "message"}]`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from .. import labels as L
from ..analysis import FILTER_TYPES, LABELS_ONLY, LANGUAGE_ONLY, Analyzer, FilterError
from ..auth import REVOKED_KEY, LimitExceeded
from ..body import BodyRefused
from ..resources import ANALYZER, AUTH, BODIES, USAGE
from ..store import KeyRecord
from .errors import DialectError, guarded, sentence
from .responses import json_response

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
API = "moderationapi"  # this dialect's name in the usage counts
# The document's limit on `value`, in characters.
MAX_CHARS = 10_000
UNSUPPORTED_HEADER = "X-Unsupported-Labels"
# Each analyzer's labels (the document's names) -> our label names. NEUTRAL is derived.
ANALYZERS: dict[str, dict[str, str | None]] = {
    "toxicity": {"TOXICITY": L.TOXICITY, "SEVERE_TOXICITY": "severe_toxicity",
                 "THREAT": "threat", "PROFANITY": L.PROFANITY, "INSULT": "insult",
                 "IDENTITY_ATTACK": "identity_attack"},
    # No labelled data for incoherent or unsubstantial text, nor for flirtation.
    "quality": {"SPAM": L.PHISHING, "INCOHERENT": None, "UNSUBSTANTIAL": None},
    "propriety": {"FLIRTATION": None, "SEXUALLY_EXPLICIT": L.SEXUAL},
}
NEUTRAL = "NEUTRAL"
FOUND_BY_FILTER = frozenset({"pii", "profanity"})

_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          405: "METHOD_NOT_ALLOWED", 413: "BAD_REQUEST", 415: "BAD_REQUEST",
          429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE"}


class ApiError(DialectError):
    """An error in the document's shape (`path`: the field at fault, named in `issues`)."""

    def __init__(self, status: int, message: str, path: str | None = None,
                 headers: dict[str, str] | None = None):
        issues = [{"path": path, "message": message}] if path else []
        body = {"status": "error", "code": _CODES.get(status, "ERROR"), "message": message,
                "issues": issues}
        super().__init__(message, status, body, headers)


async def _refusal(request: web.Request, header: str | None) -> str:
    if not header:
        return "No API key: send `Authorization: Bearer API_KEY`."
    if await request.app[AUTH].refusal(header) == REVOKED_KEY:
        return "This API key was revoked: use another key (an admin can create one)."
    return ("Invalid API key: send `Authorization: Bearer API_KEY` with a key made with "
            "`spectrum-rpc keys create`.")


def _internal(request: web.Request, request_id: str) -> ApiError:
    return ApiError(500, f"We had a problem with our server (request id {request_id}). "
                    "Try again later.")


def _unavailable(request: web.Request, message: str, headers: dict[str, str]) -> ApiError:
    return ApiError(503, message, headers=headers)


def _handler(answer):  # type: ignore[no-untyped-def]
    """Wrap an endpoint: authenticate, answer errors in this API's shape, never leak one."""

    async def authenticated(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        key = await request.app[AUTH].authenticate(header)
        if key is None:
            raise ApiError(401, await _refusal(request, header))
        try:
            limited = await request.app[USAGE].admit(key, API)
        except LimitExceeded as refused:
            raise ApiError(429, sentence(refused.message), headers=refused.headers()) from None
        response = await answer(request, key)
        if limited is not None:  # a key with limits: RateLimit-* on every answer
            response.headers.update(limited)
        return response

    return guarded(authenticated, _internal, _unavailable, log)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        async with request.app[BODIES].receive(request) as body:
            data = orjson.loads(body) if body.strip() else {}
    except BodyRefused as refused:
        raise ApiError(refused.status, sentence(refused.reason), headers=refused.headers) from None
    except orjson.JSONDecodeError:
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


async def _value(request: web.Request) -> str:
    value = (await _json(request)).get("value")
    if not isinstance(value, str):
        raise ApiError(400, "`value` is required: the text to moderate, as a string.", "value")
    if len(value) > MAX_CHARS:
        raise ApiError(400, f"`value` has {len(value)} characters; the limit is "
                       f"{MAX_CHARS:,} per request.", "value")
    return value


# -- account, auth and projects ---------------------------------------------------------------


async def account(request: web.Request, key: KeyRecord) -> web.Response:
    """The key's usage this month and its monthly quota, in the document's account object."""
    used = await request.app[USAGE].report(key.id)
    created = datetime.fromtimestamp(key.created_at, UTC).isoformat(timespec="milliseconds")
    return json_response({
        "id": key.id, "created_at": created.replace("+00:00", "Z"),
        "paid_plan_name": "self-hosted",
        "text_api_quota": used.limits.quota or None,
        "text_api_usage_this_month": used.requests,
        "current_project": {"name": key.project},
    })


async def auth(request: web.Request, key: KeyRecord) -> web.Response:
    return json_response({"status": "success", "message": "Valid API key",
                          "project": key.project})


async def _project(request: web.Request, key: KeyRecord) -> dict[str, Any]:
    policy = await request.app[ANALYZER].policies.get(key.project)
    bearer = request.headers.get("Authorization", "").partition(" ")[2].strip()
    # Keys are stored hashed: the one the caller sent is the only one that can be shown.
    return {"_id": key.project, "filter": _document_filter(policy.filter), "name": key.project,
            "apiKey": bearer}


def _document_filter(project_filter: dict[str, Any]) -> dict[str, Any]:
    """The document's data types first, then our extensions in the same shape."""
    return {kind: project_filter[kind] for kind in (*FILTER_TYPES, *(
        k for k in project_filter if k not in FILTER_TYPES))}


def _own(request: web.Request, key: KeyRecord) -> None:
    if request.match_info["id"] != key.project:
        # A key belongs to one project: any other is, for this key, not there.
        raise ApiError(404, "No project with this id for this API key (a key belongs to one "
                       "project; its id is the project's name).", "id")


async def projects(request: web.Request, key: KeyRecord) -> web.Response:
    return json_response([await _project(request, key)])


async def get_project(request: web.Request, key: KeyRecord) -> web.Response:
    _own(request, key)
    return json_response(await _project(request, key))


async def post_project(request: web.Request, key: KeyRecord) -> web.Response:
    _own(request, key)
    data = await _json(request)
    for name, value in data.items():
        if name == "name" and value == key.project:
            continue  # unchanged: integrations send the whole project back
        if name != "filter":
            raise ApiError(400, f"`{str(name)[:100]}` cannot be changed through the API; only "
                           "`filter` can (a project is named when its first key is made).",
                           str(name)[:100])
    if "filter" in data:
        try:
            await request.app[ANALYZER].policies.change_filter(key.project, data["filter"])
        except FilterError as exc:
            raise ApiError(400, f"`{exc.path}` {exc.reason}.", exc.path) from None
    return json_response(await _project(request, key))


# -- moderation and analyzers -----------------------------------------------------------------


async def moderate_text(request: web.Request, key: KeyRecord) -> web.Response:
    value = await _value(request)
    analyzer: Analyzer = request.app[ANALYZER]
    options = (await analyzer.policies.get(key.project)).options
    options = options.overridden(detect=options.detect & FOUND_BY_FILTER)
    result = await analyzer.moderate(key.project, value, options)
    answer: dict[str, Any] = {"status": "success",
                              "request": {"timestamp": int(time.time() * 1000)}}
    content = result.get("masked", value)
    found: dict[str, Any] = {}
    for kind, data in result.get("pii", {}).items():
        found[kind] = {"found": data["found"], "mode": data["mode"],
                       "matches": [m["text"] for m in data["matches"]]}
        if kind == "sensitive":
            found[kind]["components"] = _components(data["matches"])
    if "profanity" in result:
        data = result["profanity"]
        found["profanity"] = {"found": data["found"], "mode": data["mode"],
                              "matches": [m["text"] for m in data["matches"]]}
    answer.update(content_moderated=content != value,
                  data_found=any(f["found"] for f in found.values()),
                  original=value, content=content, **found)
    return json_response(answer)


def _components(matches: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The document's `components`: objects of kind -> value, as few as hold every match (a
    second value of a kind goes into a second object)."""
    out: list[dict[str, str]] = []
    for match in matches:
        kind = match.get("component", "sensitive")
        target = next((c for c in out if kind not in c), None)
        if target is None:
            target = {}
            out.append(target)
        target[kind] = match["text"]
    return out


async def analyze_language(request: web.Request, key: KeyRecord) -> web.Response:
    value = await _value(request)
    found = (await request.app[ANALYZER].moderate(key.project, value, LANGUAGE_ONLY))["language"]
    answer = {"code": found["code"], "label": found["label"], "score": found["score"],
              "reliable": found["reliable"]}
    if found["code"] is None:
        answer["error"] = "The text has nothing to tell its language by."
    return json_response(answer)


def _analyzer(name: str):  # type: ignore[no-untyped-def]
    table = ANALYZERS[name]
    # The span model runs only for the analyzer that answers its labels (insult, threat, ...).
    options = replace(LABELS_ONLY, sub_labels=any(v in L.SPAN_LABELS for v in table.values()))

    async def analyze(request: web.Request, key: KeyRecord) -> web.Response:
        value = await _value(request)
        analyzer: Analyzer = request.app[ANALYZER]
        scores = (await analyzer.moderate(key.project, value, options, key.id))["labels"]
        label_scores = {label: scores[ours] for label, ours in table.items()
                        if ours is not None and ours in scores}
        unsupported = [label for label in table if label not in label_scores]
        label_scores[NEUTRAL] = round(1.0 - max(label_scores.values(), default=0.0), 6)
        best = max(label_scores, key=label_scores.__getitem__)
        headers = {UNSUPPORTED_HEADER: ",".join(unsupported)} if unsupported else {}
        return json_response({"label": best, "label_scores": label_scores}, **headers)

    return analyze


ROUTES = (
    ("GET", "/auth", auth),
    ("GET", "/account", account),
    ("GET", "/projects", projects),
    ("GET", "/projects/{id}", get_project),
    ("POST", "/projects/{id}", post_project),
    ("POST", "/moderation/text", moderate_text),
    ("POST", "/analyze/language", analyze_language),
    *(("POST", f"/analyze/{name}", _analyzer(name)) for name in ANALYZERS),
)


def _wrong_method(allowed: str):  # type: ignore[no-untyped-def]
    async def wrong(request: web.Request) -> web.Response:
        return ApiError(405, f"Use {allowed} on this endpoint.",
                        headers={"Allow": allowed}).response()

    return wrong


def setup(app: web.Application) -> None:
    """Add the endpoints under /api/v1 (beside Spectrum's /api/v1/classification)."""
    methods: dict[str, list[str]] = {}
    for method, path, answer in ROUTES:
        app.router.add_route(method, PREFIX + path, _handler(answer))
        methods.setdefault(path, []).append(method)
    for path, allowed in methods.items():
        app.router.add_route("*", PREFIX + path, _wrong_method(", ".join(allowed)))
