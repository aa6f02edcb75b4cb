"""Request bodies: decoding, the size limit, and the memory budget for large ones.

Every API dialect receives its body through `Bodies.receive`, which refuses what the server will
not take (`BodyRefused`: too large, an unsupported or corrupt encoding, no room in the budget)
and leaves the error's shape to the dialect.

The budget: a 15 MB text stays in memory from the moment its body is read until the engine has
scored it, and the long-text lane scores one at a time (about 2 s each), so a burst of large
requests queues up: measured, each one held about 60 MB in the server process (body, its copy
while read, parsed text and the frame to the engine; scripts/bench_body_budget.py). Without a
bound, a few dozen concurrent large requests from one key exhaust a small machine's memory.
Requests beyond the budget wait their turn (first come, first served) for a bounded time,
holding only their connection (and up to 1 MiB of a body whose size was not declared), then
are refused.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Awaitable, Callable
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
        share = _Share(self)
        request[_SHARE] = share
        try:
            # A large body of known size takes its share before it is read. One whose decoded
            # size is known only once read (compressed: Content-Length counts the compressed
            # bytes; chunked) takes, as it passes LARGE_BODY decoded, the share of the largest
            # body it could become, and gives back the excess once read: taken in steps as it
            # grows, a burst of them would each hold part of the budget and wait for the rest
            # that none of them can give back.
            declared = request.content_length
            if declared is not None and declared >= LARGE_BODY and \
                    "Content-Encoding" not in request.headers:
                await share.take(declared)
            body = await read_body(request, self.max_bytes, on_large=share.reserve)
            share.trim(len(body))
            yield body
        finally:
            share.release()

    def keep(self, request: web.Request) -> Callable[[], None]:
        """Take over the share of the budget held by the body `request` is receiving (inside its
        `receive` block), past the block's end: for work that keeps what the body asked for in
        memory after the answer. Return the function that gives it back (call it when that work
        ends, however it ends; calls after the first do nothing)."""
        share = request.get(_SHARE)
        held = 0
        if share is not None:
            held, share.held = share.held, 0
        budget = self.budget

        def release() -> None:
            nonlocal held
            if held:
                budget.release(held)
                held = 0

        return release

    async def _take(self, size: int) -> int:
        held = await self.budget.take(size, self.wait)
        if not held:
            retry = max(1, round(self.wait))
            # Closed: a refused body was never read, and the client should come back later.
            raise BodyRefused(BUSY, f"more than {self.budget.limit} bytes of large requests are "
                              "waiting to be scored; retry later",
                              {"Connection": "close", "Retry-After": str(retry)})
        return held


class _Share:
    """One body's share of the budget: taken, trimmed to the body's size, given back."""

    def __init__(self, bodies: Bodies):
        self.bodies = bodies
        self.held = 0

    async def take(self, size: int) -> None:
        self.held = await self.bodies._take(size)

    async def reserve(self) -> None:
        """Take the share of the largest body allowed, unless a share is held already."""
        if not self.held:
            await self.take(self.bodies.max_bytes)

    def trim(self, size: int) -> None:
        """Give back what a body of `size` bytes does not need of the share held."""
        excess = self.held - self.bodies.budget.charge(size) if size >= LARGE_BODY else self.held
        if excess > 0:
            self.held -= excess
            self.bodies.budget.release(excess)

    def release(self) -> None:
        if self.held:
            self.bodies.budget.release(self.held)
            self.held = 0


_SHARE = web.RequestKey("body_budget_share", _Share)  # the share of the body being received


def unsupported_coding(request: web.Request) -> str | None:
    """Return the request's Content-Encoding if the server cannot decode it, else None."""
    coding = request.headers.get("Content-Encoding")
    if coding is None:
        return None
    return None if coding.strip().lower() in CONTENT_CODINGS else coding


async def read_body(request: web.Request, limit: int,
                    on_large: Callable[[], Awaitable[None]] | None = None) -> bytes:
    """Read the (decompressed) body, refusing it as soon as it exceeds `limit` bytes; a body
    read in chunks awaits `on_large` once, when it reaches LARGE_BODY bytes decoded."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    try:
        if request.content_length is not None and "Content-Encoding" not in request.headers:
            return await request.read()  # size known and within the limit: one read
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_chunked(1 << 16):
            if on_large is not None and size < LARGE_BODY <= size + len(chunk):
                await on_large()
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
