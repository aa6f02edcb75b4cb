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

from yarl import URL

from ..ssrf import ForbiddenAddress, check_canonical, check_target
from ..store import Store, now
from .dispatcher import Dispatcher
from .filters import CALLBACK
from .management import add_webhook, list_webhooks
from .payload import new_event_id
from .validation import WebhookError, validate_url

DESCRIPTION = "callback URL of API requests (made on first use)"

_making = asyncio.Lock()  # two first requests with one URL make one webhook


async def target(store: Store, project: str, url: str, *, allow_private_addresses: bool) -> str:
    """Return the id of the callback webhook for a URL in a project, made when new; raise
    WebhookError for a URL that cannot be one (not http(s), credentials, a private address
    while those are refused), its message in the API caller's terms."""
    check(url, allow_private_addresses=allow_private_addresses)
    async with _making:
        for hook in await list_webhooks(store, project):
            if hook.url == url and tuple(hook.events) == (CALLBACK,):
                return hook.id
        made = await add_webhook(store, url, project=project, events=CALLBACK,
                                 description=DESCRIPTION,
                                 allow_private_addresses=allow_private_addresses)
        return made.view.id


def check(url: str, *, allow_private_addresses: bool) -> None:
    """Raise WebhookError for a URL that cannot be a callback, saying what is wrong with it and
    never which server setting or command-line flag would change that (the guard's and the
    CLI's own messages do: the API caller is not the operator)."""
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError, AttributeError):
        parsed = None
    if parsed is not None and (parsed.user is not None or parsed.password is not None):
        raise WebhookError("the URL must not contain credentials (user:password@)")
    validate_url(url)  # length, scheme, host, fragment: said in the caller's terms
    host = URL(url.strip()).raw_host or ""
    try:
        check_canonical(host)  # its message tells how to write the address
    except ForbiddenAddress as exc:
        raise WebhookError(str(exc)) from None
    try:  # IP literals and localhost names; names are judged again when they resolve
        check_target(url, allow_private_addresses)
    except ForbiddenAddress:
        raise WebhookError(f"refused: {host} is an address that is not allowed (callbacks "
                           "are sent to public addresses only)") from None


async def send(store: Store, dispatcher: Dispatcher, project: str, webhook_id: str,
               body: bytes) -> str:
    """Enqueue one answer for a callback webhook (durably) and wake the dispatcher; return the
    event id (the `webhook-id` header the receiver sees)."""
    event_id = new_event_id()
    await store.webhooks.enqueue(event_id, project, now(), body, [webhook_id])
    dispatcher.wake()
    return event_id
