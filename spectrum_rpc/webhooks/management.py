"""Operations on webhooks for the CLI and the admin UI: plain async functions over the store.

Every input is validated here (WebhookError with a message safe to show); secrets and passwords
are returned only by `add` and `rotate_secret`, never by the listing. Private targets are refused
unless the caller passes the server's `webhooks.allow_private_addresses` as
`allow_private_addresses=True`; delivery checks the addresses again when it connects, whatever
was allowed here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..constants import DEFAULT_PROJECT
from ..ssrf import ForbiddenAddress, check_target
from ..store import FAILED, AttemptRecord, DeliveryRecord, Store, WebhookRecord, now
from .dispatcher import Dispatcher, Result
from .filters import format_events, parse_events
from .payload import new_event_id, test_body
from .signing import generate_secret, validate_secret
from .validation import (
    NotFound,
    WebhookError,
    parse_basic_auth,
    validate_description,
    validate_url,
)

UNSET: Any = object()  # "not given", where None means "remove" (Basic auth)
MAX_PROJECT_LENGTH = 100


@dataclass(frozen=True)
class WebhookView:
    """A webhook as shown to operators: no secret, no credentials."""

    id: str
    project: str
    url: str
    enabled: bool
    events: tuple[str, ...]
    basic_auth: bool
    description: str
    created_at: float
    last_success_at: float | None
    failing_since: float | None
    disabled_reason: str | None
    rotating: bool


@dataclass(frozen=True)
class Created:
    """A new webhook and its signing secret (shown once)."""

    view: WebhookView
    secret: str

    def __repr__(self) -> str:
        return f"Created(view={self.view!r}, secret='***')"


def view(record: WebhookRecord) -> WebhookView:
    """Return the safe view of a stored webhook."""
    return WebhookView(
        id=record.id,
        project=record.project,
        url=record.url,
        enabled=record.enabled,
        events=parse_events(record.events),
        basic_auth=record.basic_username is not None,
        description=record.description,
        created_at=record.created_at,
        last_success_at=record.last_success_at,
        failing_since=record.failing_since,
        disabled_reason=record.disabled_reason,
        rotating=record.previous_secret is not None,
    )


def _url(url: str, allow_private: bool) -> str:
    url = validate_url(url)
    try:
        check_target(url, allow_private)
    except ForbiddenAddress as exc:
        raise WebhookError(str(exc)) from None
    return url


def _project(name: str) -> str:
    if not name or len(name) > MAX_PROJECT_LENGTH or not name.isprintable():
        raise WebhookError(
            f"the project name must be 1 to {MAX_PROJECT_LENGTH} printable characters"
        )
    return name


async def add_webhook(
    store: Store,
    url: str,
    *,
    project: str = DEFAULT_PROJECT,
    events: str = "all",
    basic_auth: str | None = None,
    secret: str | None = None,
    description: str = "",
    allow_private_addresses: bool = False,
) -> Created:
    """Validate and store a new webhook; return it with its secret."""
    auth = parse_basic_auth(basic_auth) if basic_auth is not None else None
    t = now()
    record = WebhookRecord(
        id="wh_" + secrets.token_hex(8),
        project=_project(project),
        url=_url(url, allow_private_addresses),
        enabled=True,
        events=format_events(parse_events(events)),
        basic_username=auth.username if auth else None,
        basic_password=auth.password if auth else None,
        secret=validate_secret(secret) if secret is not None else generate_secret(),
        previous_secret=None,
        rotated_at=None,
        description=validate_description(description),
        created_at=t,
        updated_at=t,
        last_success_at=None,
        failing_since=None,
        disabled_reason=None,
    )
    await store.webhooks.create(record)
    return Created(view(record), record.secret)


async def get_webhook(store: Store, webhook_id: str) -> WebhookView:
    """Return one webhook's safe view; raise NotFound."""
    return view(await _record(store, webhook_id))


async def _record(store: Store, webhook_id: str) -> WebhookRecord:
    record = await store.webhooks.get(webhook_id)
    if record is None:
        raise NotFound(f"no webhook with id {webhook_id}")
    return record


async def list_webhooks(store: Store, project: str | None = None) -> list[WebhookView]:
    """List webhooks (safe views), optionally of one project."""
    return [view(r) for r in await store.webhooks.list(project)]


