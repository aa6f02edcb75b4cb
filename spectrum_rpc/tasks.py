"""Stopping background tasks: the one way the server's periodic loops are shut down."""

from __future__ import annotations

import asyncio


async def cancel(task: asyncio.Task | None) -> None:
    """Cancel `task` (if any) and wait until it has finished unwinding.

    The task's own CancelledError is expected and dropped; the caller's is not: a shutdown
    bounded by a timeout must still be able to give up on a task that will not stop.
    """
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
