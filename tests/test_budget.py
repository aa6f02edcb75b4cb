"""ByteBudget: large request bodies share a bounded amount of memory, first come first served."""

from __future__ import annotations

import asyncio

import pytest

from spectrum_rpc.body import ByteBudget


async def waiting(budget: ByteBudget, amount: int, timeout: float = 30) -> asyncio.Task[bool]:
    task = asyncio.create_task(budget.acquire(amount, timeout))
    await asyncio.sleep(0)
    return task


async def test_grants_within_the_limit_and_queues_beyond_it_in_order():
    budget = ByteBudget(100)
    assert await budget.acquire(60, 0)
    first = await waiting(budget, 50)
    second = await waiting(budget, 10)  # would fit, but waits behind the first: no starving
    assert not first.done() and not second.done()
    budget.release(60)
    assert await first and await second
    assert budget.used == 60


async def test_a_timed_out_waiter_leaves_and_lets_the_next_in():
    budget = ByteBudget(100)
    assert await budget.acquire(90, 0)
    big = await waiting(budget, 80, timeout=0.05)
    small = await waiting(budget, 10)
    assert await big is False
    assert await small is True and budget.used == 100


async def test_a_cancelled_waiter_takes_nothing():
    budget = ByteBudget(100)
    assert await budget.acquire(100, 0)
    task = await waiting(budget, 50)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    budget.release(100)
    assert budget.used == 0


async def test_a_body_larger_than_the_budget_still_gets_in_alone():
    budget = ByteBudget(100)
    assert budget.charge(500) == 100 and budget.charge(7) == 7
    assert await budget.acquire(budget.charge(500), 0)
    assert not await budget.acquire(1, 0.01)


def test_the_limit_must_be_positive():
    with pytest.raises(ValueError):
        ByteBudget(0)
