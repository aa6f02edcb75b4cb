"""Usage: every authenticated API request counted per key and calendar month (UTC), and the
per-key rate limit and monthly quota (both off unless set for the key).

Every dialect makes one call after authenticating: `await usage.admit(key, API_NAME)`, which counts
the request or raises `LimitExceeded`; the dialect answers that in its own shape (HTTP 429 with
`Retry-After` and the `RateLimit-*` headers of `LimitExceeded.headers()`), e.g.

    try:
        limited = await request.app[USAGE].admit(key, "perspective")
    except LimitExceeded as refused:  # refused.limit, .allowed, .remaining, .reset, .message
        return google_error(429, "RESOURCE_EXHAUSTED", refused.message, refused.headers())
    ...
    return json_response(answer, **(limited or {}))  # RateLimit-* for a key with limits

`report(key_id)` and `project_report(project)` give this month's figures for an account page.

Counting is in memory, written to the store every `flush_interval` seconds in one transaction:
the request path never waits for the disk. Counts are statistics, not acknowledged writes: a
crash loses at most the last interval's counts (a clean shutdown flushes them all). A flush
whose write failed is written again as it was, under the same batch id, before anything
counted since: the store applies a batch once, so a write that committed but whose
acknowledgement was lost is not counted twice (see `store.usage`).

Several processes on one PostgreSQL database share each key's rate limit: its token bucket is a
row there, from which each process leases a few tokens at a time (a tenth of a second's worth,
at most a tenth of the burst: one UPDATE per lease, see `limits.LeasedBucket`), and a key's
monthly quota is one counter there, counted by one statement per request of a key that has a
quota (UNLOGGED tables: no WAL flush to wait for); keys without limits never touch them. A
change of a key's limits reaches every process at once (see `store.changes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..store import (
    LIMITS,
    NO_LIMITS,
    Count,
    KeyLimits,
    KeyMonth,
    KeyRecord,
    Store,
    StoreRefused,
    concerns,
)
from ..tasks import cancel
from .limits import LeasedBucket, TokenBucket

log = logging.getLogger(__name__)

RATE = "rate"
QUOTA = "quota"
# Pending counts: (month, key id, project, api) -> [requests, refused].
_Slot = tuple[str, str, str, str]


@dataclass(frozen=True)
class _Batch:
    """Counts flushed together, under an id the store applies once."""

    id: str
    pending: dict[_Slot, list[int]]

    def counts(self) -> list[Count]:
        return [Count(key_id, project, month, api, requests, refused)
                for (month, key_id, project, api), (requests, refused) in self.pending.items()]


class LimitExceeded(Exception):
    """A request refused by a key's rate limit or monthly quota, with what to tell the client."""

    def __init__(self, limit: str, allowed: int, reset: int, message: str):
        super().__init__(message)
        self.limit = limit  # RATE or QUOTA
        self.allowed = allowed  # the burst (RATE) or the monthly quota (QUOTA)
        self.remaining = 0
        self.reset = reset  # whole seconds until a request can succeed again
        self.message = message

    @property
    def retry_after(self) -> int:
        return self.reset

    def headers(self) -> dict[str, str]:
        """Return `Retry-After` and the IETF draft's `RateLimit-Limit`, `-Remaining`, `-Reset`
        (delta seconds)."""
        return {"Retry-After": str(self.reset), "RateLimit-Limit": str(self.allowed),
                "RateLimit-Remaining": str(self.remaining), "RateLimit-Reset": str(self.reset)}


@dataclass(frozen=True)
class KeyUsage:
    """A key's usage this month, beside its limits (moderationapi.com's account page, say)."""

    key_id: str
    month: str
    requests: int
    limits: KeyLimits
    resets_at: float  # the UNIX time the month ends

    @property
    def remaining(self) -> int | None:
        """Requests left this month, None when the key has no quota."""
        return max(0, self.limits.quota - self.requests) if self.limits.quota > 0 else None


