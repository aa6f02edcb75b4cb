"""The dispatcher: claim due deliveries from the store, send them, record every attempt.

The retry schedule lives in the store (`next_attempt_at`), never in a sleeping coroutine, so a
restart resumes every pending delivery. Concurrency is bounded globally and per webhook, and the
claim itself caps each webhook's share, so one slow receiver cannot hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from ..settings import WebhookSettings
from ..store import DELIVERED, FAILED, PENDING, Claim, Store, StoreRefused, WebhookRecord, now
from ..tasks import cancel
from . import payload, retry_schedule
from .client import Outcome, Sender, Sleep
from .signing import signature_header
from .validation import BasicAuth

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True)
class Result:
    """One attempt as recorded: the new state, the status or error, the latency."""

    delivery_id: int
    webhook_id: str
    state: str
    status: int | None
    error: str | None
    latency: float


class Dispatcher:
    """Deliver webhook events; `start()` runs the loop, `run_once()` drains what is due (tests)."""

    def __init__(
        self,
        store: Store,
        session: aiohttp.ClientSession,
        settings: WebhookSettings,
        *,
        clock: Clock = now,
        rng: Callable[[], float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ):
        self.store = store
        self.settings = settings
        self.clock = clock
        self.sender = Sender(session, settings, sleep=sleep)
        self.schedule = retry_schedule.Schedule(
            settings.schedule, settings.jitter, settings.retry_after_max, rng or random.random
        )
        self.delivered = self.failed = self.retried = 0
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._per_webhook: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_webhook_concurrency)
        )
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Result]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._last_prune = 0.0

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Release claims left by a dead process, then run the delivery loop."""
        released = await self.store.webhooks.release_all(self.clock())
        if released:
            log.info("webhook deliveries resumed after a restart: %d", released)
        self._loop_task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def close(self, grace: float | None = None) -> None:
        """Stop claiming; wait up to `grace` seconds (default: one attempt) for sends in flight.

        A send still running after that is cancelled: its delivery stays claimed and is
        released at the next start, so it is sent again (at least once).
        """
        await cancel(self._loop_task)
        self._loop_task = None
        if self._tasks:
            await asyncio.wait(
                self._tasks, timeout=self.settings.timeout if grace is None else grace
            )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        """Deliveries being sent now by the dispatcher loop."""
        return len(self._tasks)

    def wake(self) -> None:
        """Look at the queue now (a new event was written)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._claim_and_spawn()
                await self._prune_if_due()
            except StoreRefused:  # the store logs it, once a minute
                pass
            except Exception:  # the store is busy or gone: log, wait, try again
                log.exception("webhook dispatcher loop failed; retrying")
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that lands in the same loop turn as a wake, and close() then waits forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.poll_interval):
                    await self._wake.wait()
            self._wake.clear()

    async def _claim_and_spawn(self) -> None:
        free = self.settings.concurrency - len(self._tasks)
        if free <= 0:
            return
        for claim, token in await self._claim(free):
            task = asyncio.create_task(self._attempt(claim, token), name="webhook-delivery")
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Result]) -> None:
        self._tasks.discard(task)
        self._wake.set()  # a slot is free: claim more
        if task.cancelled() or isinstance(task.exception(), StoreRefused | None):
            return  # a full disk, the database away: the store logs it; the lease brings it back
        log.error("webhook delivery crashed", exc_info=task.exception())

    # -- burst mode and direct sends -------------------------------------------------------

    async def run_once(self) -> list[Result]:
        """Send everything due now (up to the concurrency limit) and return the results."""
        claims = await self._claim(self.settings.concurrency)
        return list(await asyncio.gather(*(self._attempt(c, t) for c, t in claims)))

    async def drain(self, max_rounds: int = 100) -> list[Result]:
        """Run `run_once` until nothing is due (bounded); return every result."""
        results: list[Result] = []
        for _ in range(max_rounds):
            batch = await self.run_once()
            if not batch:
                break
            results += batch
        return results

    async def send_now(self, delivery_ids: Sequence[int], *, final: bool = False) -> list[Result]:
        """Attempt these deliveries now if nobody else holds them (`final`: no retry after)."""
        t = self.clock()
        token = secrets.token_hex(8)
        claims = await self.store.webhooks.claim_ids(token, t, t + self._lease(), delivery_ids)
        return list(await asyncio.gather(*(self._attempt(c, token, final) for c in claims)))

    # -- one attempt ------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[tuple[Claim, str]]:
        t = self.clock()
        token = secrets.token_hex(8)
        claims = await self.store.webhooks.claim(
            token, t, t + self._lease(), limit, self.settings.per_webhook_concurrency
        )
        return [(c, token) for c in claims]

    def _lease(self) -> float:
        # Long enough for every in-attempt try; a dead claimer's rows come back after it.
        s = self.settings
        return s.timeout * s.attempt_tries + s.attempt_retry_max_delay + 60.0

    async def _attempt(self, claim: Claim, token: str, final: bool = False) -> Result:
        webhook = claim.webhook
        async with self._slots, self._per_webhook[webhook.id]:
            outcome = await self.sender.send(webhook.url, claim.body, self._headers(claim))
        at = self.clock()
        result, next_at, gone = self._judge(claim, outcome, at, final)
        await self.store.webhooks.record_attempt(
            claim, token, at=at, state=result.state, next_attempt_at=next_at,
            status=outcome.status, error=result.error, latency=outcome.latency,
            response=outcome.body or None, disable_reason=gone,
        )  # fmt: skip
        self._count(result.state)
        self._log(claim, result, next_at and next_at - at)
        if gone:
            log.warning("webhook %s disabled: %s", webhook.id, gone)
        elif result.state != DELIVERED:
            await self._disable_if_failing_too_long(webhook, at)
        return result

    def _judge(
        self, claim: Claim, outcome: Outcome, at: float, final: bool
    ) -> tuple[Result, float | None, str | None]:
        """Return the attempt's result, when to try next (or None), and why to disable if so."""
        verdict = retry_schedule.verdict(outcome)
        attempts = claim.delivery.attempts + 1
        delay = None if final else self.schedule.next_delay(attempts, outcome.retry_after, at)
        if verdict == retry_schedule.DELIVERED:
            state = DELIVERED
        elif verdict == retry_schedule.RETRY and delay is not None:
            state = PENDING
        else:
            state = FAILED
        error = outcome.error
        if error is None and verdict != retry_schedule.DELIVERED:
            error = f"HTTP {outcome.status}"
        gone = "the receiver answered 410 Gone" if verdict == retry_schedule.GONE else None
        next_at = at + delay if state == PENDING and delay is not None else None
        result = Result(
            claim.delivery.id, claim.webhook.id, state, outcome.status, error, outcome.latency
        )
        return result, next_at, gone

    def _headers(self, claim: Claim) -> dict[str, str]:
        webhook = claim.webhook
        timestamp = int(self.clock())
        signers = [webhook.secret]
        if webhook.previous_secret and webhook.rotated_at is not None:
            if timestamp - webhook.rotated_at < self.settings.rotation_window:
                signers.append(webhook.previous_secret)
        signature = signature_header(signers, claim.delivery.event_id, timestamp, claim.body)
        auth = None
        if webhook.basic_username is not None:
            auth = BasicAuth(webhook.basic_username, webhook.basic_password or "").header()
        return payload.headers(claim.delivery.event_id, timestamp, signature, auth)

    async def _disable_if_failing_too_long(self, webhook: WebhookRecord, at: float) -> None:
        window = self.settings.disable_after_failing_for
        reason = f"no successful delivery for {window:g} s"
        if await self.store.webhooks.disable_if_failing(webhook.id, at - window, reason):
            log.warning("webhook %s disabled: %s", webhook.id, reason)

    def _count(self, state: str) -> None:
        if state == DELIVERED:
            self.delivered += 1
        elif state == FAILED:
            self.failed += 1
        else:
            self.retried += 1

    def _log(self, claim: Claim, result: Result, delay: float | None) -> None:
        what = f"HTTP {result.status}" if result.status is not None else result.error
        ms, attempt = result.latency * 1000, claim.delivery.attempts + 1
        name = f"webhook delivery {result.delivery_id} to {result.webhook_id}"
        if result.state == DELIVERED:
            log.info("%s delivered (%s, %.0f ms, attempt %d)", name, what, ms, attempt)
        elif result.state == PENDING:
            log.info("%s will retry in %.0f s (%s, attempt %d)", name, delay or 0, what, attempt)
        else:
            log.warning("%s failed for good (%s, attempt %d)", name, what, attempt)

    # -- housekeeping ------------------------------------------------------------------------

    async def _prune_if_due(self) -> None:
        t = self.clock()
        if t - self._last_prune < self.settings.prune_interval:
            return
        self._last_prune = t
        pruned = await self.prune()
        if pruned:
            log.info("webhook delivery records pruned: %d", pruned)

    async def prune(self) -> int:
        """Delete finished delivery records older than the retention period."""
        return await self.store.webhooks.prune(self.clock() - self.settings.retention)
