"""Webhook delivery against real aiohttp receivers on 127.0.0.1 and a real SQLite store.

Only time (the dispatcher's clock), randomness (jitter) and tenacity's sleep are replaced.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from spectrum_rpc import __version__
from spectrum_rpc.analysis import Classification
from spectrum_rpc.clock import Clock
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store
from spectrum_rpc.store.webhooks import DELIVERED, FAILED, PENDING
from spectrum_rpc.webhooks import Dispatcher, Outbox, create_session
from spectrum_rpc.webhooks import management as ops
from spectrum_rpc.webhooks.retry_schedule import Schedule, parse_retry_after

FLAGGED_RESULT = {
    "toxic": True,
    "toxicityConfidence": 0.91,
    "sexual": False,
    "sexualConfidence": 0.02,
    "phishing": False,
    "phishingConfidence": 0.01,
    "modelVersion": "m-1",
}
CLEAN_RESULT = {**FLAGGED_RESULT, "toxic": False, "toxicityConfidence": 0.1}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server recording requests and answering from a script (then 200)."""

    url: str
    script: list[Any]
    received: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(request.path, dict(request.headers), body))
        self.arrived.set()
        action = self.script.pop(0) if self.script else 200
        if action == "hang":
            self.in_flight += 1
            await self.release.wait()
            self.in_flight -= 1
            return web.Response(status=200)
        if action == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=200)
        if isinstance(action, tuple):
            status, headers, *rest = action
            return web.Response(status=status, headers=headers, body=rest[0] if rest else b"")
        return web.Response(status=action, text="ok")

    async def wait_for(self, count: int) -> None:
        while len(self.received) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 20)


@pytest.fixture
async def make_receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    receivers: list[Receiver] = []

    async def make(*script: Any) -> Receiver:
        app = web.Application()
        receiver = Receiver("", list(script))
        app.router.add_route("*", "/{tail:.*}", receiver.handle)
        server = await aiohttp_server(app)
        receiver.url = f"http://127.0.0.1:{server.port}/hook"
        receivers.append(receiver)
        return receiver

    yield make
    for r in receivers:
        r.release.set()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_dispatcher(store: Store, clock: Clock):  # type: ignore[no-untyped-def]
    made: list[tuple[Dispatcher, Any]] = []
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(**webhooks: Any) -> Dispatcher:
        values = {"allow_private_addresses": True, "schedule": [0, 0, 0], "jitter": 0.0}
        settings = load_settings(environ={}, overrides={"webhooks": {**values, **webhooks}})
        session = create_session(settings.webhooks)
        dispatcher = Dispatcher(store, session, settings.webhooks, clock=clock, sleep=no_sleep)
        dispatcher.sleeps = sleeps  # type: ignore[attr-defined]
        made.append((dispatcher, session))
        return dispatcher

    yield make
    for dispatcher, session in made:
        await dispatcher.close()
        await session.close()


async def classify(
    store: Store,
    result: dict[str, Any] = FLAGGED_RESULT,
    *,
    project: str = "default",
    meta: dict[str, Any] | None = None,
    text: str = "you are awful",
    include_text: bool = False,
) -> None:
    """Run the outbox listener the way classifyText does."""
    event = Classification(project, "key_1", result, meta or {}, text, include_text)
    pending = Outbox(store)(event)
    if pending is not None:  # None: nothing to write
        await pending


