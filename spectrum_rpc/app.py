"""create_app(settings): routes, middlewares and one cleanup context per long-lived resource."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web, web_app

from . import __version__, admin, api
from .analysis import Analyzer, Offload, Policies
from .api.responses import json_response
from .auth import KeyAuthenticator, Usage
from .body import Bodies, ByteBudget
from .constants import RPC_PATH
from .engine import MicroBatcher
from .media import ImageModerator
from .metrics import PATH as METRICS_PATH
from .metrics import Metrics
from .middleware import TrustedProxies, request_middleware
from .resources import (
    ANALYZER,
    AUTH,
    BODIES,
    CLASSIFIER,
    DISPATCHER,
    IMAGES,
    METRICS,
    SCHEDULE,
    SETTINGS,
    STORE,
    USAGE,
)
from .settings import Settings
from .store import Store, StoreRefused
from .tasks import cancel
from .training import RetrainSchedule
from .versions import ModelRegistry, ModelRouter, model_root, shipped_dir
from .webhooks import Dispatcher, Outbox, create_session

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> web.Application:
    """Build the application; resources open and close with it, in dependency order."""
    # Metrics cost nothing when off: no middleware, no observer, no route.
    metrics = Metrics(settings.metrics) if settings.metrics.enabled else None
    middlewares = [request_middleware]
    if metrics is not None:
        middlewares.insert(0, metrics.middleware)
    if settings.server.trusted_proxies:
        # Outermost, so that the metrics' access check sees a proxied client's own address.
        middlewares.insert(0, TrustedProxies(settings.server.trusted_proxies).middleware)
    app = web.Application(
        middlewares=middlewares,
        client_max_size=settings.server.max_body_bytes,
    )
    app[SETTINGS] = settings
    server = settings.server
    app[BODIES] = Bodies(ByteBudget(server.max_pending_body_bytes), server.max_body_bytes,
                         server.body_wait)
    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_classifier_ctx)
    app.cleanup_ctx.append(_analyzer_ctx)
    app.cleanup_ctx.append(_auth_ctx)
    app.cleanup_ctx.append(_usage_ctx)
    app.cleanup_ctx.append(_schedule_ctx)
    app.cleanup_ctx.append(_webhooks_ctx)
    app.cleanup_ctx.append(_images_ctx)
    if metrics is not None:
        app[METRICS] = metrics
        app.cleanup_ctx.append(_metrics_ctx)
        app.router.add_get(METRICS_PATH, metrics.handle)
    for dialect in api.DIALECTS:
        dialect.setup(app)
    app.router.add_get("/", handle_root)
    app.router.add_get("/healthz", handle_healthz)
    app.router.add_get("/readyz", handle_readyz)
    admin.setup(app)
    app.on_cleanup.append(_forget_middleware_chains)  # after every context above has closed
    return app


async def handle_root(request: web.Request) -> web.Response:
    """Send a browser to the admin UI; tell a program what this server is and where."""
    if "text/html" in request.headers.get("Accept", ""):
        raise web.HTTPFound("/admin/")
    return json_response({"name": "spectrum-rpc", "version": __version__,
                          "api": RPC_PATH, "admin": "/admin/"})


async def handle_healthz(request: web.Request) -> web.Response:
    """Answer 200 once the server accepts requests."""
    return json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    """Answer 200 only while the store is reachable."""
    if await request.app[STORE].ping():
        return json_response({"status": "ready"})
    return json_response({"status": "store unreachable"}, 503)


async def _forget_middleware_chains(app: web.Application) -> None:
    """Let go of the closed app: aiohttp caches each handler's middleware chain process-wide
    (up to 1,024 entries) keyed by the handler and its apps, so every app that served a request
    stayed alive with its models, detectors and store objects. One app per process never noticed;
    the test process, which builds an app per test, grew by gigabytes. Clearing also drops other
    live apps' chains, which their next request rebuilds."""
    cache = getattr(web_app, "_cached_build_middleware", None)  # private: absent in some versions
    if cache is not None:
        cache.cache_clear()


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    store = Store.from_settings(app[SETTINGS].store)
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
            model if engine.encoder else model.without_encoder(),
            max_batch=engine.max_batch, max_delay=engine.max_delay,
            workers=engine.workers or None, processes=engine.processes,
        ),
        poll_interval=settings.training.poll_interval,
    )
    await router.start()
    app[CLASSIFIER] = router
    stop = app[STORE].on_change(router.changed)  # a promotion through another process
    yield
    stop()
    await router.close()


