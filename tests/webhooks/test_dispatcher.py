"""The dispatcher against real aiohttp receivers on 127.0.0.1 and a real SQLite store:
retries and their outcome, dead letters and replay, test events, pruning, concurrency and
restarts.

Only time (the dispatcher's clock), randomness (jitter) and tenacity's sleep are replaced.
"""

from __future__ import annotations

import asyncio
import time

from standardwebhooks.webhooks import Webhook

from spectrum_rpc.store import Store
from spectrum_rpc.store.webhooks import DELIVERED, FAILED, PENDING
from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import classify, eventually

# -- retries and their outcome --------------------------------------------------------------


async def test_retry_on_500_and_429_with_retry_after_then_success(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver(500, (429, {"Retry-After": "120"}), 200)
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
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


async def test_no_retry_on_400(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(400)
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher()
    results = await dispatcher.drain()
    assert [(r.state, r.status) for r in results] == [(FAILED, 400)]
    assert len(receiver.received) == 1 and dispatcher.failed == 1


async def test_410_gone_disables_the_webhook(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(410)
    created = await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    await classify(store)
    results = await make_dispatcher(per_webhook_concurrency=1).drain()
    assert [r.state for r in results] == [FAILED]
    view = await ops.get_webhook(store, created.view.id)
    assert not view.enabled and "410" in (view.disabled_reason or "")
    assert len(receiver.received) == 1  # the second event waits for the webhook to come back


async def test_redirects_are_not_followed(store, make_receiver, make_dispatcher):
    receiver = await make_receiver((302, {"Location": "/elsewhere"}))
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    results = await make_dispatcher().drain()
    assert [(r.state, r.status) for r in results] == [(FAILED, 302)]
    assert [r.path for r in receiver.received] == ["/hook"]


async def test_timeout_is_recorded_and_retried(store, make_receiver, make_dispatcher):
    receiver = await make_receiver("hang", 200)
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(timeout=0.3)
    (first,) = await dispatcher.run_once()
    assert first.state == PENDING and "timeout" in (first.error or "")
    # The retry goes through a dispatcher with a generous timeout: 0.3 s is meant to expire
    # on the hanging answer, not on a busy machine's second, answered, attempt.
    (second,) = await make_dispatcher(timeout=30).run_once()
    assert second.state == DELIVERED
    assert dispatcher.sleeps == []  # a timeout is not retried inside the attempt


async def test_connection_reset_is_retried_within_the_attempt(
    store, make_receiver, make_dispatcher
):
    receiver = await make_receiver("reset", 200)
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher()
    (result,) = await dispatcher.run_once()
    assert result.state == DELIVERED
    assert len(receiver.received) == 2 and len(dispatcher.sleeps) == 1
    _, attempts = await ops.delivery_attempts(store, (await ops.list_deliveries(store))[0].id)
    assert len(attempts) == 1  # one recorded attempt, its quick retry included


async def test_refused_connection_is_recorded(store, make_dispatcher, unused_tcp_port):
    await ops.add_webhook(store, f"http://127.0.0.1:{unused_tcp_port}/hook",
                          allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(attempt_tries=2)
    (result,) = await dispatcher.run_once()
    assert result.state == PENDING and "Cannot connect" in (result.error or "")
    assert len(dispatcher.sleeps) == 1


async def test_response_body_is_capped(store, make_receiver, make_dispatcher):
    receiver = await make_receiver((500, {}, b"x" * 100_000))
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    await make_dispatcher().run_once()
    _, (attempt,) = await ops.delivery_attempts(store, (await ops.list_deliveries(store))[0].id)
    assert attempt.response == b"x" * 4096


async def test_dead_letter_after_schedule_then_replay(store, make_receiver, make_dispatcher):
    receiver = await make_receiver(503, 503, 503, 200, 200)
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
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
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
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
    created = await ops.add_webhook(store, receiver.url, basic_auth="u:topsecret",
                                    allow_private_addresses=True)
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
    created = await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    result = await ops.send_test(store, make_dispatcher(), created.view.id)
    assert (result.state, result.status) == (DELIVERED, 204) and result.latency >= 0
    body = Webhook(created.secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert body["meta"] == {"test": True}


async def test_old_records_are_pruned(store, make_receiver, make_dispatcher, clock, committed):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(retention=1000)
    await dispatcher.run_once()
    assert await dispatcher.prune() == 0
    clock.advance(1001)
    assert await dispatcher.prune() == 1
    assert committed("SELECT COUNT(*) FROM webhook_attempts") == [(0,)]
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]


# -- concurrency and restarts ---------------------------------------------------------------


async def test_a_hanging_receiver_does_not_block_another(store, make_receiver, make_dispatcher):
    slow = await make_receiver(*["hang"] * 20)
    fast = await make_receiver()
    await ops.add_webhook(store, slow.url, allow_private_addresses=True)
    await ops.add_webhook(store, fast.url, allow_private_addresses=True)
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
    store, make_receiver, make_dispatcher, clock, location
):
    receiver = await make_receiver()
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    t = clock()
    async with Store(location) as other:  # another process, which then dies
        assert len(await other.webhooks.claim("dead", t, t + 3600, 10, 4)) == 1
        dispatcher = make_dispatcher()
        assert await dispatcher.run_once() == []  # leased by the other process
    await dispatcher.start()
    await eventually(lambda: dispatcher.delivered == 1)
    assert len(receiver.received) == 1


async def test_cancellation_is_not_retried_and_close_releases_nothing_twice(
    store, make_receiver, make_dispatcher, clock
):
    receiver = await make_receiver("hang")
    await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(timeout=60)
    await dispatcher.start()
    await receiver.wait_for(1)
    await dispatcher.close(grace=0)  # the hanging send is cancelled, not retried
    assert len(receiver.received) == 1 and dispatcher.sleeps == []
    (delivery,) = await ops.list_deliveries(store)
    assert delivery.state == "sending" and delivery.attempts == 0

    receiver.release.set()
    await store.close()  # the process ends; a new one starts
    await store.open()
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
    created = await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    dispatcher = make_dispatcher()
    await dispatcher.start()
    results = [await ops.send_test(store, dispatcher, created.view.id) for _ in range(5)]
    assert [r.state for r in results] == [DELIVERED] * 5 and len(receiver.received) == 5


async def test_removing_a_webhook_during_a_send_is_harmless(store, make_receiver, make_dispatcher):
    receiver = await make_receiver("hang")
    created = await ops.add_webhook(store, receiver.url, allow_private_addresses=True)
    await classify(store)
    dispatcher = make_dispatcher(timeout=60)
    sending = asyncio.create_task(dispatcher.run_once())
    await receiver.wait_for(1)
    await ops.remove_webhook(store, created.view.id)
    receiver.release.set()
    assert [r.state for r in await sending] == [DELIVERED]
    assert await ops.list_deliveries(store) == []
