"""What the REST dialects (contentmod, discuse, blueprint) share: an error each answers in its
own shape, the JSON body read within the server's body limits (its share of the large-body
budget held until the answer is built), and the handler wrapper that
turns any failure into that shape (never a traceback, never another dialect's shape)."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from aiohttp import web

from ..auth import LimitExceeded
from ..body import BodyRefused
from ..resources import BODIES, USAGE
from ..store import KeyRecord
from .errors import Answer, DialectError, guarded, sentence


class RestError(Exception):
    """A failure to answer in the dialect's error shape: the HTTP status, a sentence for the
    caller, the field at fault (dotted path, or None) and headers to send with it."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


# A dialect's error shape: the body answered for an error to a request.
Shape = Callable[[RestError, web.Request], dict[str, Any]]
# The RateLimit-* headers of a key with limits, for the answer (set by admit).
_LIMITED = web.RequestKey("rest_ratelimit_headers", dict)


async def admit(request: web.Request, key: KeyRecord, api: str) -> None:
    """Count an authenticated request against its key (usage, rate limit, monthly quota);
    raise RestError (429, with Retry-After and RateLimit-* headers) when a limit refuses it."""
    try:
        limited = await request.app[USAGE].admit(key, api)
    except LimitExceeded as refused:
        raise RestError(429, sentence(refused.message), headers=refused.headers()) from None
    if limited is not None:
        request[_LIMITED] = limited


@asynccontextmanager
async def json_body(request: web.Request) -> AsyncIterator[Any]:
    """Yield the request's JSON body, holding the body's share of the large-body budget until
    the block ends: keep the block open until the answer is built (what the body asks for, its
    images' bytes included, stays in memory until then). Raise RestError for a refused body or
    invalid JSON."""
    try:
        async with request.app[BODIES].receive(request) as body:
            try:
                data = orjson.loads(body) if body.strip() else None
            except orjson.JSONDecodeError:
                raise RestError(400, "The body is not valid JSON.") from None
            del body  # the parsed value is what stays in memory, still counted
            yield data
    except BodyRefused as refused:
        raise RestError(refused.status, sentence(refused.reason),
                        headers=refused.headers) from None


def keep_body_budget(request: web.Request) -> Callable[[], None]:
    """Within `json_body`'s block: keep the body's share of the large-body budget past the block
    (for work that goes on after the answer, holding what the body asked for); return the
    function that gives it back, to call once that work ends, whether it succeeded or failed."""
    return request.app[BODIES].keep(request)


def handler(answer: Answer, shape: Shape, log: logging.Logger) -> Answer:
    """Wrap an endpoint so that every failure is answered in the dialect's shape, and an
    unexpected one logged on the dialect's `log` (its own logger, not this module's)."""

    @functools.wraps(answer)  # the dialect's module names its API in the metrics
    async def shaped(request: web.Request) -> web.Response:
        try:
            response = await answer(request)
        except RestError as error:
            raise _answer(error, shape, request) from None
        limited = request.get(_LIMITED)
        if limited is not None:  # a key with limits: RateLimit-* on every answer
            response.headers.update(limited)
        return response

    def internal(request: web.Request, request_id: str) -> DialectError:
        error = RestError(500, f"The server had a problem (request id {request_id}). "
                          "Try again later.")
        return _answer(error, shape, request)

    def unavailable(request: web.Request, message: str, headers: dict[str, str]
                    ) -> DialectError:
        return _answer(RestError(503, message, headers=headers), shape, request)

    return guarded(shaped, internal, unavailable, log)


def _answer(error: RestError, shape: Shape, request: web.Request) -> DialectError:
    return DialectError(error.message, error.status, shape(error, request), error.headers)


def wrong_method(allowed: str, shape: Shape, log: logging.Logger) -> Answer:
    """Return an endpoint answering 405 (with `Allow`) in the dialect's shape."""

    async def wrong(request: web.Request) -> web.Response:
        raise RestError(405, f"Use {allowed} on this endpoint.", headers={"Allow": allowed})

    wrong.__module__ = shape.__module__  # the dialect's module names its API in the metrics
    return handler(wrong, shape, log)


def field_of(body: Any, path: str, kinds: type | tuple[type, ...], name: str,
             required: bool = False) -> Any:
    """Return `body[path]` if it has one of the kinds (None when absent and not required);
    raise RestError (400, naming `name`) otherwise. Booleans are never numbers here."""
    value = body.get(path) if isinstance(body, dict) else None
    if value is None:
        if required:
            raise RestError(400, f"`{name}` is required.", name)
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        raise RestError(400, f"`{name}` must be {_kind_names(kinds)}.", name)
    return value


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


_NAMES = {str: "a string", bool: "true or false", dict: "an object", list: "an array",
          int: "a number", float: "a number"}


def _kind_names(kinds: type | tuple[type, ...]) -> str:
    names = dict.fromkeys(_NAMES.get(k, k.__name__) for k in _tuple(kinds))
    return " or ".join(names)
