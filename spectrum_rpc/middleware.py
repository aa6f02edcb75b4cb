"""What every request goes through: an id, JSON errors that leak nothing, one access-log line.

Errors outside any API's own handling (an unknown path, a wrong method, a failure nobody
caught) answer in the JSON-RPC error shape, the server's first and default dialect, except
under the admin API's prefix, which answers in its own shape ({"error": ...}) as its document
says."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import secrets
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .admin import API_PREFIX, api_error
from .api.jsonrpc import error_object
from .api.responses import json_response
from .constants import INTERNAL_ERROR, INVALID_REQUEST, REQUEST_ID_HEADER
from .resources import REQUEST_ID

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Request ids only have to be unique, not secret: a random per-process prefix and a counter
# cost nothing, where a fresh token would read the system's random source on every request.
_REQUEST_ID_PREFIX = secrets.token_hex(4)
_request_counter = itertools.count(1)
# What stays readable in a logged path; everything else (control characters, spaces, quotes,
# non-ASCII) is percent-encoded, so that a decoded %0A cannot start a forged log line.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _next_request_id() -> str:
    return f"{_REQUEST_ID_PREFIX}{next(_request_counter):08x}"


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without the query string (it may hold user text,
    e.g. the admin feedback search), status, size, time and request id. The path is the
    client's: it is logged percent-encoded (see `loggable_path`)."""

    @property
    def enabled(self) -> bool:
        # Checked once per connection: below INFO, aiohttp skips timing and calling log().
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %d %s %.1fms rid=%s',
            request.remote,
            request.method,
            loggable_path(request.path),
            response.status,
            response.body_length,
            time * 1000,
            response.headers.get(REQUEST_ID_HEADER, "-"),
        )


def loggable_path(path: str) -> str:
    """Return `path` with every character that could forge or garble a log line escaped."""
    return quote(path, safe=_PATH_SAFE)


@web.middleware
async def request_middleware(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    """Give every request an id (the client's X-Request-Id if sane) and echo it back; answer
    HTTP errors and unexpected failures with JSON bodies that leak nothing.

    One middleware rather than two: each costs a coroutine frame on every request.
    """
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if given and _REQUEST_ID.match(given) else _next_request_id()
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        if _in_admin_api(request):
            response = api_error(exc.status, exc.reason)
            response.headers.update(headers)
        else:
            body = error_object(INVALID_REQUEST, exc.reason,
                                data=f"{request.method} {request.path}")
            response = json_response(body, exc.status, **headers)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("unhandled error (request_id=%s)", request_id)
        if _in_admin_api(request):
            response = api_error(500, "internal error", request_id=request_id)
        else:
            body = error_object(INTERNAL_ERROR, data={"requestId": request_id})
            response = json_response(body, 500)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _in_admin_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX + "/")
