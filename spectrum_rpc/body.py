"""Request bodies: decoding, the size limit, and the memory budget for large ones.

Every API dialect receives its body through `Bodies.receive`, which refuses what the server will
not take (`BodyRefused`: too large, an unsupported or corrupt encoding, no room in the budget)
and leaves the error's shape to the dialect.

The budget: a 15 MB text stays in memory from the moment its body is read until the engine has
scored it, and the long-text lane scores one at a time (about 2 s each), so a burst of large
requests queues up: measured, each one held about 50 MB in the server process (body, parsed
text and the frame to the engine). Without a bound, a few dozen concurrent large requests from
one key exhaust a small machine's memory. Requests beyond the budget wait their turn (first
come, first served) for a bounded time, holding only their connection, then are refused.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

# Bodies below this size are not counted: they are the hot path, and a few thousand of them in
# flight are still small next to one 15 MB text.
LARGE_BODY = 1 << 20


class ByteBudget:
    """Grant byte amounts up to `limit` in all; callers wait in arrival order beyond it."""

    def __init__(self, limit: int):
        if limit <= 0:
            raise ValueError("limit must be greater than 0")
        self.limit = limit
        self.used = 0
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    def charge(self, size: int) -> int:
        """Return what a body of `size` bytes is charged: one larger than the whole budget
        still gets in, alone."""
        return min(size, self.limit)

    async def acquire(self, amount: int, timeout: float) -> bool:
        """Take `amount` bytes (see `charge`), waiting up to `timeout` seconds; False if it
        did not fit in time. Every True must be paired with one `release(amount)`."""
        if not self._waiters and self.used + amount <= self.limit:
            self.used += amount
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (amount, waiter)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(waiter)
            return True
        except TimeoutError:
            self._leave(entry)
            return False
        except asyncio.CancelledError:
            self._leave(entry)
            raise

    async def take(self, size: int, timeout: float) -> int:
        """Take a body of `size` bytes's share (`charge`), waiting up to `timeout` seconds;
        return the amount taken, to `release` later, or 0 if it did not fit in time."""
        amount = self.charge(size)
        return amount if await self.acquire(amount, timeout) else 0

    def release(self, amount: int) -> None:
        """Give back bytes taken by a successful `acquire`."""
        self.used -= amount
        self._grant()

    def _leave(self, entry: tuple[int, asyncio.Future[None]]) -> None:
        amount, waiter = entry
        if waiter.done():  # granted in the same instant the wait ended: give it back
            self.release(amount)
            return
        waiter.cancel()
        self._waiters.remove(entry)
        self._grant()  # a large request leaving the head may let smaller ones in

    def _grant(self) -> None:
        while self._waiters and self.used + self._waiters[0][0] <= self.limit:
            amount, waiter = self._waiters.popleft()
            self.used += amount
            waiter.set_result(None)


# What aiohttp decodes (br and zstd through Brotli and backports.zstd): one coding, named
# exactly. Anything else (x-gzip, a list such as "gzip, gzip") would reach the JSON parser
# still compressed, and the size limit would count compressed bytes.
CONTENT_CODINGS = frozenset({"gzip", "deflate", "br", "zstd", "identity"})

TOO_LARGE = 413
UNSUPPORTED_CODING = 415
UNDECODABLE = 400
BUSY = 503


class BodyRefused(Exception):
    """A body the server will not take: `status` is the HTTP status to answer with, `reason`
    a sentence for the client, `headers` what goes with it (each dialect shapes the error)."""

    def __init__(self, status: int, reason: str, headers: dict[str, str]):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


class Bodies:
    """Read request bodies within `max_bytes` (decoded), large ones within a shared budget."""

    def __init__(self, budget: ByteBudget, max_bytes: int, wait: float):
        self.budget = budget
        self.max_bytes = max_bytes
        self.wait = wait

    @asynccontextmanager
    async def receive(self, request: web.Request) -> AsyncIterator[bytes]:
        """Yield the decoded body, holding its share of the large-body budget until the block
        ends (the text stays in memory until it is scored); raise BodyRefused instead."""
        coding = unsupported_coding(request)
        if coding is not None:
            raise _closing(UNSUPPORTED_CODING, f"Content-Encoding {coding[:40]!r} is not "
                           "supported; send gzip, deflate, br, zstd or no encoding")
        held = 0
        try:
            # A large body of known size takes its share of the budget before it is read; one
            # whose size is known only once read (chunked, compressed: Content-Length counts
            # the compressed bytes) takes it before it is parsed and handed to the engine,
            # where most of its memory would go.
            declared = request.content_length
            if declared is not None and declared >= LARGE_BODY and \
                    "Content-Encoding" not in request.headers:
                held = await self._take(declared)
            body = await read_body(request, self.max_bytes)
            if not held and len(body) >= LARGE_BODY:
                held = await self._take(len(body))
            yield body
        finally:
            if held:
                self.budget.release(held)

    async def _take(self, size: int) -> int:
        held = await self.budget.take(size, self.wait)
        if not held:
            retry = max(1, round(self.wait))
            # Closed: a refused body was never read, and the client should come back later.
            raise BodyRefused(BUSY, f"more than {self.budget.limit} bytes of large requests are "
                              "waiting to be scored; retry later",
                              {"Connection": "close", "Retry-After": str(retry)})
        return held


def unsupported_coding(request: web.Request) -> str | None:
    """Return the request's Content-Encoding if the server cannot decode it, else None."""
    coding = request.headers.get("Content-Encoding")
    if coding is None:
        return None
    return None if coding.strip().lower() in CONTENT_CODINGS else coding


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read the (decompressed) body, refusing it as soon as it exceeds `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    try:
        if request.content_length is not None and "Content-Encoding" not in request.headers:
            return await request.read()  # size known and within the limit: one read
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > limit:  # also catches gzip bombs: aiohttp counts decompressed bytes here
                raise _too_large(limit)
            chunks.append(chunk)
    except web.RequestPayloadError:  # e.g. a corrupt gzip body: the client's fault
        raise _closing(UNDECODABLE, "the body could not be decoded") from None
    return b"".join(chunks)


def _too_large(limit: int) -> BodyRefused:
    return _closing(TOO_LARGE, f"the body is larger than {limit} bytes")


def _closing(status: int, reason: str) -> BodyRefused:
    return BodyRefused(status, reason, {"Connection": "close"})
