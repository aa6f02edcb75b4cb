"""A memory budget for large request bodies: how many bytes of them the server holds at once.

A 15 MB text stays in memory from the moment its body is read until the engine has scored it,
and the long-text lane scores one at a time (about 2 s each), so a burst of large requests
queues up: measured, each one held about 50 MB in the server process (body, parsed text and
the frame to the engine). Without a bound, a few dozen concurrent large requests from one key
exhaust a small machine's memory. Requests beyond the budget wait their turn (first come,
first served) for a bounded time, holding only their connection, then are refused.
"""

from __future__ import annotations

import asyncio
import collections

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
