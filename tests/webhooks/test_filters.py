"""The event filter: which classifications each webhook gets."""

from __future__ import annotations

import orjson

from spectrum_rpc.webhooks import management as ops
from tests.helpers.webhooks import CLEAN_RESULT, FLAGGED_RESULT, classify


async def test_event_filter(store, make_receiver, make_dispatcher):
    hooks = {}
    for events in ("all", "flagged", "toxic", "phishing", "sexual,phishing"):
        receiver = await make_receiver()
        await ops.add_webhook(store, receiver.url, events=events, allow_private_addresses=True)
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