async def eventually(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Wait until a condition holds (a bound against hangs, not a speed assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def signed_headers(r: Received) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.lower().startswith("webhook-")}


# -- payload, headers, signature ------------------------------------------------------------


async def test_payload_shape_meta_and_headers(store, make_receiver, make_dispatcher):
    receiver = await make_receiver()
    created = await ops.add_webhook(store, receiver.url, basic_auth="alice:s3cr:et")
    meta = {
        "authorId": "123",
        "streamName": "hello",
        "remoteCreatedAt": 1509570919000,
        "avatarUrl": "",
        "custom": {"nested": [1, 2]},
    }
    await classify(store, meta=meta)

    results = await make_dispatcher().run_once()

    assert [r.state for r in results] == [DELIVERED]
    (got,) = receiver.received
    body = orjson.loads(got.body)
    assert body["type"] == "CLASSIFICATION"
    assert body["meta"] == meta
    for k, v in FLAGGED_RESULT.items():
        assert body[k] == v
    assert body["id"] == got.headers["webhook-id"] and body["id"].startswith("msg_")
    assert body["createdAt"].endswith("Z") and "T" in body["createdAt"]
    assert "text" not in body
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == f"spectrum-rpc/{__version__}"
    assert got.headers["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cr:et").decode()
    assert Webhook(created.secret).verify(got.body, got.headers) == body


async def test_text_is_sent_only_when_the_project_includes_it(
    store, make_receiver, make_dispatcher
):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url)
    await classify(store, text="hidden")
    await classify(store, text="shown", include_text=True)
    await make_dispatcher().drain()
    bodies = sorted((orjson.loads(r.body) for r in receiver.received), key=lambda b: "text" in b)
    assert "text" not in bodies[0]
    assert bodies[1]["text"] == "shown"


async def test_signature_fails_with_another_secret(store, make_receiver, make_dispatcher):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    await make_dispatcher().run_once()
    (got,) = receiver.received
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(got.body, got.headers)


async def test_rotation_window_signs_with_both_secrets(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver()
    created = await ops.add_webhook(store, receiver.url)
    new_secret = await ops.rotate_secret(store, created.view.id)
    dispatcher = make_dispatcher(rotation_window=60)
    await classify(store)
    await dispatcher.run_once()
    clock.advance(61)
    await classify(store)
    await dispatcher.run_once()

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(created.secret).verify(during.body, during.headers)
    Webhook(new_secret).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new_secret).verify(after.body, after.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(created.secret).verify(after.body, after.headers)


# -- the event filter -----------------------------------------------------------------------


async def test_event_filter(store, make_receiver, make_dispatcher):
    hooks = {}
    for events in ("all", "flagged", "toxic", "phishing", "sexual,phishing"):
        receiver = await make_receiver()
        await ops.add_webhook(store, receiver.url, events=events)
        hooks[events] = receiver
    await classify(store, FLAGGED_RESULT)
    await classify(store, CLEAN_RESULT)
    await classify(store, {**CLEAN_RESULT, "phishing": True})
    await make_dispatcher().drain()

    def toxic_flags(events: str) -> list[tuple[bool, bool]]:
        return sorted(
            (b["toxic"], b["phishing"])
            for b in map(orjson.loads, (r.body for r in hooks[events].received))
        )

    assert toxic_flags("all") == [(False, False), (False, True), (True, False)]
    assert toxic_flags("flagged") == [(False, True), (True, False)]
    assert toxic_flags("toxic") == [(True, False)]
    assert toxic_flags("phishing") == [(False, True)]
    assert toxic_flags("sexual,phishing") == [(False, True)]


async def test_no_matching_webhook_writes_nothing(store, committed):
    await classify(store)
    created = await ops.add_webhook(store, "https://example.com/hook", events="phishing")
    await classify(store)
    await ops.set_enabled(store, created.view.id, False)
    await classify(store, {**FLAGGED_RESULT, "phishing": True})
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]
    assert committed("SELECT COUNT(*) FROM webhook_deliveries") == [(0,)]


async def test_outbox_hands_back_nothing_to_await_when_nothing_is_written(store, committed):
    outbox = Outbox(store)
    event = Classification("default", "key_1", FLAGGED_RESULT, {}, "you are awful", False)
    first = outbox(event)  # webhooks not cached yet: a coroutine that loads them
    assert first is not None
    await first
    assert outbox(event) is None  # cached, and the project has no webhook
    created = await ops.add_webhook(store, "https://example.com/hook", events="phishing")
    outbox.forget()
    await outbox(event)  # loads the webhook; its filter does not match
    assert outbox(event) is None
    await ops.set_enabled(store, created.view.id, False)
    await ops.add_webhook(store, "https://example.com/all")
    outbox.forget()
    await outbox(event)
    pending = outbox(event)  # cached and matching: the write to await
    assert pending is not None
    await pending
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(2,)]


