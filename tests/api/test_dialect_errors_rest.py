"""The moderationapi, contentmod, discuse and blueprint dialects answer every failure in their
own error shape (the document's, contentmod's, FastAPI's, Spring Boot's): the bodies pinned
byte for byte over real HTTP, and a used-up quota as a 429 in the dialect's shape. (The sibling
of test_dialect_errors.py, for the dialects whose errors are not an error class of their own;
the 500 and a client that left are tested there, over every dialect.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from spectrum_rpc.api.blueprint import PATH as BLUEPRINT
from spectrum_rpc.api.contentmod import PATH as CONTENTMOD
from spectrum_rpc.api.discuse import PATH as DISCUSE
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import USAGE
from spectrum_rpc.store import KeyLimits

MODERATION = "/api/v1/moderation/text"
NO_BEARER = "No API key: send `Authorization: Bearer API_KEY`."
WRONG_BEARER = ("Invalid API key: send `Authorization: Bearer API_KEY` with a key made with "
                "`spectrum-rpc keys create`.")
NOT_JSON = "The body is not valid JSON."
TOO_LARGE = "The body is larger than 1024 bytes."
WRONG_METHOD = "Use POST on this endpoint."
NOT_OURS = ("No project with this id for this API key (a key belongs to one project; its id is "
            "the project's name).")
QUOTA = "Monthly quota of 1 requests used up; it renews at the start of the next month (UTC)."
WRONG_SECRET = "Invalid `x-client-secret`: send an API key made with `spectrum-rpc keys create`."
NO_CLIENT = "Send the `x-client-id` (the project) and `x-client-secret` (its API key) headers."
CLOSE = {"Connection": "close"}
# Spring Boot's timestamp (the time of the answer) is checked for its form, then stands as TS.
TIMESTAMP = re.compile(r'"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"')


def document(code: str, message: str, path: str | None = None) -> str:
    issues = f'[{{"path":"{path}","message":"{message}"}}]' if path else "[]"
    return f'{{"status":"error","code":"{code}","message":"{message}","issues":{issues}}}'


def contentmod(code: str, message: str) -> str:
    return f'{{"error":{{"code":"{code}","message":"{message}","field":null}}}}'


def fastapi(message: str) -> str:
    return f'{{"detail":"{message}"}}'


def spring(status: int, error: str, message: str) -> str:
    return (f'{{"timestamp":"TS","status":{status},"error":"{error}","message":"{message}",'
            f'"path":"{BLUEPRINT}"}}')


def app_404(method: str, path: str) -> str:
    """The app's own 404 (JSON-RPC's shape): the dialect has no route there."""
    return (f'{{"jsonrpc":"2.0","error":{{"code":-32600,"message":"Not Found","data":"{method} '
            f'{path}"}},"id":null}}')


# (method, path, what to send, status, the headers the error sets, the body's exact bytes);
# "BEARER" stands for an Authorization header with the client's key, "CLIENT" for discuse's
# x-client-id and x-client-secret headers with the project and the key.
CASES = [
    ("GET", "/api/v1/auth", {}, 401, {}, document("UNAUTHORIZED", NO_BEARER)),
    ("GET", "/api/v1/auth", {"headers": {"Authorization": "Bearer nope"}}, 401, {},
     document("UNAUTHORIZED", WRONG_BEARER)),
    ("POST", MODERATION, {"headers": "BEARER", "data": b"{"}, 400, {},
     document("BAD_REQUEST", NOT_JSON)),
    ("POST", MODERATION, {"headers": "BEARER", "json": {"value": "x" * 2000}}, 413, CLOSE,
     document("BAD_REQUEST", TOO_LARGE)),
    ("GET", MODERATION, {"headers": "BEARER"}, 405, {"Allow": "POST"},
     document("METHOD_NOT_ALLOWED", WRONG_METHOD)),
    ("GET", "/api/v1/projects/other", {"headers": "BEARER"}, 404, {},
     document("NOT_FOUND", NOT_OURS, "id")),
    ("POST", CONTENTMOD, {}, 401, {}, contentmod("UNAUTHORIZED", NO_BEARER)),
    ("POST", CONTENTMOD, {"headers": {"Authorization": "Bearer nope"}}, 401, {},
     contentmod("UNAUTHORIZED", WRONG_BEARER)),
    ("POST", CONTENTMOD, {"headers": "BEARER", "data": b"{"}, 400, {},
     contentmod("INVALID_REQUEST", NOT_JSON)),
    ("POST", CONTENTMOD, {"headers": "BEARER", "json": {"text": "x" * 2000}}, 413, CLOSE,
     contentmod("PAYLOAD_TOO_LARGE", TOO_LARGE)),
    ("GET", CONTENTMOD, {"headers": "BEARER"}, 405, {"Allow": "POST"},
     contentmod("METHOD_NOT_ALLOWED", WRONG_METHOD)),
    ("GET", CONTENTMOD + "/x", {"headers": "BEARER"}, 404, {}, app_404("GET", CONTENTMOD + "/x")),
    ("POST", DISCUSE, {}, 401, {}, fastapi(NO_CLIENT)),
    ("POST", DISCUSE, {"headers": {"x-client-id": DEFAULT_PROJECT, "x-client-secret": "nope"}},
     401, {}, fastapi(WRONG_SECRET)),
    ("POST", DISCUSE, {"headers": "CLIENT", "data": b"{"}, 422, {},
     '{"detail":[{"loc":["body"],"msg":"' + NOT_JSON + '","type":"value_error"}]}'),
    ("POST", DISCUSE, {"headers": "CLIENT", "json": {"request": {"media": {"text": "x" * 2000}}}},
     413, CLOSE, fastapi(TOO_LARGE)),
    ("GET", DISCUSE, {"headers": "CLIENT"}, 405, {"Allow": "POST"}, fastapi(WRONG_METHOD)),
    ("POST", DISCUSE + "s", {"headers": "CLIENT"}, 404, {}, app_404("POST", DISCUSE + "s")),
    ("POST", BLUEPRINT, {}, 401, {}, spring(401, "Unauthorized", NO_BEARER)),
    ("POST", BLUEPRINT, {"headers": {"Authorization": "Bearer nope"}}, 401, {},
     spring(401, "Unauthorized", "Invalid API key: send `Authorization: Bearer API_KEY` (or "
            "`X-Api-Key`) with a key made with `spectrum-rpc keys create`.")),
    ("POST", BLUEPRINT, {"headers": "BEARER", "data": b"{"}, 400, {},
     spring(400, "Bad Request", NOT_JSON)),
    ("POST", BLUEPRINT, {"headers": "BEARER", "json": {"text": "x" * 2000}}, 413, CLOSE,
     spring(413, "Content Too Large", TOO_LARGE)),
    ("GET", BLUEPRINT, {"headers": "BEARER"}, 405, {"Allow": "POST"},
     spring(405, "Method Not Allowed", WRONG_METHOD)),
    ("GET", "/api/v2/blueprint/review/image", {"headers": "BEARER"}, 404, {},
     app_404("GET", "/api/v2/blueprint/review/image")),
]
# A request each dialect analyses (and so tells the analyzer's listeners of; the 500 and the
# client that left are tested over all six dialects in test_dialect_errors.py).
ANALYSED = {
    "moderationapi": ("POST", "/api/v1/analyze/toxicity", {"headers": "BEARER",
                                                           "json": {"value": "hello"}}),
    "contentmod": ("POST", CONTENTMOD, {"headers": "BEARER", "json": {"text": "hello"}}),
    "discuse": ("POST", DISCUSE, {"headers": "CLIENT",
                                  "json": {"request": {"media": {"text": "hello"}}}}),
    "blueprint": ("POST", BLUEPRINT, {"headers": "BEARER", "json": {"text": "hello"}}),
}
# Each dialect's 429 (a used-up monthly quota) and its 500 (RID: the request's id).
QUOTA_USED = {
    "moderationapi": document("TOO_MANY_REQUESTS", QUOTA),
    "contentmod": contentmod("RATE_LIMITED", QUOTA),
    "discuse": fastapi(QUOTA),
    "blueprint": spring(429, "Too Many Requests", QUOTA),
}
INTERNAL = {
    "moderationapi": document("INTERNAL_SERVER_ERROR", "We had a problem with our server "
                              "(request id RID). Try again later."),
    "contentmod": contentmod("INTERNAL_ERROR", "The server had a problem (request id RID). "
                             "Try again later."),
    "discuse": fastapi("The server had a problem (request id RID). Try again later."),
    "blueprint": spring(500, "Internal Server Error", "The server had a problem (request id "
                        "RID). Try again later."),
}


async def send(client, method: str, path: str, sent: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Send a request as CASES (here or in test_dialect_errors.py) describes it; return
    (status, headers, body as text, Spring Boot's timestamp replaced by TS)."""
    sent = dict(sent)
    if sent.get("headers") == "BEARER":
        sent["headers"] = {"Authorization": f"Bearer {client.key}"}
    if sent.get("headers") == "CLIENT":
        sent["headers"] = {"x-client-id": DEFAULT_PROJECT, "x-client-secret": client.key}
    if sent.get("params") == "KEY":
        sent["params"] = {"key": client.key}
    async with client.http.request(method, path, **sent) as response:
        body = (await response.read()).decode()
        return response.status, response.headers, TIMESTAMP.sub('"timestamp":"TS"', body)


@pytest.mark.parametrize(("method", "path", "sent", "status", "headers", "body"), CASES,
                         ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES])
async def test_each_error_is_answered_byte_for_byte_in_the_dialects_shape(
        make_client, method, path, sent, status, headers, body):
    client = await make_client(server={"max_body_bytes": 1024})
    got_status, got_headers, got_body = await send(client, method, path, sent)
    assert (got_status, got_body) == (status, body)
    assert got_headers["Content-Type"] == "application/json"
    for name, value in headers.items():
        assert got_headers[name] == value


@pytest.mark.parametrize("dialect", sorted(ANALYSED))
async def test_a_used_up_quota_is_a_429_in_the_dialects_shape(app_client, dialect):
    await app_client.app[USAGE].set_limits(app_client.key_id, KeyLimits(quota=1))
    assert (await send(app_client, *ANALYSED[dialect]))[0] == 200
    status, headers, body = await send(app_client, *ANALYSED[dialect])
    assert (status, body) == (429, QUOTA_USED[dialect])
    assert headers["Retry-After"] == headers["RateLimit-Reset"] and int(headers["Retry-After"]) > 0
    assert (headers["RateLimit-Limit"], headers["RateLimit-Remaining"]) == ("1", "0")
