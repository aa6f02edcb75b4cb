"""Background tasks: the one way the server's periodic loops are started and shut down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

log = logging.getLogger(__name__)


def every(interval: float, step: Callable[[], Awaitable[object]], failure: str,
          name: str, quiet: tuple[type[Exception], ...] = ()) -> asyncio.Task[None]:
    """Start a task that awaits `step()` every `interval` seconds until cancelled.

    A failing step is logged ("could not " + `failure`) and tried again at the next tick: a
    database that is briefly away must not end a flush loop for the rest of the process's life.
    Failures of the `quiet` kinds are only tried again: where they happen logs them already.
    """
    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await step()
            except quiet:
                pass
            except Exception:
                log.exception("could not %s", failure)

    return asyncio.create_task(loop(), name=name)


@contextlib.contextmanager
def first_failure() -> Iterator[None]:
    """Around a task group: raise its first failure itself, as gather did (a dialect answers a
    full disk, a refused image... by its kind), and log the others of another kind, which would
    otherwise go unseen."""
    try:
        yield
    except ExceptionGroup as failed:
        first = failed.exceptions[0]
        for other in failed.exceptions[1:]:
            if type(other) is not type(first):
                log.error("another task of the group failed too", exc_info=other)
        raise first from None


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