@dataclass(frozen=True)
class ProjectUsage:
    """A project's usage this month: its keys' totals, each key's own figures in `keys`."""

    project: str
    month: str
    requests: int
    refused: int
    keys: list[KeyMonth]
    resets_at: float


def month_of(ts: float) -> tuple[str, float]:
    """Return the calendar month (UTC, 'YYYY-MM') holding a UNIX time, and when it ends."""
    t = datetime.fromtimestamp(ts, UTC)
    following = datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=UTC)
    return f"{t.year:04d}-{t.month:02d}", following.timestamp()


class Usage:
    """Count requests per key and enforce per-key limits, in memory; flush to the store."""

    def __init__(self, store: Store, flush_interval: float = 1.0,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        self.store = store
        self.flush_interval = flush_interval
        self.clock = clock  # wall time: which month a request counts in
        self.monotonic = monotonic  # the token buckets' time
        self._pending: dict[_Slot, list[int]] = {}
        # The batch a failed flush left, written again as it was (same id, same counts) until
        # a write of it is acknowledged; and the batches known applied, whose ids the next
        # flush's transaction drops.
        self._unsettled: _Batch | None = None
        self._applied: list[str] = []
        self._limits: dict[str, KeyLimits] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._shared: dict[str, LeasedBucket] = {}  # PostgreSQL: leases of the fleet's buckets
        self._used: dict[str, int] = {}  # this month's requests of keys with a quota
        self._month_start = self._month_end = 0.0
        self._new_month(clock())
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # One flush or refresh at a time: a background refresh that read the limits before
        # set_limits stored new ones must not finish after set_limits' own and put the stale
        # ones back; and a refresh must not read the store while a flush's counts are out of
        # memory but not yet committed (it would see them nowhere: a quota overrun).
        self._syncing = asyncio.Lock()

    # -- the request path -------------------------------------------------------------------

    async def admit(self, key: KeyRecord, api: str) -> dict[str, str] | None:
        """Count one request of `key` to `api`, or raise LimitExceeded (counted as refused).

        Return None for a key without limits, else the `RateLimit-*` headers for the answer
        (of the limit nearer to running out)."""
        now = self.clock()
        if not self._month_start <= now < self._month_end:
            self._new_month(now)
        slot = (self._month, key.id, key.project, api)
        limits = self._limits.get(key.id)
        headers = None
        if limits is not None:
            try:
                headers = await self._check(key.id, limits, now, self.monotonic())
            except LimitExceeded:
                self._count(slot, 1)
                raise
        counts = self._pending.get(slot)
        if counts is None:
            self._pending[slot] = [1, 0]
        else:
            counts[0] += 1
        return headers

    def _count(self, slot: _Slot, index: int) -> None:
        counts = self._pending.setdefault(slot, [0, 0])
        counts[index] += 1

    async def _check(self, key_id: str, limits: KeyLimits, now: float,
                     tick: float) -> dict[str, str]:
        # (remaining, limit, reset) of each limit the key has
        left: list[tuple[int, int, int]] = []
        if limits.quota > 0:
            used = await self._use_quota(key_id, limits.quota)
            reset = max(1, math.ceil(self._month_end - now))
            if used is None:
                raise LimitExceeded(QUOTA, limits.quota, reset,
                                    f"monthly quota of {limits.quota} requests used up; it "
                                    f"renews at the start of the next month (UTC)")
            left.append((limits.quota - used - 1, limits.quota, reset))
        if limits.rate > 0:
            burst = max(1, limits.burst)
            granted, tokens = await self._take(key_id, limits, tick)
            if not granted:
                if limits.quota > 0:  # not served: give the quota its request back
                    await self._give_back(key_id)
                reset = max(1, math.ceil((1.0 - tokens) / limits.rate))
                raise LimitExceeded(RATE, burst, reset,
                                    f"rate limit of {describe_rate(limits.rate)} (burst "
                                    f"{burst}) reached; retry in {reset} s")
            full = math.ceil((burst - tokens) / limits.rate)
            left.append((int(tokens), burst, full))
        remaining, allowed, reset = min(left)
        return {"RateLimit-Limit": str(allowed), "RateLimit-Remaining": str(remaining),
                "RateLimit-Reset": str(reset)}

    async def _use_quota(self, key_id: str, quota: int) -> int | None:
        """Count a request against the key's quota: the fleet's count (PostgreSQL) or this
        process's; return the requests used before it, None when none are left."""
        if self.store.shared:
            return await self.store.usage.use_quota(key_id, self._month, quota)
        used = self._used.get(key_id, 0)
        if used >= quota:
            return None
        self._used[key_id] = used + 1
        return used

    async def _give_back(self, key_id: str) -> None:
        if self.store.shared:
            await self.store.usage.give_back(key_id, self._month)
        else:
            self._used[key_id] -= 1

    async def _take(self, key_id: str, limits: KeyLimits, tick: float) -> tuple[bool, float]:
        """Take a token from the key's bucket: the fleet's (PostgreSQL) or this process's."""
        if self.store.shared:
            return await self._leased(key_id, limits).take()
        bucket = self._bucket(key_id, limits, tick)
        return bucket.take(tick), bucket.tokens

    def _leased(self, key_id: str, limits: KeyLimits) -> LeasedBucket:
        burst = float(max(1, limits.burst))
        bucket = self._shared.get(key_id)
        if bucket is None or bucket.rate != limits.rate or bucket.burst != burst:
            lease = functools.partial(self.store.usage.lease_tokens, key_id, limits.rate, burst)
            bucket = self._shared[key_id] = LeasedBucket(limits.rate, burst, lease,
                                                         self.monotonic)  # fmt: skip
        return bucket

    def _bucket(self, key_id: str, limits: KeyLimits, now: float) -> TokenBucket:
        burst = float(max(1, limits.burst))
        bucket = self._buckets.get(key_id)
        if bucket is None or bucket.rate != limits.rate or bucket.burst != burst:
            bucket = self._buckets[key_id] = TokenBucket(limits.rate, burst, burst, now)
        return bucket

    def _turn(self) -> None:
        """Move to the month the clock is in (the request path does it for itself)."""
        now = self.clock()
        if not self._month_start <= now < self._month_end:
            self._new_month(now)

    def _new_month(self, now: float) -> None:
        self._month, self._month_end = month_of(now)
        t = datetime.fromtimestamp(now, UTC)
        self._month_start = datetime(t.year, t.month, 1, tzinfo=UTC).timestamp()
        self._used = {}

    # -- the store --------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the limits and this month's counts, then flush and reload periodically."""
        await self.refresh()
        self._task = asyncio.create_task(self._run(), name="usage-flush")

    async def close(self) -> None:
        """Stop the periodic flush and write what is left."""
        if self._task is not None:
            await cancel(self._task)
            self._task = None
        await self.flush()

    def changed(self, topic: str, detail: str) -> None:
        """Reload the limits now: another process changed a key's."""
        if concerns(topic, LIMITS):
            self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                # Counts a full disk refused are kept for the next flush (the store logs it,
                # once a minute); limits and counts are still read again.
                with contextlib.suppress(StoreRefused):
                    await self.flush()
                await self.refresh()
            except StoreRefused:  # the database is away: kept counts wait for it to return
                pass
            except Exception:
                log.exception("could not record usage counts")

    async def flush(self) -> None:
        """Write the counts collected since the last flush in one transaction; keep them if
        the write fails."""
        async with self._syncing:
            await self._flush()

    async def _flush(self) -> None:
        if self._unsettled is not None:  # first, as it was: it may have been applied
            await self._write(self._unsettled)
        if self._pending:
            pending, self._pending = self._pending, {}
            self._unsettled = _Batch(secrets.token_hex(16), pending)
            await self._write(self._unsettled)

    async def _write(self, batch: _Batch) -> None:
        """Write a batch; it stays unsettled (for the next flush) unless acknowledged."""
        forget = list(self._applied)
        write = asyncio.ensure_future(self.store.usage.add(batch.counts(), batch.id, forget))
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            # Cancelled (the server stops) with the write queued: it is still committed or
            # refused. Wait for which (close() writes the batch again if refused).
            try:
                await asyncio.wait([write])
            finally:  # cancelled again while waiting: settled when the write ends, if it does
                write.add_done_callback(lambda done: self._settle(done, batch, forget))
            raise
        self._settled(batch, forget)

    def _settle(self, write: asyncio.Future[None], batch: _Batch, forget: list[str]) -> None:
        if not write.cancelled() and write.exception() is None:  # (retrieved: never logged)
            self._settled(batch, forget)

    def _settled(self, batch: _Batch, forget: list[str]) -> None:
        if self._unsettled is batch:
            self._unsettled = None
        self._applied = [i for i in self._applied if i not in forget] + [batch.id]

    async def refresh(self) -> None:
        """Reload every key's limits, and this month's counts of the keys with a quota (which
        include other processes' flushed counts)."""
        async with self._syncing:
            await self._refresh()

    async def _refresh(self) -> None:
        self._turn()
        limits = await self.store.usage.limits()
        month = self._month
        stored = await self.store.usage.quota_totals(month) if any(
            v.quota > 0 for v in limits.values()) else {}
        if month != self._month:  # the month turned during the reads: next time
            return
        unflushed: dict[str, int] = {}
        held = [self._pending] + ([self._unsettled.pending] if self._unsettled else [])
        for (m, key_id, _, _), (requests, _) in (i for p in held for i in p.items()):
            if m == month:
                unflushed[key_id] = unflushed.get(key_id, 0) + requests
        self._used = {key_id: stored.get(key_id, 0) + unflushed.get(key_id, 0)
                      for key_id, v in limits.items() if v.quota > 0}
        self._limits = limits

    async def set_limits(self, key_id: str, limits: KeyLimits) -> None:
        """Store a key's limits and apply them at once in this process (others within
        `flush_interval`)."""
        await self.store.usage.set_limits(key_id, limits)
        await self.flush()
        await self.refresh()

    async def report(self, key_id: str) -> KeyUsage:
        """Return a key's usage this month (counts flushed first) and its limits."""
        await self.flush()
        self._turn()
        totals = await self.store.usage.totals(self._month)
        return KeyUsage(key_id, self._month, totals.get(key_id, 0),
                        self._limits.get(key_id, NO_LIMITS), self._month_end)

    async def project_report(self, project: str) -> ProjectUsage:
        """Return a project's usage this month (counts flushed first)."""
        keys = await self.month(project)
        return ProjectUsage(project, self._month, sum(k.requests for k in keys),
                            sum(k.refused for k in keys), keys, self._month_end)

    async def month(self, project: str | None = None) -> list[KeyMonth]:
        """Return every key's usage this month (of one project, or all), counts flushed first."""
        await self.flush()
        self._turn()
        return await self.store.usage.month(self._month, project)

    def limits(self, key_id: str) -> KeyLimits:
        """Return a key's limits as this process applies them."""
        return self._limits.get(key_id, NO_LIMITS)

    @property
    def current_month(self) -> str:
        self._turn()
        return self._month


def describe_rate(rate: float) -> str:
    """Return a rate as people write it: '10/s', or '30/min' below one per second."""
    if rate >= 1:
        return f"{rate:g}/s"
    return f"{rate * 60:g}/min"


def parse_rate(text: str) -> float:
    """Parse '10', '10/s', '600/min' or '1000/h' into requests per second; ValueError if bad."""
    number, _, unit = text.strip().partition("/")
    per = {"": 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0,
           "minute": 60.0, "h": 3600.0, "hour": 3600.0}.get(unit.strip().lower())
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if per is None or not math.isfinite(value) or value < 0:
        raise ValueError(f"not a rate: {text!r} (write e.g. 10/s or 600/min)")
    return value / per
