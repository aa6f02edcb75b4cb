"""A bound on open connections, kept below the process's file limit, that keeps serving.

Without one, a thousand connections that never send a byte use up the open-file limit: every
real request then times out and asyncio logs each failed accept. `GuardedSite` listens like
aiohttp's SockSite, but past `limit` open connections it closes the one that has waited longest
for a request (a client that never sent one, sent its headers slowly, or an idle keep-alive)
to make room, and only when every connection is busy with a request turns the newcomer away.
Slow headers and idle keep-alives are timed out by aiohttp itself (`server.idle_timeout`,
passed as its keepalive_timeout, which runs from the moment a connection opens since 3.14.5 at
the latest; tests/test_connection_limits.py pins it).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import Callable

from aiohttp import web

from .log_limits import Throttle
from .settings import Settings

log = logging.getLogger(__name__)

# Descriptors kept for everything but client connections: the database (file, WAL and shared
# memory per connection), the engine processes' pipes, log files, the listening socket.
RESERVED = 64


def connection_limit(settings: Settings) -> int:
    """Return server.max_connections, or when 0, the open-file limit less what the server
    needs besides client connections (RESERVED, an eighth, and the webhook connections)."""
    if settings.server.max_connections:
        return settings.server.max_connections
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 16
    spare = max(RESERVED, soft // 8) + settings.webhooks.concurrency
    return max(16, soft - spare)


def _waiting_for_a_request(handler: web.RequestHandler) -> bool:
    # aiohttp has no public flag for this; it is the test its own keep-alive timer makes
    # (RequestHandler._process_keepalive): the handler awaits the next request's head.
    waiter = getattr(handler, "_waiter", None)
    return waiter is not None and not waiter.done()


class _TurnedAway(asyncio.Protocol):
    """Close a connection as soon as it is made: no room, and nobody idle to make room."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class ConnectionGuard:
    """Keep at most `limit` connections of a `web.Server` open (see the module's doc)."""

    def __init__(self, limit: int, throttle: Throttle | None = None):
        self.limit = limit
        self.throttle = throttle or Throttle()
        self.closed_idle = 0
        self.turned_away = 0

    def factory(self, server: web.Server) -> Callable[[], asyncio.Protocol]:
        """Return a protocol factory for `loop.create_server` that admits within the limit."""

        def admit() -> asyncio.Protocol:
            open_now = server.connections  # oldest first
            if len(open_now) >= self.limit and not self._make_room(open_now):
                self.turned_away += 1
                self._report()
                return _TurnedAway()
            return server()

        return admit

    def _make_room(self, open_now: list[web.RequestHandler]) -> bool:
        live = [h for h in open_now if h.transport is not None]
        if len(live) < self.limit:  # the rest are closing already
            return True
        oldest_idle = next((h for h in live if _waiting_for_a_request(h)), None)
        if oldest_idle is None:
            return False
        oldest_idle.force_close()
        self.closed_idle += 1
        self._report()
        return True

    def _report(self) -> None:
        if self.throttle.allow("connection limit") is not None:
            log.warning("at the connection limit (%d): %d idle connections closed to make "
                        "room and %d new ones turned away so far", self.limit,
                        self.closed_idle, self.turned_away)


class GuardedSite(web.BaseSite):
    """aiohttp's SockSite (a bound socket) with a `ConnectionGuard` in front of the runner's
    server; sites that share a guard share its limit."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, guard: ConnectionGuard):
        super().__init__(runner)
        self._sock = sock
        self._guard = guard

    @property
    def name(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    async def start(self) -> None:
        """Listen on the socket (registered with the runner, which stops it)."""
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.factory(server), sock=self._sock, backlog=self._backlog)
        log.info("listening on %s, at most %d client connections at once "
                 "(server.max_connections)", self.name, self._guard.limit)
