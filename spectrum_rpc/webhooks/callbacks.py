"""Answers sent to a request's own callback URL (contentmod's `callbackUrl`), through the same
outbox, dispatcher and delivery log as every webhook: signed, retried on the schedule,
SSRF-guarded, replayable.

A callback URL becomes a webhook of the project whose only event is `callback` (no
classification matches it), made the first time the URL is seen and reused after: its signing
secret, deliveries and failures are on the admin UI's Webhooks page like any other's, and it can
be disabled or removed there. Its events hold the body the API answers, as sent.
"""

from __future__ import annotations

import asyncio

from ..store import Store, now
from .dispatcher import Dispatcher
from .filters import CALLBACK
from .management import add_webhook, list_webhooks
from .payload import new_event_id

DESCRIPTION = "callback URL of API requests (made on first use)"

_making = asyncio.Lock()  # two first requests with one URL make one webhook


async def target(store: Store, project: str, url: str, *, allow_private_addresses: bool) -> str:
    """Return the id of the callback webhook for a URL in a project, made when new; raise
    WebhookError for a URL that cannot be one (not http(s), credentials, a private address
    while those are refused)."""
    async with _making:
        for hook in await list_webhooks(store, project):
            if hook.url == url and tuple(hook.events) == (CALLBACK,):
                return hook.id
        made = await add_webhook(store, url, project=project, events=CALLBACK,
                                 description=DESCRIPTION,
                                 allow_private_addresses=allow_private_addresses)
        return made.view.id


async def send(store: Store, dispatcher: Dispatcher, project: str, webhook_id: str,
               body: bytes) -> str:
    """Enqueue one answer for a callback webhook (durably) and wake the dispatcher; return the
    event id (the `webhook-id` header the receiver sees)."""
    event_id = new_event_id()
    await store.webhooks.enqueue(event_id, project, now(), body, [webhook_id])
    dispatcher.wake()
    return event_id