# -- retries and their outcome --------------------------------------------------------------


async def test_retry_on_500_and_429_with_retry_after_then_success(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver(500, (429, {"Retry-After": "120"}), 200)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher(schedule=[0, 5, 5, 5])

    assert [r.state for r in await dispatcher.run_once()] == [PENDING]
    assert await dispatcher.run_once() == []  # not due for 5 s
    clock.advance(5)
    assert [r.status for r in await dispatcher.run_once()] == [429]
    clock.advance(60)
    assert await dispatcher.run_once() == []  # Retry-After: 120 beats the 5 s schedule
    clock.advance(61)
    assert [r.state for r in await dispatcher.run_once()] == [DELIVERED]

    first, second, third = receiver.received
    assert first.body == second.body == third.body
    assert (
        first.headers["webhook-id"] == second.headers["webhook-id"] == third.headers["webhook-id"]
    )
    assert (dispatcher.retried, dispatcher.delivered, dispatcher.failed) == (2, 1, 0)
    (delivery,) = await ops.list_deliveries(store)
    _, attempts = await ops.delivery_attempts(store, delivery.id)
    assert [a.status for a in attempts] == [500, 429, 200]
    assert all(a.latency is not None and a.latency >= 0 for a in attempts)


def test_retry_after_parsing_and_jittered_schedule():
    now = 1_700_000_000.0
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Tue, 14 Nov 2023 23:13:20 GMT", now) == pytest.approx(3600, abs=1)
    assert parse_retry_after("soon", now) is None
    schedule = Schedule([0, 100, 200], 0.2, retry_after_max=50, rng=lambda: 1.0)
    assert schedule.next_delay(1, None, now) == pytest.approx(120)
    assert schedule.next_delay(2, "9999", now) == pytest.approx(240)  # clamped to 50, < 240
    assert Schedule([0, 10], 0.2, 1000, rng=lambda: 0.0).next_delay(1, "500", now) == 500
    assert schedule.next_delay(3, None, now) is None


async def test_no_retry_on_400(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(400)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher()
    results = await dispatcher.drain()
    assert [(r.state, r.status) for r in results] == [(FAILED, 400)]
    assert len(receiver.received) == 1 and dispatcher.failed == 1


async def test_410_gone_disables_the_webhook(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(410)
    created = await ops.add_webhook(store, receiver.url)
    await classify(store)
    await classify(store)
    results = await make_dispatcher(per_webhook_concurrency=1).drain()
    assert [r.state for r in results] == [FAILED]
    view = await ops.get_webhook(store, created.view.id)
    assert not view.enabled and "410" in (view.disabled_reason or "")
    assert len(receiver.received) == 1  # the second event waits for the webhook to come back


async def test_redirects_are_not_followed(store, make_receiver, make_dispatcher):
    receiver = await make_receiver((302, {"Location": "/elsewhere"}))
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    results = await make_dispatcher().drain()
    assert [(r.state, r.status) for r in results] == [(FAILED, 302)]
    assert [r.path for r in receiver.received] == ["/hook"]


async def test_timeout_is_recorded_and_retried(store, make_receiver, make_dispatcher):
    receiver = await make_receiver("hang", 200)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher(timeout=0.3)
    (first,) = await dispatcher.run_once()
    assert first.state == PENDING and "timeout" in (first.error or "")
    (second,) = await dispatcher.run_once()
    assert second.state == DELIVERED
    assert dispatcher.sleeps == []  # a timeout is not retried inside the attempt


async def test_connection_reset_is_retried_within_the_attempt(
    store, make_receiver, make_dispatcher
):
    receiver = await make_receiver("reset", 200)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher()
    (result,) = await dispatcher.run_once()
    assert result.state == DELIVERED
    assert len(receiver.received) == 2 and len(dispatcher.sleeps) == 1
    _, attempts = await ops.delivery_attempts(store, (await ops.list_deliveries(store))[0].id)
    assert len(attempts) == 1  # one recorded attempt, its quick retry included


async def test_refused_connection_is_recorded(store, make_dispatcher, unused_tcp_port):
    await ops.add_webhook(store, f"http://127.0.0.1:{unused_tcp_port}/hook")
    await classify(store)
    dispatcher = make_dispatcher(attempt_tries=2)
    (result,) = await dispatcher.run_once()
    assert result.state == PENDING and "Cannot connect" in (result.error or "")
    assert len(dispatcher.sleeps) == 1


async def test_response_body_is_capped(store, make_receiver, make_dispatcher):
    receiver = await make_receiver((500, {}, b"x" * 100_000))
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    await make_dispatcher().run_once()
    _, (attempt,) = await ops.delivery_attempts(store, (await ops.list_deliveries(store))[0].id)
    assert attempt.response == b"x" * 4096


async def test_dead_letter_after_schedule_then_replay(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(503, 503, 503, 200, 200)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher()
    results = await dispatcher.drain()
    assert [r.state for r in results] == [PENDING, PENDING, FAILED]
    (dead,) = await ops.list_deliveries(store, failed=True)
    assert dead.attempts == 3 and dead.last_status == 503

    assert await ops.replay(store, [dead.id]) == [dead.id]
    assert [r.state for r in await dispatcher.drain()] == [DELIVERED]
    assert await ops.list_deliveries(store, failed=True) == []
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


async def test_replay_all_failed_since(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(400, 400)
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    await classify(store)
    dispatcher = make_dispatcher()
    await dispatcher.drain()
    assert len(await ops.list_deliveries(store, failed=True)) == 2
    assert await ops.replay_failed(store, since=time.time() + 60) == []
    assert len(await ops.replay_failed(store, since=time.time() - 60)) == 2
    assert [r.state for r in await dispatcher.drain()] == [DELIVERED, DELIVERED]


async def test_webhook_failing_for_the_window_is_disabled(
    store, make_receiver, make_dispatcher, clock, caplog
):
    receiver = await make_receiver(500, 500)
    created = await ops.add_webhook(store, receiver.url, basic_auth="u:topsecret")
    dispatcher = make_dispatcher(schedule=[0, 0, 0, 0], disable_after_failing_for=100)
    await classify(store)
    await dispatcher.run_once()
    assert (await ops.get_webhook(store, created.view.id)).enabled
    clock.advance(101)
    await dispatcher.run_once()
    view = await ops.get_webhook(store, created.view.id)
    assert not view.enabled and "no successful delivery" in (view.disabled_reason or "")
    assert "disabled" in caplog.text
    assert "topsecret" not in caplog.text and created.secret not in caplog.text


async def test_send_test_event(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(204)
    created = await ops.add_webhook(store, receiver.url)
    result = await ops.send_test(store, make_dispatcher(), created.view.id)
    assert (result.state, result.status) == (DELIVERED, 204) and result.latency >= 0
    body = Webhook(created.secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert body["meta"] == {"test": True}


async def test_old_records_are_pruned(store, make_receiver, make_dispatcher, clock, committed):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher(retention=1000)
    await dispatcher.run_once()
    assert await dispatcher.prune() == 0
    clock.advance(1001)
    assert await dispatcher.prune() == 1
    assert committed("SELECT COUNT(*) FROM webhook_attempts") == [(0,)]
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]


# -- SSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/hook",
    ],
)
async def test_private_addresses_are_refused_by_default(store, make_receiver, make_dispatcher, url):
    receiver = await make_receiver()
    port = receiver.url.split(":")[2].split("/")[0]
    await ops.add_webhook(store, url.format(port=port))
    await classify(store)
    dispatcher = make_dispatcher(allow_private_addresses=False)
    results = await dispatcher.drain()
    assert [r.state for r in results] == [FAILED]
    assert "refused" in (results[0].error or "") and "not public" in (results[0].error or "")
    assert receiver.received == []
    (delivery,) = await ops.list_deliveries(store, failed=True)
    assert "refused" in (delivery.last_error or "")


# -- concurrency and restarts ---------------------------------------------------------------


async def test_a_hanging_receiver_does_not_block_another(store, make_receiver, make_dispatcher):
    slow = await make_receiver(*["hang"] * 20)
    fast = await make_receiver()
    await ops.add_webhook(store, slow.url)
    await ops.add_webhook(store, fast.url)
    for _ in range(8):
        await classify(store)
    dispatcher = make_dispatcher(concurrency=4, per_webhook_concurrency=2, timeout=60)
    await dispatcher.start()
    try:
        await eventually(lambda: dispatcher.delivered == 8)
        assert len(fast.received) == 8
        assert slow.in_flight == 2 and len(slow.received) == 2
    finally:
        slow.release.set()
    await eventually(lambda: dispatcher.delivered == 16)


async def test_claims_of_a_dead_process_are_resumed_on_start(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    t = clock()
    assert len(await store.webhooks.claim("dead", t, t + 3600, 10, 4)) == 1
    dispatcher = make_dispatcher()
    assert await dispatcher.run_once() == []  # leased by the dead claimer
    await dispatcher.start()
    await eventually(lambda: dispatcher.delivered == 1)
    assert len(receiver.received) == 1


async def test_cancellation_is_not_retried_and_close_releases_nothing_twice(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver("hang")
    await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher(timeout=60)
    await dispatcher.start()
    await receiver.wait_for(1)
    await dispatcher.close(grace=0)  # the hanging send is cancelled, not retried
    assert len(receiver.received) == 1 and dispatcher.sleeps == []
    (delivery,) = await ops.list_deliveries(store)
    assert delivery.state == "sending" and delivery.attempts == 0

    receiver.release.set()
    again = make_dispatcher()
    await again.start()  # a new process: the claim is released and the event sent again
    await eventually(lambda: again.delivered == 1)
    assert len(receiver.received) == 2


async def test_close_stops_even_when_woken_in_the_same_instant(store, make_dispatcher):
    # A wake (a delivery finishing, a new event) landing in the same loop turn as close() used
    # to be swallowed with the cancellation by Python 3.11's asyncio.wait_for: the loop ran on
    # and close() (so the server's shutdown) waited forever.
    dispatcher = make_dispatcher(poll_interval=30)
    await dispatcher.start()
    await eventually(lambda: dispatcher._wake._waiters)  # the loop is waiting to be woken
    loop_task = dispatcher._loop_task
    dispatcher.wake()
    async with asyncio.timeout(10) as bound:  # a bound against the hang, not a speed assertion
        await dispatcher.close(grace=0)
    assert not bound.expired(), "close() hung until the bound cancelled it"
    assert loop_task is not None and loop_task.done()


async def test_send_test_while_the_dispatcher_runs(store, make_receiver, make_dispatcher):
    receiver = await make_receiver()
    created = await ops.add_webhook(store, receiver.url)
    dispatcher = make_dispatcher()
    await dispatcher.start()
    results = [await ops.send_test(store, dispatcher, created.view.id) for _ in range(5)]
    assert [r.state for r in results] == [DELIVERED] * 5 and len(receiver.received) == 5


async def test_removing_a_webhook_during_a_send_is_harmless(store, make_receiver, make_dispatcher):
    receiver = await make_receiver("hang")
    created = await ops.add_webhook(store, receiver.url)
    await classify(store)
    dispatcher = make_dispatcher(timeout=60)
    sending = asyncio.create_task(dispatcher.run_once())
    await receiver.wait_for(1)
    await ops.remove_webhook(store, created.view.id)
    receiver.release.set()
    assert [r.state for r in await sending] == [DELIVERED]
    assert await ops.list_deliveries(store) == []


def test_settings_refuse_a_bad_schedule_or_jitter():
    from spectrum_rpc.settings import ConfigError

    with pytest.raises(ConfigError, match="jitter"):
        load_settings(environ={}, overrides={"webhooks": {"jitter": 1.5}})
    with pytest.raises(ConfigError, match="schedule"):
        load_settings(environ={}, overrides={"webhooks": {"schedule": [0, -5]}})
