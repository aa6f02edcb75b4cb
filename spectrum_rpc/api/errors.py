"""What the dialects with an error shape of their own share: the error that carries its answer
in the dialect's shape, the handler wrapper that answers every failure with one
(never a traceback, never the middleware's JSON-RPC shape), and a refusal's reason as the
sentence the dialects answer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..resources import REQUEST_ID
from ..store import StoreRefused
from .jsonrpc import refusal
from .responses import json_response

Answer = Callable[[web.Request], Awaitable[web.Response]]


class DialectError(Exception):
    """An error with its answer: the HTTP status, the body in the dialect's shape, headers."""

    def __init__(self, message: str, status: int, body: dict[str, Any],
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> web.Response:
        """Return the error as an HTTP response."""
        return json_response(self.body, self.status, **self.headers)


# The dialect's 500 for a request (its id, to quote in the answer, given).
Internal = Callable[[web.Request, str], DialectError]
# The dialect's 503 for a request (the sentence to answer and the headers, Retry-After, given).
Unavailable = Callable[[web.Request, str, dict[str, str]], DialectError]


def sentence(reason: str) -> str:
    """Return a refusal's reason (a refused body's, a key's limit's) as a sentence."""
    return reason[:1].upper() + reason[1:] + "."


def guarded(answer: Answer, internal: Internal, unavailable: Unavailable,
            log: logging.Logger) -> Answer:
    """Wrap a handler: a DialectError is answered as it is; a request the store refused (a
    full disk, the database out of reach) with `unavailable` (503, Retry-After); any other
    failure is logged on the dialect's `log` and answered with `internal(request, request_id)`."""

    @functools.wraps(answer)  # its module names the API in the metrics (metrics.api_of)
    async def handle(request: web.Request) -> web.Response:
        try:
            return await answer(request)
        except DialectError as error:
            return error.response()
        except StoreRefused as refused:  # the store logs it, once a minute: not per request
            reason, seconds = refusal(refused)
            return unavailable(request, sentence(reason), {"Retry-After": str(seconds)}).response()
        except ConnectionResetError:  # the client left: nobody to answer
            raise
        except Exception:  # the middleware's answer would be JSON-RPC's shape
            request_id = request[REQUEST_ID]
            log.exception("unhandled error (request_id=%s)", request_id)
            return internal(request, request_id).response()

    return handle
