"""What clients can make the server log, bounded: one WARNING line per cause per interval.

Unauthenticated clients can make aiohttp and asyncio log a traceback per request: a corrupt
gzip, br or zstd body fails again when aiohttp drains it after the answer ("Unhandled
exception", about 1.7 KB each), malformed HTTP is "Error handling request", and running out of
file descriptors is "socket.accept() out of system resource" several times a second. `serve`
installs `ClientNoise` on those loggers: each such record becomes one WARNING line without
the traceback, at most once per cause per interval, with the number of those not logged since.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

INTERVAL = 60.0
# The exceptions a client causes: bytes that are not HTTP, a body that does not decode.
CLIENT_ERRORS = (HttpProcessingError, web.RequestPayloadError)
ACCEPT_FAILED = "socket.accept() out of system resource"


class Throttle:
    """Let one event per cause through every `interval` seconds and count the others."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, cause: str) -> int | None:
        """Return how many events of `cause` were held back since the last one let through,
        or None when this one is to be held back too."""
        now = self.clock()
        last = self._last.get(cause)
        if last is not None and now - last < self.interval:
            self._held[cause] = self._held.get(cause, 0) + 1
            return None
        self._last[cause] = now
        return self._held.pop(cause, 0)

    def force(self, cause: str) -> int:
        """Let an event of `cause` through whatever the interval (its limit starts again from
        now); return how many were held back since the last one let through."""
        self._last[cause] = self.clock()
        return self._held.pop(cause, 0)


class ClientNoise(logging.Filter):
    """Turn the records clients cause into rate-limited one-line WARNINGs; pass the others."""

    def __init__(self, throttle: Throttle | None = None):
        super().__init__()
        self.throttle = throttle or Throttle()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a record caused by a client, or drop it if its cause was logged lately."""
        described = _client_cause(record)
        if described is None:
            return True
        cause, line = described
        held = self.throttle.allow(cause)
        if held is None:
            return False
        if held:
            line += f" ({held} more since the last such line, not logged)"
        record.msg, record.args = line, ()
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def _client_cause(record: logging.LogRecord) -> tuple[str, str] | None:
    """Return (cause, one line) for a record a client caused, else None."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(record.msg, str) and record.msg.startswith(ACCEPT_FAILED):
        return "accept", f"could not accept a connection: {exc} (too many open files?)"
    if not isinstance(exc, CLIENT_ERRORS):
        return None
    # The exception's text may quote the client's bytes: collapsed to one line and repr'd.
    detail = " ".join(str(exc).split())
    what = "a corrupt request body" if isinstance(exc, web.RequestPayloadError) \
        else "a malformed HTTP request"
    return type(exc).__name__, f"refused {what}: {type(exc).__name__} {detail[:160]!r}"


def install(interval: float = INTERVAL) -> ClientNoise:
    """Filter the loggers that clients can fill (aiohttp's server log, asyncio's)."""
    noise = ClientNoise(Throttle(interval))
    for name in ("aiohttp.server", "asyncio"):
        logging.getLogger(name).addFilter(noise)
    return noise
