"""The HTTP side of the app: routing errors, health, request ids, internal errors, logs.

Request bodies (content types, codings, size limits, the large-body budget) are in
test_body.py."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from spectrum_rpc.constants import INTERNAL_ERROR, REQUEST_ID_HEADER, RPC_PATH
from tests.helpers.http import CLASSIFY, auth, record

# -- routing errors are JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_get_405_json(app_client, method):
    async with app_client.http.request(method, RPC_PATH, headers=auth(app_client)) as resp:
        assert resp.status == 405
        assert resp.content_type == "application/json"
        assert "POST" in resp.headers["Allow"]
        body = await resp.json()
        assert body["jsonrpc"] == "2.0" and body["error"]["code"] < 0


async def test_unknown_path_gets_404_json(app_client):
    async with app_client.http.post(
        "/api/v2/nothing", data=b"{}", headers=auth(app_client)
    ) as resp:
        assert resp.status == 404
        assert resp.content_type == "application/json"
        assert (await resp.json())["error"]["message"] == "Not Found"


async def test_health_endpoints(app_client):
    for path in ("/healthz", "/readyz"):
        async with app_client.http.get(path) as resp:
            assert resp.status == 200
            assert resp.content_type == "application/json"


async def test_readyz_is_503_once_the_database_file_is_unreadable(app_client, rpc):
    assert (await rpc(app_client, record("before"))).json["result"] == "OK"
    for path in (app_client.db_path, app_client.db_path.with_name(app_client.db_path.name
                                                                 + "-wal")):
        if path.exists():
            with path.open("r+b") as fh:  # overwritten in place, as a failing disk would
                fh.write(b"\x5a" * path.stat().st_size)
    async with app_client.http.get("/readyz") as resp:
        assert resp.status == 503
        assert (await resp.json())["status"] == "store unreachable"
    async with app_client.http.get("/healthz") as resp:
        assert resp.status == 200  # alive, just not ready


# -- request ids and internal errors -------------------------------------------------------------


async def test_request_id_is_echoed_or_made_up(app_client, rpc):
    reply = await rpc(app_client, CLASSIFY, headers={REQUEST_ID_HEADER: "trace-42.a_b"})
    assert reply.headers[REQUEST_ID_HEADER] == "trace-42.a_b"
    reply = await rpc(app_client, CLASSIFY, headers={REQUEST_ID_HEADER: "bad id\twith junk"})
    made_up = reply.headers[REQUEST_ID_HEADER]
    assert made_up and "junk" not in made_up
    reply = await rpc(app_client, CLASSIFY)
    assert reply.headers[REQUEST_ID_HEADER] != made_up


async def test_internal_error_leaks_nothing_but_the_request_id(app_client, rpc, db_path, caplog):
    conn = sqlite3.connect(db_path)  # a real fault: the table is gone under the running server
    conn.execute("DROP TABLE feedback")
    conn.commit()
    conn.close()
    reply = await rpc(app_client, record("doomed"))
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    error = reply.json["error"]
    assert error["code"] == INTERNAL_ERROR
    assert error["message"] == "Internal error"
    assert error["data"] == {"requestId": reply.headers[REQUEST_ID_HEADER]}
    assert b"feedback" not in reply.body and b"table" not in reply.body
    assert reply.headers[REQUEST_ID_HEADER] in caplog.text  # the operator can find it


async def test_logs_never_contain_user_text(app_client, rpc, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "zebra-quokka-4711 is a distinctive sentence"
    await rpc(app_client, {**CLASSIFY, "params": {"text": secret, "meta": {"authorName": secret}}})
    await rpc(app_client, record(secret))
    await rpc(app_client, {**CLASSIFY, "params": {"text": secret, "bogus": secret}})
    await rpc(app_client, data=b'{"broken": "' + secret.encode())
    assert caplog.records  # something was logged at DEBUG: the check below means something
    assert "zebra-quokka" not in caplog.text


def test_access_log_line_leaves_out_the_query_string(caplog):
    """Queries can carry user text (the admin feedback search): the access log keeps the path."""
    import logging

    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from spectrum_rpc.middleware import AccessLogger

    request = make_mocked_request("GET", "/admin/feedback?q=private+comment+text")
    response = web.Response(text="ok", headers={"X-Request-Id": "abc123"})
    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        AccessLogger(logger, "").log(request, response, 0.0042)
    line = caplog.records[-1].getMessage()
    assert '"GET /admin/feedback" 200' in line and "rid=abc123" in line
    assert "private" not in line and "q=" not in line
