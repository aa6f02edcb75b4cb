"""create_app(settings): routes, middlewares and one cleanup context per long-lived resource."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import secrets
from collections.abc import AsyncIterator

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from . import admin
from .auth import KeyAuthenticator
from .budget import LARGE_BODY, ByteBudget
from .constants import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    JSON_CONTENT_TYPE,
    PARSE_ERROR,
    PAYLOAD_TOO_LARGE,
    REQUEST_ID_HEADER,
    RPC_PATH,
    SERVER_BUSY,
    UNAUTHORIZED,
)
from .engine import MicroBatcher
from .methods import METHODS, Context, Services
from .policy import Policies
from .rpc import Protocol, error_object
from .settings import Settings
from .store import Store
from .tasks import cancel
from .training import KeyRateLimiter, ModelRegistry, model_root, shipped_dir
from .training.router import ModelRouter
from .training.schedule import RetrainSchedule
from .webhooks import Dispatcher, Outbox, create_session

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
SERVICES = web.AppKey("services", Services)
AUTH = web.AppKey("auth", KeyAuthenticator)
PROTOCOL = web.AppKey("protocol", Protocol)
CLASSIFIER = web.AppKey("classifier", ModelRouter)
SCHEDULE = web.AppKey("retrain_schedule", RetrainSchedule)
DISPATCHER = web.AppKey("webhook_dispatcher", Dispatcher)
BODY_BUDGET = web.AppKey("body_budget", ByteBudget)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Request ids only have to be unique, not secret: a random per-process prefix and a counter
# cost nothing, where a fresh token would read the system's random source on every request.
_REQUEST_ID_PREFIX = secrets.token_hex(4)
_request_counter = itertools.count(1)


def _next_request_id() -> str:
    return f"{_REQUEST_ID_PREFIX}{next(_request_counter):08x}"

_WWW_AUTHENTICATE = 'Apikey realm="spectrum-rpc", charset="UTF-8"'


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without the query string (it may hold user text,
    e.g. the admin feedback search), status, size, time and request id."""

    @property
    def enabled(self) -> bool:
        # Checked once per connection: below INFO, aiohttp skips timing and calling log().
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %d %s %.1fms rid=%s',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time * 1000,
            response.headers.get(REQUEST_ID_HEADER, "-"),
        )


class BodyTooLarge(Exception):
    """The request body exceeds server.max_body_bytes."""