async def _analyzer_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    policies = Policies(app[STORE], settings)
    app[ANALYZER] = analyzer = Analyzer(
        app[CLASSIFIER], policies, offload=Offload(settings.engine.detector_process_chars))
    stop = app[STORE].on_change(policies.changed)
    yield
    stop()
    await analyzer.close()


async def _auth_ctx(app: web.Application) -> AsyncIterator[None]:
    """Look API keys up through a short cache; record their last use now and then."""
    settings = app[SETTINGS].auth
    auth = app[AUTH] = KeyAuthenticator(app[STORE], settings.key_cache_ttl,
                                        app[SETTINGS].store.outage_grace)

    async def flush_periodically() -> None:
        while True:
            await asyncio.sleep(settings.last_used_flush_interval)
            try:
                await auth.flush_last_used()
            except StoreRefused:  # the store logs it, once a minute
                pass
            except Exception:
                log.exception("could not record key last-use times")

    task = asyncio.create_task(flush_periodically(), name="key-last-used")
    stop = app[STORE].on_change(auth.changed)  # a key revoked through another process
    yield
    stop()
    await cancel(task)
    await auth.flush_last_used()


async def _usage_ctx(app: web.Application) -> AsyncIterator[None]:
    """Count requests per key in memory, flushed every usage.flush_interval; enforce limits."""
    usage = app[USAGE] = Usage(app[STORE], app[SETTINGS].usage.flush_interval)
    await usage.start()
    stop = app[STORE].on_change(usage.changed)  # a key's limits set through another process
    yield
    stop()
    await usage.close()


async def _webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    """Own the webhook HTTP session and dispatcher; every analysis feeds the outbox."""
    settings = app[SETTINGS].webhooks
    if not settings.enabled:
        yield
        return
    async with create_session(settings) as session:
        dispatcher = Dispatcher(app[STORE], session, settings)
        first_delay = settings.schedule[0] if settings.schedule else 0.0
        outbox = Outbox(
            app[STORE], ttl=settings.cache_ttl, on_enqueue=dispatcher.wake, first_delay=first_delay,
            outage_grace=app[SETTINGS].store.outage_grace,
        )
        app[ANALYZER].listeners.append(outbox)
        app[DISPATCHER] = dispatcher
        await dispatcher.start()
        stop = app[STORE].on_change(outbox.changed)
        yield
        stop()
        await dispatcher.close()


async def _images_ctx(app: web.Application) -> AsyncIterator[None]:
    """Own the image fetch session and scoring threads (the model loads on first use)."""
    images = app[IMAGES] = await ImageModerator(app[SETTINGS].images).open()
    yield
    await images.close()


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    """Point the metrics at what they read when scraped (after the contexts that open it)."""
    sources = app[METRICS].sources
    store, router = app[STORE], app[CLASSIFIER]
    sources.store = store
    sources.lanes = lambda: router.routes.lanes.values()
    if DISPATCHER in app:
        sources.dispatcher = app[DISPATCHER]
        sources.webhook_counts = store.webhooks.counts
    yield


async def _schedule_ctx(app: web.Application) -> AsyncIterator[None]:
    """Retrain on a schedule when training.schedule_interval > 0 (off by default)."""
    settings = app[SETTINGS]
    schedule = RetrainSchedule(app[STORE], settings, settings.training.schedule_interval)
    app[SCHEDULE] = schedule
    schedule.start()
    yield
    await schedule.close()
