"""create_app(settings): routes, middlewares and one cleanup context per long-lived resource."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
from aiohttp import web

from .auth import KeyAuthenticator
from .constants import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    JSON_CONTENT_TYPE,
    PAYLOAD_TOO_LARGE,
    REQUEST_ID_HEADER,
    RPC_PATH,
    UNAUTHORIZED,
)
from .engine import MicroBatcher, load_engine
from .methods import METHODS, Context, Services
from .policy import Policies
from .rpc import Protocol, error_object
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
SERVICES = web.AppKey("services", Services)
AUTH = web.AppKey("auth", KeyAuthenticator)
PROTOCOL = web.AppKey("protocol", Protocol)
CLASSIFIER = web.AppKey("classifier", MicroBatcher)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_WWW_AUTHENTICATE = 'Apikey realm="spectrum-rpc", charset="UTF-8"'


class BodyTooLarge(Exception):
    """The request body exceeds server.max_body_bytes."""


def json_response(body: bytes | dict | list, status: int = 200, **headers: str) -> web.Response:
    """Return an application/json response from bytes or a JSON-able object."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return web.Response(body=raw, status=status, content_type=JSON_CONTENT_TYPE, headers=headers)


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read the (decompressed) body, refusing it as soon as it exceeds `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:  # also catches gzip bombs: aiohttp counts decompressed bytes here
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def handle_rpc(request: web.Request) -> web.Response:
    """POST /api/v1/classification: authenticate, then hand the body to the protocol."""
    app = request.app
    request_id = request[REQUEST_ID_KEY]
    key = await app[AUTH].authenticate(request.headers.get("Authorization"))
    if key is None:
        body = error_object(UNAUTHORIZED, data="send 'Authorization: Apikey YOUR_KEY'")
        return json_response(body, 401, **{"WWW-Authenticate": _WWW_AUTHENTICATE})
    settings = app[SETTINGS]
    try:
        body = await read_body(request, settings.server.max_body_bytes)
    except BodyTooLarge:
        limit = settings.server.max_body_bytes
        err = error_object(PAYLOAD_TOO_LARGE, data=f"the body is larger than {limit} bytes")
        return json_response(err, 413, Connection="close")
    context = Context(app[SERVICES], key, request_id)
    answer = await app[PROTOCOL].handle(body, context)
    if answer is None:
        return web.Response(status=204)
    return json_response(answer)


async def handle_healthz(request: web.Request) -> web.Response:
    """Answer 200 once the server accepts requests."""
    return json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    """Answer 200 only while the store is reachable."""
    if await request.app[STORE].ping():
        return json_response({"status": "ready"})
    return json_response({"status": "store unreachable"}, 503)


REQUEST_ID_KEY = "spectrum_request_id"


@web.middleware
async def request_id_middleware(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    """Give every request an id (the client's X-Request-Id if sane) and echo it back."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request[REQUEST_ID_KEY] = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
    response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = request[REQUEST_ID_KEY]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    """Answer HTTP errors and unexpected failures with JSON bodies that leak nothing."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        body = error_object(INVALID_REQUEST, exc.reason, data=f"{request.method} {request.path}")
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return json_response(body, exc.status, **headers)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        rid = request.get(REQUEST_ID_KEY)
        log.exception("unhandled error (request_id=%s)", rid)
        return json_response(error_object(INTERNAL_ERROR, data={"requestId": rid}), 500)


def create_app(settings: Settings) -> web.Application:
    """Build the application; resources open and close with it."""
    app = web.Application(
        middlewares=[request_id_middleware, error_middleware],
        client_max_size=settings.server.max_body_bytes,
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_classifier_ctx)
    app.cleanup_ctx.append(_services_ctx)
    app.cleanup_ctx.append(_last_used_ctx)
    app.router.add_post(RPC_PATH, handle_rpc)
    app.router.add_get("/healthz", handle_healthz)
    app.router.add_get("/readyz", handle_readyz)
    return app


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].store
    store = Store(settings.path, synchronous=settings.synchronous, max_batch=settings.commit_max_batch)
    app[STORE] = await store.open()
    yield
    await store.close()


async def _classifier_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].engine
    engine = load_engine(Path(settings.model_dir) if settings.model_dir else None)
    batcher = MicroBatcher(
        engine,
        max_batch=settings.max_batch,
        max_delay=settings.max_delay,
        workers=settings.workers or None,
    )
    await batcher.start()
    app[CLASSIFIER] = batcher
    yield
    await batcher.close()


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = app[STORE]
    app[AUTH] = KeyAuthenticator(store, settings.auth.key_cache_ttl)
    app[SERVICES] = Services(store, app[CLASSIFIER], Policies(store, settings))
    app[PROTOCOL] = Protocol(
        METHODS,
        max_batch=settings.server.max_batch_size,
        concurrency=settings.server.batch_concurrency,
    )
    yield


async def _last_used_ctx(app: web.Application) -> AsyncIterator[None]:
    auth = app[AUTH]
    interval = app[SETTINGS].auth.last_used_flush_interval

    async def flush_periodically() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await auth.flush_last_used()
            except Exception:
                log.exception("could not record key last-use times")

    task = asyncio.create_task(flush_periodically(), name="key-last-used")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await auth.flush_last_used()

