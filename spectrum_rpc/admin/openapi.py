"""The OpenAPI 3 document of the admin API, served at /api/v1/admin/openapi.json."""

from __future__ import annotations

from typing import Any

from .. import __version__


def _op(summary: str, *, params: tuple[str, ...] = (), body: dict[str, Any] | None = None,
        query: tuple[str, ...] = (), ok: str = "200", content: str = "application/json"
        ) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": [
            *({"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in params),
            *({"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
              for q in query),
        ],
        "responses": {
            ok: {"description": "success", "content": {content: {"schema": {"type": "object"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/LoggedOut"},
            "403": {"$ref": "#/components/responses/NoCsrf"},
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


_NUM = {"type": "number", "minimum": 0, "maximum": 1}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_P = ("project",)
_ID = ("id",)
_WEBHOOK = {"type": "object", "properties": {
    "url": {"type": "string"}, "events": {"type": "array", "items": {"type": "string"}},
    "basic_auth_user": {"type": "string"}, "basic_auth_password": {"type": "string"},
    "remove_basic_auth": {"type": "boolean"}, "description": {"type": "string"}}}
_FILTERS = ("should_block", "label", "since", "until", "q", "page", "limit")

PATHS: dict[str, dict[str, Any]] = {
    "/me": {"get": _op("The logged-in user and the CSRF token")},
    "/projects": {"get": _op("List projects")},
    "/audit": {"get": _op("Audit log, newest first", query=("limit",))},
    "/projects/{project}/keys": {
        "get": _op("List API keys", params=_P),
        "post": _op("Create an API key (the key is in the answer, once)", params=_P,
                    body=_obj(name=_STR), ok="201"),
    },
    "/keys/{key_id}/revoke": {"post": _op("Revoke an API key", params=("key_id",))},
    "/keys/{key_id}/limits": {"put": _op(
        "Set a key's rate limit (requests per second, burst) and monthly quota; 0 = off",
        params=("key_id",), body=_obj(rate={"type": "number", "minimum": 0},
                                      burst={"type": "integer", "minimum": 0},
                                      quota={"type": "integer", "minimum": 0}))},
    "/projects/{project}/usage": {"get": _op("This month's requests per key, with limits",
                                             params=_P)},
    "/projects/{project}/settings": {
        "get": _op("Thresholds and webhook text setting", params=_P),
        "put": _op("Change thresholds and/or include_text", params=_P, body=_obj(
            thresholds=_obj(toxicity=_NUM, sexual=_NUM, phishing=_NUM), include_text=_BOOL)),
    },
    "/projects/{project}/playground": {
        "post": _op("Score a text as classifyText would", params=_P, body=_obj(text=_STR)),
    },
    "/projects/{project}/feedback": {
        "get": _op("Browse feedback with the current model's verdicts", params=_P, query=_FILTERS),
    },
    "/projects/{project}/feedback/export": {
        "get": _op("Export feedback", params=_P, query=("format", *_FILTERS),
                   content="application/x-ndjson"),
    },
    "/feedback/{feedback_id}/exclude": {
        "post": _op("Exclude a row from training", params=("feedback_id",),
                    body=_obj(excluded=_BOOL)),
    },
    "/projects/{project}/stats": {"get": _op("Classifications per minute, last 24 h",
                                             params=_P)},
    **{path: ops for path, ops in [
        ("/projects/{project}/webhooks", {
            "get": _op("List webhooks", params=_P),
            "post": _op("Create a webhook (its secret is in the answer)", params=_P, ok="201",
                        body=_WEBHOOK)}),
        ("/webhooks/{id}", {
            "get": _op("One webhook", params=_ID),
            "patch": _op("Change URL, events, Basic auth or description", params=_ID,
                         body=_WEBHOOK),
            "delete": _op("Delete a webhook", params=_ID)}),
        ("/webhooks/{id}/enable", {"post": _op("Enable", params=_ID)}),
        ("/webhooks/{id}/disable", {"post": _op("Disable", params=_ID)}),
        ("/webhooks/{id}/secret/reveal", {"post": _op("Show the signing secret", params=_ID)}),
        ("/webhooks/{id}/secret/rotate", {"post": _op("Rotate the signing secret",
                                                      params=_ID)}),
        ("/webhooks/{id}/test", {"post": _op("Send a test event now", params=_ID)}),
        ("/webhooks/{id}/deliveries", {"get": _op("Deliveries with every attempt", params=_ID,
                                                  query=("failed", "limit"))}),
        ("/webhooks/{id}/replay", {"post": _op(
            "Replay one delivery or every failed one since a time", params=_ID,
            body=_obj(delivery_id={"type": "integer"}, since=_STR))}),
    ]},
}


def _error(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {
        "schema": _obj(error=_STR)}}}


def document(extra_paths: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the OpenAPI document, with any paths added by optional subsystems."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "spectrum-rpc admin API", "version": __version__,
                 "description": "Every operation needs an admin session cookie; every change "
                                "also needs the X-CSRF-Token header (GET /me gives it). "
                                "API keys are not accepted here."},
        "servers": [{"url": "/api/v1/admin"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "spectrum_admin"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "responses": {
                "BadRequest": _error("invalid parameters or body"),
                "LoggedOut": _error("no live admin session"),
                "NoCsrf": _error("a change without a valid X-CSRF-Token header"),
            },
        },
        "security": [{"session": [], "csrf": []}],
        "paths": {**PATHS, **(extra_paths or {})},
    }
