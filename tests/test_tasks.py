"""tasks.every and tasks.cancel: the one way background loops are started and stopped."""

from __future__ import annotations

import asyncio
import logging

import pytest

from spectrum_rpc.tasks import cancel, every


async def test_cancel_stops_the_task_and_drops_its_cancellation():
    task = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    await cancel(task)
    assert task.cancelled()
    await cancel(None)


async def test_the_callers_own_cancellation_is_not_swallowed():
    stop = asyncio.Event()

    async def stubborn() -> None:
        # Ignores the first cancel, as a loop hit by Python 3.11's wait_for race did.
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await stop.wait()

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    closer = asyncio.create_task(cancel(task))
    await asyncio.sleep(0.01)
    assert not closer.done()  # still waiting for the stubborn task
    closer.cancel()  # e.g. a shutdown bounded by a timeout gives up
    with pytest.raises(asyncio.CancelledError):
        await closer
    await asyncio.sleep(0)
    assert task.cancelled()  # the second cancel reached the task too


async def test_cleanup_inside_an_already_cancelled_task_still_runs_to_the_end():
    # aiohttp cancels its main task at SIGTERM and runs the app's cleanup in its `finally`.
    done: list[str] = []

    async def main() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await cancel(asyncio.create_task(asyncio.sleep(3600)))
            done.append("after the first cancel")
            await cancel(asyncio.create_task(asyncio.sleep(3600)))
            done.append("after the second cancel")

    task = asyncio.create_task(main())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == ["after the first cancel", "after the second cancel"]


async def test_a_failing_step_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    calls: list[int] = []
    done = asyncio.Event()

    async def step() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise OSError("database away")
        if len(calls) == 3:
            done.set()

    with caplog.at_level(logging.ERROR, logger="spectrum_rpc.tasks"):
        task = every(0, step, "flush the counts", "test-flush")
        await asyncio.wait_for(done.wait(), 10)
        await cancel(task)
    assert task.done() and task.get_name() == "test-flush"
    assert [r.getMessage() for r in caplog.records] == ["could not flush the counts"]
    assert len(calls) >= 3


async def test_cancel_stops_the_loop_between_ticks() -> None:
    calls: list[int] = []

    async def step() -> None:
        calls.append(1)

    task = every(3600, step, "never", "test-idle")
    await asyncio.sleep(0)
    await cancel(task)
    assert task.cancelled() and calls == []
