"""Webhook management in the admin API: thin handlers over `spectrum_rpc.webhooks.management`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ..store import Store
from ..webhooks import EVENT_NAMES, NotFound, WebhookError
from ..webhooks import management as ops
from .access import api_error
from .api import BadRequest, act, admin, body, limit_param, ok, only, project_of
from .limits import DELIVERIES_LIMIT, MAX_ROW_ID
from .review import iso

RESPONSE_EXCERPT = 300


def view_dict(v: ops.WebhookView) -> dict[str, Any]:
    """Return a webhook's safe view as JSON (no secret, no password)."""
    return {"id": v.id, "project": v.project, "url": v.url, "enabled": v.enabled,
            "events": list(v.events), "basic_auth": v.basic_auth, "description": v.description,
            "created_at": iso(v.created_at), "last_success_at": iso(v.last_success_at),
            "failing_since": iso(v.failing_since), "disabled_reason": v.disabled_reason,
            "rotating": v.rotating}


def _events(value: Any) -> str:
    if isinstance(value, list):
        for name in value:
            if name not in EVENT_NAMES:
                raise BadRequest(f"unknown event {name!r}: choose from {', '.join(EVENT_NAMES)}")
        return ",".join(value) or "all"
    if isinstance(value, str):
        return value
    raise BadRequest("events must be a list of names or a comma-separated string")


FIELDS = ("url", "events", "basic_auth_user", "basic_auth_password", "remove_basic_auth",
          "description")


