"""Prometheus metrics at /metrics: a registry per app, counted on the request path and read
from the engine, the store and the webhook dispatcher at scrape time.

The engine and the store know nothing of Prometheus: they keep plain counters (power-of-two
histograms as `Counter`s keyed by `bit_length()`), which `Live` turns into metric families when
scraped. Access is default-deny: the client's address must be in `metrics.allow_from`, or it
must send the configured bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest

from .settings import MetricsSettings, networks
from .store import StoreRefused

PATH = "/metrics"
_PREFIX = "spectrum_rpc_"
# Seconds: from a cached lookup to a 15 MB text.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                    5.0, 10.0, 30.0)


class _Batcher(Protocol):
    stats: Any  # BatcherStats: batches, texts, long_texts, failures, sizes
    queue_depth: int
    busy: int


@dataclass
class Sources:
    """What the scrape reads; each may be absent (webhooks off, before start-up)."""

    lanes: Callable[[], Iterable[_Batcher]] = tuple
    store: Any = None  # Store: .db (commits, group_sizes, commit_micros), .feedback.added
    dispatcher: Any = None  # Dispatcher: delivered, failed, retried, in_flight
    webhook_counts: Callable[[], Awaitable[Mapping[str, int]]] | None = None


class Metrics:
    """The app's metrics: its own registry, the request counters, the scrape handler."""

    def __init__(self, settings: MetricsSettings):
        self.access = Access(settings)
        self.registry = CollectorRegistry()
        self.sources = Sources()
        self._live = Live(self.sources)
        self.registry.register(self._live)
        self.http_requests = Counter(
            _PREFIX + "http_requests", "HTTP requests answered, by API and status",
            ["api", "status"], registry=self.registry)
        self.http_seconds = Histogram(
            _PREFIX + "http_request_duration_seconds", "HTTP request latency, by API",
            ["api"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.rpc_requests = Counter(
            _PREFIX + "jsonrpc_requests",
            "JSON-RPC request objects, by API, method and outcome (ok or the error code)",
            ["api", "method", "outcome"], registry=self.registry)
        self.rpc_seconds = Histogram(
            _PREFIX + "jsonrpc_request_duration_seconds",
            "JSON-RPC request latency (one request object), by API and method",
            ["api", "method"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self._http_children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._rpc_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def rpc_observer(self, api: str) -> Callable[[str, int, float], None]:
        """Return the observer a JSON-RPC protocol reports each request object to."""
        children = self._rpc_children

        def observe(method: str, code: int, seconds: float) -> None:
            key = (api, method, code)
            pair = children.get(key)
            if pair is None:  # label lookups take a lock: do each once
                outcome = str(code) if code else "ok"
                pair = children[key] = (self.rpc_requests.labels(api, method, outcome),
                                        self.rpc_seconds.labels(api, method))
            pair[0].inc()
            pair[1].observe(seconds)

        return observe

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Count every HTTP request by API and status, and time it (a request cancelled by its
        client's leaving is not counted: it got no status)."""
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self._http(request, exc.status, time.perf_counter() - started)
            raise
        self._http(request, response.status, time.perf_counter() - started)
        return response

    def _http(self, request: web.Request, status: int, seconds: float) -> None:
        # Keyed by name, not route: a request no route matched gets a route of its own.
        api = api_of(request.match_info.route)
        pair = self._http_children.get((api, status))
        if pair is None:
            pair = self._http_children[api, status] = (
                self.http_requests.labels(api, str(status)), self.http_seconds.labels(api))
        pair[0].inc()
        pair[1].observe(seconds)

    async def handle(self, request: web.Request) -> web.Response:
        """GET /metrics: the text exposition format, to allowed clients only."""
        if not self.access.allows(request):
            return web.json_response({"error": "forbidden: see metrics.allow_from and "
                                               "metrics.token"}, status=403)
        await self._live.refresh()
        return web.Response(body=generate_latest(self.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


def api_of(route: AbstractRoute) -> str:
    """Name the API a route belongs to: an API dialect by its module's name (adding one needs
    no change here), else the part of the server (routes, never raw paths: labels stay few)."""
    module = getattr(route.handler, "__module__", None) or ""
    if module.startswith(_API):
        return module[len(_API):].partition(".")[0]
    if module.startswith(_PACKAGE):
        part = module[len(_PACKAGE):].partition(".")[0]
        return _PARTS.get(part, part)
    resource = route.resource
    if resource is not None and resource.canonical.startswith("/admin"):
        return "admin"  # its static files, served by aiohttp's own handler
    return "other"  # no route matched (404)


_API = "spectrum_rpc.api."
_PACKAGE = "spectrum_rpc."
_PARTS = {"app": "health"}  # app.py's own handlers: /healthz and /readyz


class Access:
    """Default-deny: an allowed network (the TCP peer; X-Forwarded-For is not trusted) or the
    bearer token."""

    def __init__(self, settings: MetricsSettings):
        self.networks = [ipaddress.ip_network(n) for n in networks(settings.allow_from)]
        self.token = settings.token.encode()

    def allows(self, request: web.Request) -> bool:
        """Whether this client may read the metrics."""
        if self.token:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  self.token):
                return True
        try:
            address = ipaddress.ip_address((request.remote or "").split("%")[0])
        except ValueError:  # a Unix socket, or no peer
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


class Live:
    """A collector reading the engine's, store's and dispatcher's own counters when scraped."""

    def __init__(self, sources: Sources):
        self.sources = sources
        self._webhook_counts: Mapping[str, int] = {}

    async def refresh(self) -> None:
        """Read what needs a query (the webhook queue) before a scrape."""
        read = self.sources.webhook_counts
        try:
            self._webhook_counts = dict(await read()) if read is not None else {}
        except StoreRefused:  # the database is away: what is in memory is still worth a scrape
            self._webhook_counts = {}

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: names are fixed below

    def collect(self) -> Iterator[Metric]:
        yield from self._engine()
        yield from self._store()
        yield from self._webhooks()

    def _engine(self) -> Iterator[Metric]:
        lanes = list(self.sources.lanes())
        stats = [lane.stats for lane in lanes]
        yield _counter("engine_batches", "Batches of short texts scored",
                       sum(s.batches for s in stats))
        yield _counter("engine_texts", "Texts scored in batches", sum(s.texts for s in stats))
        yield _counter("engine_long_texts", "Long texts scored in their own lane",
                       sum(s.long_texts for s in stats))
        yield _counter("engine_batch_failures", "Batches whose scoring failed",
                       sum(s.failures for s in stats))
        yield _histogram("engine_batch_size", "Texts per scored batch",
                         _merged(s.sizes for s in stats), sum(s.texts for s in stats), _SIZE_BITS,
                         _size_le)
        yield _gauge("engine_queue_depth", "Texts waiting for a free engine worker",
                     sum(lane.queue_depth for lane in lanes))
        yield _gauge("engine_batches_in_flight", "Batches being scored",
                     sum(lane.busy for lane in lanes))

    def _store(self) -> Iterator[Metric]:
        store = self.sources.store
        if store is None:
            return
        db = store.db
        yield _counter("store_commits", "Group commits", db.commits)
        yield _counter("store_statements_committed", "Statements committed",
                       db.statements_committed)
        yield _counter("store_writes_refused_disk_full", "Writes refused: the disk is full",
                       db.refused_disk_full)
        yield _counter("store_unavailable", "Reads and writes failed: the database cannot be "
                       "reached (each refused in its caller's answer)", db.unavailable)
        yield _histogram("store_commit_group_size", "Writes sharing one commit",
                         db.group_sizes, db.writes_committed, _SIZE_BITS, _size_le)
        yield _histogram("store_commit_duration_seconds", "Time to run and commit a group",
                         db.commit_micros, db.commit_seconds, _MICROS_BITS, _micros_le)
        yield _counter("feedback_rows", "Feedback rows recorded (recordUserClassification)",
                       store.feedback.added)

    def _webhooks(self) -> Iterator[Metric]:
        dispatcher = self.sources.dispatcher
        if dispatcher is not None:
            deliveries = CounterMetricFamily(
                _PREFIX + "webhook_delivery_attempts",
                "Webhook delivery attempts by outcome (retried: will be tried again)",
                labels=["outcome"])
            for outcome in ("delivered", "failed", "retried"):
                deliveries.add_metric([outcome], getattr(dispatcher, outcome))
            yield deliveries
            yield _gauge("webhook_deliveries_in_flight", "Deliveries being sent",
                         dispatcher.in_flight)
        if self._webhook_counts:
            queue = GaugeMetricFamily(_PREFIX + "webhook_deliveries",
                                      "Webhook deliveries in the store, by state",
                                      labels=["state"])
            for state, count in sorted(self._webhook_counts.items()):
                queue.add_metric([state], count)
            yield queue


def _counter(name: str, documentation: str, value: float) -> Metric:
    return CounterMetricFamily(_PREFIX + name, documentation, value=value)


def _gauge(name: str, documentation: str, value: float) -> Metric:
    return GaugeMetricFamily(_PREFIX + name, documentation, value=value)


def _merged(counters: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for counter in counters:
        for bits, n in counter.items():
            merged[bits] = merged.get(bits, 0) + n
    return merged


# Bucket bounds as bit_length() ranges: sizes 1 to 4,095, durations 128 µs to 33.6 s.
_SIZE_BITS = range(1, 13)
_MICROS_BITS = range(8, 26)


def _size_le(bits: int) -> float:
    """The largest integer with this bit_length."""
    return float((1 << bits) - 1)


def _micros_le(bits: int) -> float:
    """Microseconds of this bit_length are below 2**bits: the bound in seconds."""
    return (1 << bits) / 1e6


def _histogram(name: str, documentation: str, by_bits: Mapping[int, int], total: float,
               bounds: range, le: Callable[[int], float]) -> Metric:
    """A histogram from counts keyed by bit_length(), over fixed bounds."""
    buckets = [(repr(le(bits)), sum(n for b, n in by_bits.items() if b <= bits))
               for bits in bounds]
    buckets.append(("+Inf", sum(by_bits.values())))
    return HistogramMetricFamily(_PREFIX + name, documentation, buckets=buckets,
                                 sum_value=total)