def json_response(body: bytes | dict | list, status: int = 200, **headers: str) -> web.Response:
    """Return an application/json response from bytes or a JSON-able object."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return web.Response(body=raw, status=status, content_type=JSON_CONTENT_TYPE, headers=headers)


# What aiohttp decodes (br and zstd through Brotli and backports.zstd): one coding, named
# exactly. Anything else (x-gzip, a list such as "gzip, gzip") would reach the JSON parser
# still compressed, and the size limit would count compressed bytes.
CONTENT_CODINGS = frozenset({"gzip", "deflate", "br", "zstd", "identity"})


def unsupported_coding(request: web.Request) -> str | None:
    """Return the request's Content-Encoding if the server cannot decode it, else None."""
    coding = request.headers.get("Content-Encoding")
    if coding is None:
        return None
    return None if coding.strip().lower() in CONTENT_CODINGS else coding


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read the (decompressed) body, refusing it as soon as it exceeds `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    if request.content_length is not None and "Content-Encoding" not in request.headers:
        return await request.read()  # size known and within the limit: one read
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
    key = await app[AUTH].authenticate(request.headers.get("Authorization"))
    if key is None:
        body = error_object(UNAUTHORIZED, data="send 'Authorization: Apikey YOUR_KEY'")
        return json_response(body, 401, **{"WWW-Authenticate": _WWW_AUTHENTICATE})
    coding = unsupported_coding(request)
    if coding is not None:
        err = error_object(PARSE_ERROR, data=f"Content-Encoding {coding[:40]!r} is not supported; "
                           "send gzip, deflate, br, zstd or no encoding")
        return json_response(err, 415, Connection="close")
    settings = app[SETTINGS]
    budget = app[BODY_BUDGET]
    held = 0
    try:
        # A large body of known size takes its share of the budget before it is read; one
        # whose size is known only once read (chunked, compressed: Content-Length counts the
        # compressed bytes) takes it before it is parsed and handed to the engine, where most
        # of its memory would go.
        declared = request.content_length
        if declared is not None and declared >= LARGE_BODY and "Content-Encoding" not in \
                request.headers:
            held = await budget.take(declared, settings.server.body_wait)
            if not held:
                return _busy(settings)
        try:
            body = await read_body(request, settings.server.max_body_bytes)
        except BodyTooLarge:
            limit = settings.server.max_body_bytes
            err = error_object(PAYLOAD_TOO_LARGE, data=f"the body is larger than {limit} bytes")
            return json_response(err, 413, Connection="close")
        except web.RequestPayloadError:  # e.g. a corrupt gzip body: the client's fault
            err = error_object(PARSE_ERROR, data="the body could not be decoded")
            return json_response(err, 400, Connection="close")
        if not held and len(body) >= LARGE_BODY:
            held = await budget.take(len(body), settings.server.body_wait)
            if not held:
                return _busy(settings)
        context = Context(app[SERVICES], key, request[REQUEST_ID_KEY])
        answer = await app[PROTOCOL].handle(body, context)
    finally:
        if held:
            budget.release(held)
    if answer is None:
        return web.Response(status=204)
    return json_response(answer)


def _busy(settings: Settings) -> web.Response:
    limit = settings.server.max_pending_body_bytes
    err = error_object(SERVER_BUSY, data=f"more than {limit} bytes of large requests are "
                       "waiting to be scored; retry later")
    retry = max(1, round(settings.server.body_wait))
    # Closed: a refused body was never read, and the client should come back later anyway.
    return json_response(err, 503, Connection="close", **{"Retry-After": str(retry)})


async def handle_healthz(request: web.Request) -> web.Response:
    """Answer 200 once the server accepts requests."""
    return json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    """Answer 200 only while the store is reachable."""
    if await request.app[STORE].ping():
        return json_response({"status": "ready"})
    return json_response({"status": "store unreachable"}, 503)


REQUEST_ID_KEY = web.RequestKey("request_id", str)


@web.middleware
async def request_middleware(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    """Give every request an id (the client's X-Request-Id if sane) and echo it back; answer
    HTTP errors and unexpected failures with JSON bodies that leak nothing.

    One middleware rather than two: each costs a coroutine frame on every request.
    """
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if given and _REQUEST_ID.match(given) else _next_request_id()
    request[REQUEST_ID_KEY] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        body = error_object(INVALID_REQUEST, exc.reason, data=f"{request.method} {request.path}")
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        response = json_response(body, exc.status, **headers)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("unhandled error (request_id=%s)", request_id)
        response = json_response(error_object(INTERNAL_ERROR, data={"requestId": request_id}), 500)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def create_app(settings: Settings) -> web.Application:
    """Build the application; resources open and close with it."""
    app = web.Application(
        middlewares=[request_middleware],
        client_max_size=settings.server.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[BODY_BUDGET] = ByteBudget(settings.server.max_pending_body_bytes)
    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_classifier_ctx)
    app.cleanup_ctx.append(_services_ctx)
    app.cleanup_ctx.append(_schedule_ctx)
    app.cleanup_ctx.append(_webhooks_ctx)
    app.cleanup_ctx.append(_last_used_ctx)
    app.router.add_post(RPC_PATH, handle_rpc)
    app.router.add_get("/healthz", handle_healthz)
    app.router.add_get("/readyz", handle_readyz)
    admin.setup(app, store=STORE, services=SERVICES, classifier=CLASSIFIER, auth=AUTH,
                dispatcher=DISPATCHER)
    return app


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].store
    store = Store(
        settings.path, synchronous=settings.synchronous, max_batch=settings.commit_max_batch
    )
    app[STORE] = await store.open()
    yield
    await store.close()


async def _classifier_ctx(app: web.Application) -> AsyncIterator[None]:
    """Serve the store's active models; follow promotions without a restart."""
    settings = app[SETTINGS]
    engine = settings.engine
    registry = ModelRegistry(app[STORE], model_root(settings))
    await registry.ensure_shipped(shipped_dir(settings))
    router = ModelRouter(
        registry,
        lambda model: MicroBatcher(
            model, max_batch=engine.max_batch, max_delay=engine.max_delay,
            workers=engine.workers or None, processes=engine.processes,
        ),
        poll_interval=settings.training.poll_interval,
    )
    await router.start()
    app[CLASSIFIER] = router
    yield
    await router.close()


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = app[STORE]
    app[AUTH] = KeyAuthenticator(store, settings.auth.key_cache_ttl)
    limiter = KeyRateLimiter(settings.training.feedback_rate, settings.training.feedback_burst)
    app[SERVICES] = Services(
        store, app[CLASSIFIER], Policies(store, settings), feedback_limiter=limiter
    )
    app[PROTOCOL] = Protocol(
        METHODS,
        max_batch=settings.server.max_batch_size,
        concurrency=settings.server.batch_concurrency,
    )
    yield


async def _webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    """Own the webhook HTTP session and dispatcher; classifyText feeds the outbox."""
    settings = app[SETTINGS].webhooks
    if not settings.enabled:
        yield
        return
    async with create_session(settings) as session:
        dispatcher = Dispatcher(app[STORE], session, settings)
        first_delay = settings.schedule[0] if settings.schedule else 0.0
        outbox = Outbox(
            app[STORE], ttl=settings.cache_ttl, on_enqueue=dispatcher.wake, first_delay=first_delay
        )
        app[SERVICES].listeners.append(outbox)
        app[DISPATCHER] = dispatcher
        await dispatcher.start()
        yield
        await dispatcher.close()


async def _schedule_ctx(app: web.Application) -> AsyncIterator[None]:
    """Retrain on a schedule when training.schedule_interval > 0 (off by default)."""
    settings = app[SETTINGS]
    schedule = RetrainSchedule(app[STORE], settings, settings.training.schedule_interval)
    app[SCHEDULE] = schedule
    schedule.start()
    yield
    await schedule.close()


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
    await cancel(task)
    await auth.flush_last_used()

