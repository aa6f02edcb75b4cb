"""The OpenAI and Perspective dialects answer every failure in their own error shape (OpenAI's,
Google's): the bodies pinned byte for byte over real HTTP (the other dialects' in
test_dialect_errors_rest.py). And in every one of the six dialects, an unexpected error is
answered as a 500 in the dialect's shape (pinned byte for byte) and logged with its request id
on the dialect's own logger, and a client that left is not answered at all."""

from __future__ import annotations

import logging

import pytest

from spectrum_rpc.api.openai import PATH
from spectrum_rpc.api.perspective import ANALYZE, SUGGEST
from spectrum_rpc.resources import ANALYZER
from tests.api import test_dialect_errors_rest as rest
from tests.api.test_dialect_errors_rest import send

NO_KEY = ("You didn't provide an API key. You need to provide your API key in an Authorization "
          "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
GOOGLE_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
BEARER = 'Bearer realm="spectrum-rpc"'
# (method, path, what to send, status, the headers the error sets, the body's exact bytes);
# "KEY" stands for the client's key, "BEARER" for an Authorization header with it.
CASES = [
    ("POST", PATH, {}, 401, {},
     '{"error":{"message":"' + NO_KEY.replace('"', '\\"') + '","type":"invalid_request_error",'
     '"param":null,"code":"invalid_api_key"}}'),
    ("POST", PATH, {"headers": {"Authorization": "Bearer nope"}}, 401, {},
     '{"error":{"message":"Incorrect API key provided. Use a key made with `spectrum-rpc keys '
     'create`.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}'),
    ("POST", PATH, {"headers": "BEARER", "data": b"{"}, 400, {},
     '{"error":{"message":"We could not parse the JSON body of your request. The API expects a '
     'JSON object with an \'input\' field.","type":"invalid_request_error","param":null,'
     '"code":null}}'),
    ("POST", PATH, {"headers": "BEARER", "json": {"input": "x" * 2000}}, 413, {},
     '{"error":{"message":"The body is larger than 1024 bytes.","type":"invalid_request_error",'
     '"param":null,"code":"request_too_large"}}'),
    ("GET", PATH, {"headers": "BEARER"}, 405, {"Allow": "POST"},
     '{"error":{"message":"Invalid method for URL (GET /v1/moderations): use POST.",'
     '"type":"invalid_request_error","param":null,"code":null}}'),
    ("POST", ANALYZE, {}, 403, {},
     '{"error":{"code":403,"message":"The request is missing a valid API key.",'
     '"status":"PERMISSION_DENIED","details":[{"@type":"' + GOOGLE_INFO + '",'
     '"reason":"API_KEY_MISSING","domain":"googleapis.com"}]}}'),
    ("POST", ANALYZE, {"params": {"key": "nope"}}, 400, {},
     '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",'
     '"status":"INVALID_ARGUMENT","details":[{"@type":"' + GOOGLE_INFO + '",'
     '"reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}'),
    ("POST", ANALYZE, {"headers": {"Authorization": "Bearer nope"}}, 401,
     {"WWW-Authenticate": BEARER},
     '{"error":{"code":401,"message":"Request had invalid authentication credentials. Expected '
     'an API key (`key` parameter or `Authorization: Bearer KEY`).","status":"UNAUTHENTICATED",'
     '"details":[]}}'),
    ("POST", ANALYZE, {"params": "KEY", "data": b"{"}, 400, {},
     '{"error":{"code":400,"message":"Invalid JSON payload received. Unexpected token: the body '
     'must be a JSON object.","status":"INVALID_ARGUMENT","details":[]}}'),
    ("POST", ANALYZE, {"params": "KEY", "json": {"comment": {"text": "x" * 2000}}}, 413, {},
     '{"error":{"code":413,"message":"Request payload size exceeds the limit: 1024 bytes.",'
     '"status":"INVALID_ARGUMENT","details":[]}}'),
    ("GET", SUGGEST, {"params": "KEY"}, 405, {"Allow": "POST"},
     '{"error":{"code":405,"message":"GET is not allowed on /v1alpha1/comments:suggestscore: '
     'use POST.","status":"UNIMPLEMENTED","details":[]}}'),
    ("POST", "/v1alpha1/comments:summarize", {"params": "KEY"}, 404, {},
     '{"error":{"code":404,"message":"Method not found.","status":"NOT_FOUND","details":[]}}'),
    ("GET", "/$discovery/rest", {"params": {"version": "v9"}}, 404, {},
     '{"error":{"code":404,"message":"Discovery document not found for API service: '
     'commentanalyzer v9","status":"NOT_FOUND","details":[]}}'),
]
# A request each of the six dialects analyses (and so tells the analyzer's listeners of), and
# its 500 (RID: the request's id).
ANALYSED = {
    "openai": ("POST", PATH, {"headers": "BEARER", "json": {"input": "hello"}}),
    "perspective": ("POST", ANALYZE, {"params": "KEY", "json": {
        "comment": {"text": "hello"}, "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}}}}),
    **rest.ANALYSED,
}
INTERNAL = {
    "openai": '{"error":{"message":"The server had an error while processing your request '
              '(request id RID).","type":"server_error","param":null,"code":null}}',
    "perspective": '{"error":{"code":500,"message":"Internal error encountered (request id '
                   'RID).","status":"INTERNAL","details":[]}}',
    **rest.INTERNAL,
}


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
async def test_an_unexpected_error_is_a_500_in_the_dialects_shape_logged_on_its_logger(
        app_client, caplog, dialect):
    def failing(event: object) -> None:
        raise RuntimeError("listener broke")

    app_client.app[ANALYZER].listeners.append(failing)
    with caplog.at_level(logging.ERROR):
        status, headers, body = await send(app_client, *ANALYSED[dialect])
    request_id = headers["X-Request-Id"]
    assert (status, body) == (500, INTERNAL[dialect].replace("RID", request_id))
    assert headers["Content-Type"] == "application/json"
    [record] = [r for r in caplog.records if r.exc_info and "listener broke" in str(r.exc_info[1])]
    assert record.name == f"spectrum_rpc.api.{dialect}"
    assert record.getMessage() == f"unhandled error (request_id={request_id})"


@pytest.mark.parametrize("dialect", sorted(ANALYSED))
async def test_a_client_that_left_is_not_answered_by_the_dialect(app_client, caplog, dialect):
    def gone(event: object) -> None:  # what writing to a closed connection raises
        raise ConnectionResetError("client left")

    app_client.app[ANALYZER].listeners.append(gone)
    with caplog.at_level(logging.ERROR):
        status, headers, body = await send(app_client, *ANALYSED[dialect])
    # Re-raised past the dialect and the middleware: only aiohttp's own last-resort answer.
    assert status == 500 and headers["Content-Type"].startswith("text/plain")
    assert "error" not in body and "X-Request-Id" not in headers
    assert not [r for r in caplog.records if r.name.startswith("spectrum_rpc")]