def _text(data: dict[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


def _basic_auth(data: dict[str, Any]) -> str | None | Any:
    """Return USER:PASS, None to remove, or UNSET when the form left both fields empty."""
    remove = data.get("remove_basic_auth", False)
    if not isinstance(remove, bool):
        raise BadRequest("remove_basic_auth must be true or false")
    user, password = _text(data, "basic_auth_user"), _text(data, "basic_auth_password")
    if remove:
        return None
    if not user and not password:
        return ops.UNSET
    if not user or not password:
        raise BadRequest("give both the Basic auth user and password (or neither)")
    if ":" in user:
        raise BadRequest("the Basic auth user must not contain ':'")
    return f"{user}:{password}"


def _allow_private(request: web.Request) -> bool:
    """Return the server's webhooks.allow_private_addresses (refuse when delivery is off)."""
    dispatcher = admin(request).dispatcher
    return bool(dispatcher is not None and dispatcher.settings.allow_private_addresses)


async def list_webhooks(request: web.Request) -> web.Response:
    """List a project's webhooks."""
    views = await ops.list_webhooks(admin(request).store, project_of(request))
    return ok({"webhooks": [view_dict(v) for v in views]})


async def create_webhook(request: web.Request) -> web.Response:
    """Create a webhook; the answer holds its signing secret."""
    project = project_of(request)
    data = only(await body(request), *FIELDS)
    if "url" not in data:
        raise BadRequest("give the webhook's url")
    auth = _basic_auth(data)
    created = await ops.add_webhook(
        admin(request).store, _text(data, "url"), project=project,
        events=_events(data.get("events", "all")),
        basic_auth=None if auth is ops.UNSET else auth,
        description=_text(data, "description"),
        allow_private_addresses=_allow_private(request))
    await act(request, "webhook.create", project=project, target=created.view.id,
              detail={"url": created.view.url, "events": list(created.view.events)})
    return ok({**view_dict(created.view), "secret": created.secret}, 201)


async def get_webhook(request: web.Request) -> web.Response:
    """One webhook."""
    return ok(view_dict(await ops.get_webhook(admin(request).store, request.match_info["id"])))


async def update_webhook(request: web.Request) -> web.Response:
    """Change a webhook's URL, events, Basic auth or description."""
    data = only(await body(request), *FIELDS)
    changes: dict[str, Any] = {}
    for name in ("url", "description"):
        if name in data:
            changes[name] = _text(data, name)
    if "events" in data:
        changes["events"] = _events(data["events"])
    auth = _basic_auth(data)
    if auth is not ops.UNSET:
        changes["basic_auth"] = auth
    view = await ops.update_webhook(admin(request).store, request.match_info["id"], **changes,
                                    allow_private_addresses=_allow_private(request))
    shown = {k: v for k, v in changes.items() if k != "basic_auth"}
    if "basic_auth" in changes:
        shown["basic_auth"] = "removed" if auth is None else "changed"
    await act(request, "webhook.update", project=view.project, target=view.id, detail=shown)
    return ok(view_dict(view))


async def _set_enabled(request: web.Request, enabled: bool) -> web.Response:
    view = await ops.set_enabled(admin(request).store, request.match_info["id"], enabled)
    await act(request, "webhook.enable" if enabled else "webhook.disable",
              project=view.project, target=view.id)
    return ok(view_dict(view))


async def enable_webhook(request: web.Request) -> web.Response:
    """Enable a webhook (clears an automatic disable)."""
    return await _set_enabled(request, True)


async def disable_webhook(request: web.Request) -> web.Response:
    """Disable a webhook."""
    return await _set_enabled(request, False)


async def delete_webhook(request: web.Request) -> web.Response:
    """Delete a webhook and its delivery records."""
    view = await ops.get_webhook(admin(request).store, request.match_info["id"])
    await ops.remove_webhook(admin(request).store, view.id)
    await act(request, "webhook.delete", project=view.project, target=view.id)
    return ok({"deleted": view.id})


async def reveal_secret(request: web.Request) -> web.Response:
    """Show a webhook's signing secret (recorded in the audit log, the secret is not)."""
    store: Store = admin(request).store
    record = await store.webhooks.get(request.match_info["id"])
    if record is None:
        raise NotFound("no such webhook")
    await act(request, "webhook.secret.reveal", project=record.project, target=record.id)
    return ok({"secret": record.secret})


async def rotate_secret(request: web.Request) -> web.Response:
    """Replace the signing secret (the old one signs too during the rotation window)."""
    view = await ops.get_webhook(admin(request).store, request.match_info["id"])
    secret = await ops.rotate_secret(admin(request).store, view.id)
    await act(request, "webhook.secret.rotate", project=view.project, target=view.id)
    return ok({"secret": secret})


async def send_test(request: web.Request) -> web.Response:
    """Send a test event now and answer with the receiver's status and the latency."""
    state = admin(request)
    if state.dispatcher is None:
        return api_error(503, "webhook delivery is disabled on this server")
    view = await ops.get_webhook(state.store, request.match_info["id"])
    result = await ops.send_test(state.store, state.dispatcher, view.id)
    await act(request, "webhook.test", project=view.project, target=view.id,
              detail={"status": result.status})
    return ok({"ok": result.status is not None and 200 <= result.status < 300,
               "status": result.status, "error": result.error, "state": result.state,
               "latency_ms": round(result.latency * 1000, 1), "delivery_id": result.delivery_id})


def excerpt(raw: bytes | None) -> str | None:
    """Return the start of a receiver's response body as text."""
    if raw is None:
        return None
    text = raw[: RESPONSE_EXCERPT * 4].decode("utf-8", "replace")
    return text[:RESPONSE_EXCERPT] + ("…" if len(text) > RESPONSE_EXCERPT else "")


async def deliveries(store: Store, webhook_id: str, *, failed: bool = False, limit: int = 50
                     ) -> list[dict[str, Any]]:
    """Return a webhook's latest deliveries, each with every attempt."""
    out = []
    for d in await ops.list_deliveries(store, webhook_id=webhook_id, failed=failed, limit=limit):
        _, attempts = await ops.delivery_attempts(store, d.id)
        out.append({
            "id": d.id, "event_id": d.event_id, "state": d.state, "attempts": d.attempts,
            "next_attempt_at": iso(d.next_attempt_at), "last_status": d.last_status,
            "last_error": d.last_error, "created_at": iso(d.created_at),
            "tries": [{"at": iso(a.attempted_at), "status": a.status, "error": a.error,
                       "latency_ms": None if a.latency is None else round(a.latency * 1000, 1),
                       "response": excerpt(a.response)} for a in attempts],
        })
    return out


async def list_deliveries(request: web.Request) -> web.Response:
    """A webhook's latest deliveries with every attempt (status, latency, error, response)."""
    view = await ops.get_webhook(admin(request).store, request.match_info["id"])
    failed = request.query.get("failed", "false")
    if failed not in ("true", "false"):
        raise BadRequest("failed is true or false")
    limit = limit_param(request, 50, DELIVERIES_LIMIT)
    found = await deliveries(admin(request).store, view.id, failed=failed == "true", limit=limit)
    return ok({"deliveries": found})


def _since(value: Any) -> float:
    if not isinstance(value, str):
        raise BadRequest("since must be an ISO-8601 time, e.g. 2026-01-31T12:00")
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("since must be an ISO-8601 time, e.g. 2026-01-31T12:00") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def replay(request: web.Request) -> web.Response:
    """Queue one delivery again ({"delivery_id"}) or every failed one since a time ({"since"})."""
    state = admin(request)
    view = await ops.get_webhook(state.store, request.match_info["id"])
    data = only(await body(request), "delivery_id", "since")
    if "delivery_id" in data:
        given = data["delivery_id"]
        if not isinstance(given, int) or isinstance(given, bool) or not 0 < given <= MAX_ROW_ID:
            raise BadRequest(f"delivery_id must be a whole number from 1 to {MAX_ROW_ID}")
        delivery = await state.store.webhooks.delivery(data["delivery_id"])
        if delivery is None or delivery.webhook_id != view.id:
            raise NotFound("no such delivery for this webhook")
        queued = await ops.replay(state.store, [delivery.id])
    elif "since" in data:
        queued = await ops.replay_failed(state.store, since=_since(data["since"]),
                                         webhook_id=view.id)
    else:
        raise BadRequest("give delivery_id or since")
    if state.dispatcher is not None:
        state.dispatcher.wake()
    await act(request, "webhook.replay", project=view.project, target=view.id,
              detail={"deliveries": len(queued)})
    return ok({"queued": queued})


def handles_webhook_errors(handler):  # type: ignore[no-untyped-def]
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFound as exc:
            return api_error(404, str(exc))
        except WebhookError as exc:
            return api_error(400, str(exc))

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


ROUTES = [
    (method, path, handles_webhook_errors(handler)) for method, path, handler in [
        ("GET", "/projects/{project}/webhooks", list_webhooks),
        ("POST", "/projects/{project}/webhooks", create_webhook),
        ("GET", "/webhooks/{id}", get_webhook),
        ("PATCH", "/webhooks/{id}", update_webhook),
        ("DELETE", "/webhooks/{id}", delete_webhook),
        ("POST", "/webhooks/{id}/enable", enable_webhook),
        ("POST", "/webhooks/{id}/disable", disable_webhook),
        ("POST", "/webhooks/{id}/secret/reveal", reveal_secret),
        ("POST", "/webhooks/{id}/secret/rotate", rotate_secret),
        ("POST", "/webhooks/{id}/test", send_test),
        ("GET", "/webhooks/{id}/deliveries", list_deliveries),
        ("POST", "/webhooks/{id}/replay", replay),
    ]
]
