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
import weakref

from yarl import URL

from ..ssrf import ForbiddenAddress, check_canonical, check_target
from ..store import Store, now
from .dispatcher import Dispatcher
from .filters import CALLBACK
from .management import add_webhook
from .payload import new_event_id
from .validation import WebhookError, validate_url

DESCRIPTION = "callback URL of API requests (made on first use)"
# Callback webhooks one project may make through the API: each distinct URL (`?n=1`, `?n=2`...)
# is a row with its own secret, so a caller must not be able to make them without end.
MAX_CALLBACKS = 100

# Two first requests with one URL make one webhook, and the cap holds: the asyncio lock orders
# this process's requests, the store's named lock those of every process sharing a PostgreSQL
# database (on SQLite, where one process serves the file, it is the asyncio lock alone). One
# asyncio lock per store: a lock waited on is bound to its event loop, and a store lives in one.
_making: weakref.WeakKeyDictionary[Store, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock_for(store: Store) -> asyncio.Lock:
    lock = _making.get(store)
    if lock is None:
        lock = _making[store] = asyncio.Lock()
    return lock


def lock_name(project: str) -> str:
    """The store lock under which a project's callback webhooks are made."""
    return f"callbacks:{project}"


async def target(store: Store, project: str, url: str, *, allow_private_addresses: bool,
                 limit: int = MAX_CALLBACKS) -> str:
    """Return the id of the callback webhook for a URL in a project, made when new (at most
    `limit` per project); raise WebhookError for a URL that cannot be one (not http(s),
    credentials, a private address while those are refused, one too many), its message in the
    API caller's terms."""
    check(url, allow_private_addresses=allow_private_addresses)
    stored = validate_url(url)  # the form a webhook's URL is stored in (host lower-cased...)
    found = await store.webhooks.find(project, stored, CALLBACK)
    if found is not None:
        return found
    async with _lock_for(store), store.exclusive(lock_name(project)):
        found = await store.webhooks.find(project, stored, CALLBACK)
        if found is not None:
            return found
        if await store.webhooks.count(project, CALLBACK) >= limit:
            raise WebhookError(f"refused: this project already has {limit} callback URLs, the "
                               "most it may have; reuse one of them")
        # The caller's URL, not `stored`: add_webhook stores the same normalised form, but checks
        # the length on what it is given, and percent-encoding can take a URL within the limit
        # past it (1,000 "ü" are 6,000 characters encoded).
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