async def update_webhook(
    store: Store,
    webhook_id: str,
    *,
    url: str = UNSET,
    project: str = UNSET,
    events: str = UNSET,
    basic_auth: str | None = UNSET,
    description: str = UNSET,
    allow_private_addresses: bool = False,
) -> WebhookView:
    """Change some settings of a webhook (basic_auth=None removes it); return the result."""
    changes: dict[str, Any] = {}
    if url is not UNSET:
        changes["url"] = _url(url, allow_private_addresses)
    if project is not UNSET:
        changes["project"] = _project(project)
    if events is not UNSET:
        changes["events"] = format_events(parse_events(events))
    if basic_auth is not UNSET:
        auth = parse_basic_auth(basic_auth) if basic_auth is not None else None
        changes["basic_username"] = auth.username if auth else None
        changes["basic_password"] = auth.password if auth else None
    if description is not UNSET:
        changes["description"] = validate_description(description)
    if not changes:
        raise WebhookError("nothing to change")
    if not await store.webhooks.update(webhook_id, now(), **changes):
        raise NotFound(f"no webhook with id {webhook_id}")
    return await get_webhook(store, webhook_id)


async def set_enabled(store: Store, webhook_id: str, enabled: bool) -> WebhookView:
    """Enable or disable a webhook (enabling clears the automatic-disable state)."""
    if not await store.webhooks.update(webhook_id, now(), enabled=enabled):
        raise NotFound(f"no webhook with id {webhook_id}")
    return await get_webhook(store, webhook_id)


async def remove_webhook(store: Store, webhook_id: str) -> None:
    """Delete a webhook and its delivery records."""
    if not await store.webhooks.delete(webhook_id):
        raise NotFound(f"no webhook with id {webhook_id}")


async def rotate_secret(store: Store, webhook_id: str, secret: str | None = None) -> str:
    """Replace the signing secret; the old one keeps signing too for the rotation window."""
    new = validate_secret(secret) if secret is not None else generate_secret()
    old = await _record(store, webhook_id)
    await store.webhooks.update(
        webhook_id, now(), secret=new, previous_secret=old.secret, rotated_at=now()
    )
    return new


async def send_test(store: Store, dispatcher: Dispatcher, webhook_id: str) -> Result:
    """Send a synthetic event to one webhook now, through the normal delivery path, once."""
    record = await _record(store, webhook_id)
    event_id, t = new_event_id(), now()
    body = test_body(event_id, t)
    # Due in an hour: the running dispatcher's loop must not claim it before we do; should this
    # process die before sending, the loop sends it then.
    ids = await store.webhooks.enqueue(event_id, record.project, t, body, [webhook_id], t + 3600)
    results = await dispatcher.send_now(ids, final=True)
    if not results:
        raise WebhookError("the test event was claimed by another sender: see `deliveries`")
    return results[0]


async def list_deliveries(
    store: Store,
    *,
    webhook_id: str | None = None,
    failed: bool = False,
    since: float | None = None,
    limit: int | None = 100,
) -> list[DeliveryRecord]:
    """List deliveries, newest first (`failed`: only the dead letters)."""
    state = FAILED if failed else None
    return await store.webhooks.deliveries(
        webhook_id=webhook_id, state=state, since=since, limit=limit
    )


async def delivery_attempts(
    store: Store, delivery_id: int
) -> tuple[DeliveryRecord, list[AttemptRecord]]:
    """Return one delivery with every attempt made; raise NotFound."""
    delivery = await store.webhooks.delivery(delivery_id)
    if delivery is None:
        raise NotFound(f"no delivery with id {delivery_id}")
    return delivery, await store.webhooks.attempts(delivery_id)


async def replay(store: Store, delivery_ids: list[int]) -> list[int]:
    """Queue finished deliveries again with a fresh schedule; return the ids queued."""
    for delivery_id in delivery_ids:
        if await store.webhooks.delivery(delivery_id) is None:
            raise NotFound(f"no delivery with id {delivery_id}")
    return await store.webhooks.requeue(delivery_ids, now())


async def replay_failed(store: Store, *, since: float, webhook_id: str | None = None) -> list[int]:
    """Queue again every dead letter of events created at or after `since`."""
    failed = await list_deliveries(
        store, webhook_id=webhook_id, failed=True, since=since, limit=None
    )
    return await store.webhooks.requeue([d.id for d in failed], now())
