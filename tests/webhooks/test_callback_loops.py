"""Callback webhooks made concurrently in one event loop and then in another (a second server
in the same process, or the next test) are made once each: the lock that orders them belongs to
the store, not to the first event loop that waited on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import callbacks


async def _first_requests(path: Path) -> tuple[set[str], int]:
    async with Store(str(path)) as store:
        made = await asyncio.gather(*(
            callbacks.target(store, "p", "https://example.com/cb", allow_private_addresses=False)
            for _ in range(5)))
        return set(made), await store.webhooks.count("p", "callback")


def test_concurrent_first_callbacks_in_two_event_loops_make_one_webhook_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for n in range(2):
        ids, count = asyncio.run(_first_requests(tmp_path / f"{n}.db"))
        assert len(ids) == 1 and count == 1
