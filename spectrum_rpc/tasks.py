"""Stopping background tasks: the one way the server's periodic loops are shut down."""

from __future__ import annotations

import asyncio


async def cancel(task: asyncio.Task | None) -> None:
    """Cancel `task` (if any) and wait until it has finished unwinding.

    The task's own CancelledError is expected and dropped; a cancellation of the caller that
    arrives while it waits is not: a shutdown bounded by a timeout must still be able to give
    up on a task that will not stop. The caller may itself be unwinding from an earlier
    cancel (aiohttp runs the app's cleanup inside its cancelled main task), so only a new one
    counts, as asyncio.timeout does it.
    """
    if task is None:
        return
    current = asyncio.current_task()
    before = current.cancelling() if current is not None else 0
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if current is not None and current.cancelling() > before:
            raise
