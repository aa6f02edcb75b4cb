"""The OpenAPI 3 document of the admin API, served at /api/v1/admin/openapi.json.

It describes what the server does, and tests/admin/test_openapi_conformance.py keeps it so:
schemathesis sends generated requests to a live server and checks every answer against it.
Each operation lists every status it can answer; every error has the admin API's shape
({"error": "..."}); changes (every method but GET) also need the X-CSRF-Token header.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..labels import DECIDED, SCORABLE
from ..store import MAX_ACTOR_CHARS
from ..webhooks import EVENT_NAMES, MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH
from .filters import filter_schema
from .limits import (
    ACTORS_LIMIT,
    AUDIT_LIMIT,
    DELIVERIES_LIMIT,
    KEY_NAME_LENGTH,
    MAX_COUNT,
    MAX_RATE,
    MAX_ROW_ID,
    PROJECT_PATTERN,
)
from .review import MAX_LIMIT as FEEDBACK_LIMIT
from .review import MAX_OFFSET

ERRORS = {
    "400": "BadRequest", "401": "LoggedOut", "403": "NoCsrf", "404": "NotFound",
    "413": "TooLarge", "415": "UnsupportedEncoding", "503": "Unavailable",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(*, required: tuple[str, ...] = (), strict: bool = True, **props: Any
         ) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    if strict:
        schema["additionalProperties"] = False
    return schema


def _list_of(name: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [name], "properties": {
        name: {"type": "array", "items": items}}}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], text: str = "") -> dict[str, Any]:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    if text:
        param["description"] = text
    return param


def _op(summary: str, *, params: tuple[dict[str, Any] | str, ...] = (),
        body: dict[str, Any] | None = None, body_required: bool = True,
        answer: dict[str, Any] | None = None, ok: str = "200",
        content: tuple[str, ...] = ("application/json",), change: bool = False,
        errors: tuple[str, ...] = (), query: tuple[str, ...] = ()) -> dict[str, Any]:
    """Describe one operation; the error statuses follow from what it takes (path parameters
    given by name, and `query` names, are strings)."""
    params = (*(_path(p, {"type": "string"}) if isinstance(p, str) else p for p in params),
              *(_query(q, {"type": "string"}) for q in query))
    codes = {"401", *errors}
    if change:
        codes.add("403")
    if params or body is not None:
        codes.add("400")
    if any(p["in"] == "path" for p in params):
        codes.add("404")  # no such record (or a value that makes no path of this API)
    if body is not None:
        codes |= {"413", "415"}  # larger than admin.max_body_bytes; an unknown encoding
    schema = answer or {"type": "object"}
    op: dict[str, Any] = {
        "summary": summary,
        "security": [{"session": [], "csrf": []}] if change else [{"session": []}],
        "parameters": list(params),
        "responses": {
            ok: {"description": "success", "content": {c: {"schema": schema} for c in content}},
            **{code: {"$ref": f"#/components/responses/{ERRORS[code]}"} for code in
               sorted(codes)},
        },
    }
    if body is not None:
        op["requestBody"] = {"required": body_required,
                             "content": {"application/json": {"schema": body}}}
    return op


TIME = {"type": "string", "format": "date-time", "nullable": True}
DAY = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
       "description": "a date, YYYY-MM-DD (UTC)"}
PROJECT = _path("project", {"type": "string", "pattern": PROJECT_PATTERN})
WEBHOOK_ID = _path("id", {"type": "string"})
KEY_ID = _path("key_id", {"type": "string"})
SCORE = {"type": "number", "minimum": 0, "maximum": 1}
OFF_OR_SCORE = {**SCORE, "nullable": True, "description": "null: off"}
SCORE_OR_OFF = {"oneOf": [SCORE, {"type": "string", "enum": ["off"]}]}  # in a query string
# A share of recent texts at one threshold (the admin's flag-rate view).
_RATE = {
    "threshold": {**OFF_OR_SCORE, "description": "null: off (nothing flagged)"},
    "flagged": {"type": "integer", "minimum": 0,
                "description": "texts reaching the threshold (estimated)"},
    "rows": {"type": "integer", "minimum": 0, "description": "kept rows reaching the threshold"},
    "rate": {**SCORE, "nullable": True,
             "description": "weighted share flagged / scored; null without texts"},
}
# A label's thresholds: review at or below reject (a decided label's reject is never null).
PAIR = _obj(required=("reject", "review"), reject=OFF_OR_SCORE, review=OFF_OR_SCORE)


# A label, or one field of its pair: back to the server's default (null, by contrast: off).
DEFAULT = {"type": "string", "enum": ["default"],
           "description": "forget the project's own value: the server's default applies"}


def _threshold_change(label: str) -> dict[str, Any]:
    pair = _obj(reject={"oneOf": [SCORE if label in DECIDED else OFF_OR_SCORE, DEFAULT]},
                review={"oneOf": [OFF_OR_SCORE, DEFAULT]})
    number = SCORE if label in DECIDED else OFF_OR_SCORE
    return {"oneOf": [{**number, "description": "the reject threshold (review at 0.75 of it)"},
                      pair, DEFAULT]}


def _limit(most: int, default: int) -> dict[str, Any]:
    return _query("limit", {"type": "integer", "minimum": 1, "maximum": most},
                  f"how many (default {default})")


FEEDBACK_FILTERS = (
    _query("should_block", {"type": "string", "enum": ["true", "false"]}),
    _query("label", {"type": "string"}, "rows whose labels include this one"),
    _query("since", DAY, "from this day on"),
    _query("until", DAY, "up to this day, included"),
    _query("q", {"type": "string"}, "rows whose text contains this"),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_OFFSET}),
    _limit(FEEDBACK_LIMIT, 50),
)
EVENTS = {
    "description": "the events it receives: a list of names or one comma-separated string "
                   "(test events from 'Send test event' are sent whatever it lists)",
    "oneOf": [{"type": "array", "items": {"type": "string", "enum": list(EVENT_NAMES)}},
              {"type": "string"}],
}
WEBHOOK_FIELDS = {
    "url": {"type": "string", "minLength": 1, "maxLength": MAX_URL_LENGTH},
    "events": EVENTS,
    "basic_auth_user": {"type": "string", "pattern": "^[^:]*$",
                        "description": "with basic_auth_password, or both empty"},
    "basic_auth_password": {"type": "string"},
    "remove_basic_auth": {"type": "boolean"},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION_LENGTH},
}

PIECES = {"type": "array", "description": "the text cut at every range's ends, each piece "
                                          "with the ranges covering it", "items": _obj(
    required=("text", "tags"), text={"type": "string"},
    tags={"type": "array", "items": {"type": "object"}})}
PLAYGROUND = _obj(
    required=("result", "scores", "thresholds", "segments", "matches", "analysis", "loading",
              "span_pieces", "match_pieces"), strict=False,
    result={"type": "object", "description": "classifyText's result"},
    scores={"type": "object", "additionalProperties": {"type": "number"}},
    thresholds={"type": "object", "additionalProperties": SCORE},
    segments={"type": "array", "items": {"type": "object"}},
    matches={"type": "integer", "minimum": 0},
    analysis={**_obj(required=("labels", "flagged", "actions", "spans", "pii", "profanity",
                               "masked", "hash"), strict=False),
              "description": "moderateText's result with every detector"},
    loading={"type": "array", "items": {"type": "string"},
             "description": "detectors left out while their state loads (the speller takes "
                            "seconds on first use): ask again shortly"},
    span_pieces={**PIECES, "description": "toxic spans: tags are {label, score}"},
    match_pieces={**PIECES, "description": "personal data and profanity: tags are {kind, text}"})

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "string"}}},
    "Key": {"type": "object", "required": ["id", "project", "name", "prefix", "created_at"],
            "properties": {"id": {"type": "string"}, "project": {"type": "string"},
                           "name": {"type": "string"}, "prefix": {"type": "string"},
                           "created_at": TIME, "last_used_at": TIME, "revoked_at": TIME}},
    "Settings": {"type": "object", "required": ["thresholds", "pairs", "include_text", "filter"],
                 "properties": {
                     "thresholds": {"type": "object", "additionalProperties": SCORE,
                                    "description": "each label's reject threshold, where it "
                                                   "has one"},
                     "pairs": _obj(required=SCORABLE, **dict.fromkeys(SCORABLE, PAIR)),
                     "own": {"type": "object", "description": "what the project set of each "
                             "label's pair, as stored (a number: reject; null: off; an object "
                             "of the fields set); a label or field absent follows the default"},
                     "include_text": {"type": "boolean"},
                     "filter": _ref("Filter")}},
    "Filter": filter_schema(),
    "Actor": _obj(required=("actor", "first_seen", "last_seen", "requests", "flagged"),
                  actor={"type": "string"}, first_seen=TIME, last_seen=TIME,
                  requests={"type": "integer", "minimum": 0},
                  flagged={"type": "integer", "minimum": 0,
                           "description": "requests with at least one label flagged"}),
    "ActorEvent": _obj(required=("id", "at", "source", "flagged", "flags"),
                       id={"type": "string"}, at=TIME,
                       source={"type": "string", "description": "the API that was called"},
                       flagged={"type": "boolean"},
                       flags={"type": "array", "items": {"type": "string"},
                              "description": "the labels it flagged"}),
    "Webhook": {"type": "object",
                "required": ["id", "project", "url", "enabled", "events", "basic_auth"],
                "properties": {"id": {"type": "string"}, "project": {"type": "string"},
                               "url": {"type": "string"}, "enabled": {"type": "boolean"},
                               "events": {"type": "array", "items": {"type": "string"}},
                               "basic_auth": {"type": "boolean"},
                               "description": {"type": "string"}, "created_at": TIME,
                               "last_success_at": TIME, "failing_since": TIME,
                               "disabled_reason": {"type": "string", "nullable": True},
                               "rotating": {"type": "boolean"}}},
    "FlagRates": _obj(
        required=("project", "texts", "rows", "first", "last", "window_days", "keep",
                  "most_per_minute", "labels"),
        project={"type": "string"},
        texts={"type": "integer", "minimum": 0,
               "description": "texts in the window, estimated: the kept rows' summed weights "
                              "(a row stands for the texts of its 5 s interval)"},
        rows={"type": "integer", "minimum": 0, "description": "the kept rows it rests on"},
        first={**TIME, "description": "the oldest one's minute"},
        last={**TIME, "description": "the newest one's minute"},
        window_days={"type": "number"},
        keep={"type": "integer", "description": "at most this many latest rows are kept"},
        most_per_minute={"type": "number", "description": "a sample of at most this many "
                                                          "texts a minute is kept"},
        labels=_obj(**{label: _ref("LabelRates") for label in SCORABLE})),
    "LabelRates": _obj(required=("scored", "rows", "current"),
                       scored={"type": "integer", "minimum": 0,
                               "description": "texts with a score for the label (estimated)"},
                       rows={"type": "integer", "minimum": 0,
                             "description": "kept rows with a score for the label"},
                       current=_ref("PairRates"), proposed=_ref("PairRates")),
    # At reject, and under `review` at the review line (review, or reject where it is off).
    "PairRates": _obj(required=(*_RATE, "review"), review=_ref("FlagRate"), **_RATE),
    "FlagRate": _obj(required=tuple(_RATE), **_RATE),
    "Secret": {"type": "object", "required": ["secret"], "properties": {
        "secret": {"type": "string"}}},
}

PATHS: dict[str, dict[str, Any]] = {
    "/me": {"get": _op("The logged-in user and the CSRF token", answer=_obj(
        required=("user", "csrf_token"), strict=False, user={"type": "string"},
        csrf_token={"type": "string"}, model_version={"type": "string"}))},
    "/projects": {"get": _op("List projects", answer=_list_of("projects", {"type": "string"}))},
    "/audit": {"get": _op("Audit log, newest first", params=(_limit(AUDIT_LIMIT, 100),),
                          answer=_list_of("entries", {"type": "object"}))},
    "/projects/{project}/keys": {
        "get": _op("List API keys", params=(PROJECT,), answer=_list_of("keys", _ref("Key"))),
        "post": _op("Create an API key (the key is in the answer, once)", params=(PROJECT,),
                    ok="201", change=True, answer=_ref("Key"), body=_obj(
                        required=("name",),
                        name={"type": "string", "minLength": 1, "maxLength": KEY_NAME_LENGTH,
                              "pattern": r"\S", "description": "not only spaces"})),
    },
    "/keys/{key_id}/revoke": {"post": _op("Revoke an API key", change=True, params=(KEY_ID,))},
    "/keys/{key_id}/limits": {"put": _op(
        "Set a key's rate limit (requests per second, burst) and monthly quota; 0 or null = off",
        params=(KEY_ID,), change=True, errors=("503",), answer=_obj(
            required=("id", "rate", "burst", "quota"), strict=False, id={"type": "string"},
            rate={"type": "number"}, burst={"type": "integer"}, quota={"type": "integer"}),
        body=_obj(rate={"type": "number", "minimum": 0, "maximum": MAX_RATE, "nullable": True},
                  burst={"type": "integer", "minimum": 0, "maximum": MAX_COUNT,
                         "nullable": True},
                  quota={"type": "integer", "minimum": 0, "maximum": MAX_COUNT,
                         "nullable": True}))},
    "/projects/{project}/usage": {"get": _op(
        "This month's requests per key, with limits", params=(PROJECT,), errors=("503",),
        answer=_obj(required=("month", "project", "keys"), strict=False,
                    month={"type": "string"}, project={"type": "string"},
                    keys={"type": "array", "items": {"type": "object"}}))},
    "/projects/{project}/settings": {
        "get": _op("Thresholds, webhook text setting and the project's filter",
                   params=(PROJECT,), answer=_ref("Settings")),
        "put": _op("Change thresholds, include_text and/or the filter (partial: only the "
                   "fields given change; a bad field is a 400 naming it, and nothing changes)",
                   params=(PROJECT,), change=True, answer=_ref("Settings"), body={
                       **_obj(thresholds=_obj(**{label: _threshold_change(label)
                                                 for label in SCORABLE}),
                              include_text={"type": "boolean"}, filter=_ref("Filter")),
                       "minProperties": 1}),
    },
    "/projects/{project}/playground": {
        "post": _op("Score a text as classifyText would, and run every detector over it at "
                    "the project's modes (nothing is recorded or sent)", params=(PROJECT,),
                    change=True, answer=PLAYGROUND,
                    body=_obj(required=("text",), text={"type": "string", "minLength": 1})),
    },
    "/projects/{project}/feedback": {
        "get": _op("Browse feedback with the current model's verdicts",
                   params=(PROJECT, *FEEDBACK_FILTERS), answer=_obj(
                       required=("total", "items"), strict=False,
                       total={"type": "integer"},
                       items={"type": "array", "items": {"type": "object"}})),
    },
    "/projects/{project}/feedback/export": {
        "get": _op("Export feedback", params=(
            PROJECT, _query("format", {"type": "string", "enum": ["jsonl", "csv"]},
                            "jsonl (default) or csv"), *FEEDBACK_FILTERS),
                   content=("application/x-ndjson", "text/csv"), answer={"type": "string"}),
    },
    "/feedback/{feedback_id}/exclude": {
        "post": _op("Exclude a row from training ({\"excluded\": false} includes it again)",
                    params=(_path("feedback_id", {"type": "integer", "minimum": 0,
                                                      "maximum": MAX_ROW_ID}),),
                    change=True, body_required=False, body=_obj(excluded={"type": "boolean"})),
    },
    "/projects/{project}/stats": {"get": _op(
        "Classifications per minute, last 24 h", params=(PROJECT,),
        answer=_list_of("minutes", {"type": "object"}))},
    "/projects/{project}/flag-rates": {"get": _op(
        "Per label, the share of the project's recent texts (admin.recent_scores, "
        "admin.recent_days) flagged and sent to review at its current thresholds and at "
        "proposed ones",
        params=(PROJECT,
                *(_query(label, SCORE if label in DECIDED else SCORE_OR_OFF,
                         "a proposed reject threshold") for label in SCORABLE),
                *(_query(f"{label}.review", SCORE_OR_OFF, "a proposed review threshold")
                  for label in SCORABLE)),
        answer=_ref("FlagRates"))},
    "/projects/{project}/actors": {"get": _op(
        "A project's actors (contentmod's actorId, discuse's user_id), the most recently "
        "seen first", params=(PROJECT, _limit(ACTORS_LIMIT, ACTORS_LIMIT)),
        answer=_list_of("actors", _ref("Actor")))},
    "/projects/{project}/actors/history": {"get": _op(
        "One actor's totals and latest requests, newest first (404: the project never named "
        "it)", params=(PROJECT, {**_query("actor", {"type": "string", "minLength": 1,
                                                   "maxLength": MAX_ACTOR_CHARS},
                                          "the actor's id, as the API call gave it"),
                                 "required": True}, _limit(ACTORS_LIMIT, ACTORS_LIMIT)),
        errors=("404",), answer=_obj(required=("actor", "events"), actor=_ref("Actor"),
                                     events={"type": "array", "items": _ref("ActorEvent")}))},
    "/projects/{project}/webhooks": {
        "get": _op("List webhooks", params=(PROJECT,),
                   answer=_list_of("webhooks", _ref("Webhook"))),
        "post": _op("Create a webhook (its secret is in the answer)", params=(PROJECT,),
                    ok="201", change=True, answer=_ref("Webhook"),
                    body=_obj(required=("url",), **WEBHOOK_FIELDS)),
    },
    "/webhooks/{id}": {
        "get": _op("One webhook", params=(WEBHOOK_ID,), answer=_ref("Webhook")),
        "patch": _op("Change URL, events, Basic auth or description", params=(WEBHOOK_ID,),
                     change=True, answer=_ref("Webhook"), body=_obj(**WEBHOOK_FIELDS)),
        "delete": _op("Delete a webhook", params=(WEBHOOK_ID,), change=True),
    },
    "/webhooks/{id}/enable": {"post": _op("Enable", params=(WEBHOOK_ID,), change=True,
                                          answer=_ref("Webhook"))},
    "/webhooks/{id}/disable": {"post": _op("Disable", params=(WEBHOOK_ID,), change=True,
                                           answer=_ref("Webhook"))},
    "/webhooks/{id}/secret/reveal": {"post": _op(
        "Show the signing secret", params=(WEBHOOK_ID,), change=True, answer=_ref("Secret"))},
    "/webhooks/{id}/secret/rotate": {"post": _op(
        "Rotate the signing secret", params=(WEBHOOK_ID,), change=True, answer=_ref("Secret"))},
    "/webhooks/{id}/test": {"post": _op(
        "Send a test event (type TEST) now", params=(WEBHOOK_ID,), change=True,
        errors=("503",), answer=_obj(
            required=("ok", "status", "state", "latency_ms", "delivery_id"), strict=False,
            ok={"type": "boolean"}, status={"type": "integer", "nullable": True},
            error={"type": "string", "nullable": True}, state={"type": "string"},
            latency_ms={"type": "number"}, delivery_id={"type": "integer"}))},
    "/webhooks/{id}/deliveries": {"get": _op(
        "Deliveries with every attempt", params=(
            WEBHOOK_ID, _query("failed", {"type": "boolean"}, "only failed ones"),
            _limit(DELIVERIES_LIMIT, 50)),
        answer=_list_of("deliveries", {"type": "object"}))},
    "/webhooks/{id}/replay": {"post": _op(
        "Replay one delivery or every failed one since a time", params=(WEBHOOK_ID,),
        change=True, answer=_list_of("queued", {"type": "integer"}), body={
            **_obj(delivery_id={"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
                   since={"type": "string", "description": "ISO 8601, e.g. 2026-01-31T12:00"}),
            "anyOf": [{"required": ["delivery_id"]}, {"required": ["since"]}]})},
}


def _error(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}


RESPONSES = {
    "BadRequest": _error("invalid parameters or body"),
    "LoggedOut": _error("no live admin session"),
    "NoCsrf": _error("a change without a valid X-CSRF-Token header"),
    "NotFound": _error("no such record, or no such path in this API"),
    "TooLarge": _error("a body larger than admin.max_body_bytes (after decoding)"),
    "UnsupportedEncoding": _error("a Content-Encoding the server does not decode"),
    "Unavailable": _error("webhook delivery or usage counting is not running on this server"),
}


def _guarded(method: str, op: dict[str, Any]) -> dict[str, Any]:
    """Return an operation with the security the guard applies to its method (access.py):
    a session for all, the CSRF header (and its 403) for every change."""
    change = method.upper() not in ("GET", "HEAD", "OPTIONS")
    responses = {k: v for k, v in op["responses"].items() if k != "403"}
    if change:
        responses["403"] = {"$ref": f"#/components/responses/{ERRORS['403']}"}
    return {**op, "security": [{"session": [], "csrf": []}] if change else [{"session": []}],
            "responses": dict(sorted(responses.items()))}


def document(extra_paths: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the OpenAPI document, with any paths added by optional subsystems."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "spectrum-rpc admin API", "version": __version__,
                 "description": "Every operation needs an admin session cookie; every change "
                                "(any method but GET) also needs the X-CSRF-Token header "
                                "(GET /me gives it). API keys are not accepted here. Errors "
                                "are {\"error\": \"...\"}."},
        "servers": [{"url": "/api/v1/admin"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "spectrum_admin"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
        "security": [{"session": []}],
        "paths": {path: {method: _guarded(method, op) for method, op in ops.items()}
                  for path, ops in {**PATHS, **(extra_paths or {})}.items()},
    }
