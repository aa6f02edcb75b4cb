"""`spectrum-rpc webhooks add|list|update|enable|disable|remove|rotate-secret|test|...`.

The other two sub-commands are `deliveries` and `replay`. A thin shell over
`spectrum_rpc.webhooks.management`; secrets are printed only by `add` and `rotate-secret`,
credentials never.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ..constants import DEFAULT_PROJECT
from ..settings import Settings
from ..store import Store
from ..webhooks import EVENT_NAMES, Dispatcher, NotFound, Result, WebhookError, create_session
from ..webhooks import management as ops
from .common import audit, format_time, settings_from, with_store

EVENTS_HELP = f"comma-separated events: {', '.join(EVENT_NAMES)} (default: all)"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("webhooks", help="manage webhooks and their deliveries").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )

    def command(
        name: str, run: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        parser = group.add_parser(name, parents=[common], help=help)
        parser.set_defaults(run=lambda args: _guarded(run, args))
        return parser

    add = command("add", run_add, "add a webhook (prints its id and signing secret)")
    add.add_argument("--url", required=True)
    add.add_argument("--project", default=DEFAULT_PROJECT)
    add.add_argument("--on", default="all", metavar="EVENTS", help=EVENTS_HELP)
    add.add_argument("--basic-auth", metavar="USER:PASS")
    add.add_argument("--secret", metavar="whsec_...", help="signing secret (default: generated)")
    add.add_argument("--description", default="")

    listing = command("list", run_list, "list webhooks (never secrets or credentials)")
    listing.add_argument("--project")

    update = command("update", run_update, "change a webhook's settings")
    update.add_argument("id")
    update.add_argument("--url")
    update.add_argument("--project")
    update.add_argument("--on", metavar="EVENTS", help=EVENTS_HELP)
    auth = update.add_mutually_exclusive_group()
    auth.add_argument("--basic-auth", metavar="USER:PASS")
    auth.add_argument("--no-basic-auth", action="store_true", help="stop sending Basic auth")
    update.add_argument("--description")

    for name, enabled in (("enable", True), ("disable", False)):
        toggle = command(name, run_enable, f"{name} a webhook")
        toggle.add_argument("id")
        toggle.set_defaults(enabled=enabled)

    command("remove", run_remove, "delete a webhook and its delivery records").add_argument("id")

    rotate = command(
        "rotate-secret", run_rotate, "replace the signing secret (old one kept a while)"
    )
    rotate.add_argument("id")
    rotate.add_argument("--secret", metavar="whsec_...", help="the new secret (default: generated)")

    command("test", run_test, "send a synthetic event now; print status and latency").add_argument(
        "id"
    )

    deliveries = command("deliveries", run_deliveries, "list deliveries, or one with its attempts")
    deliveries.add_argument(
        "delivery_id", nargs="?", type=int, help="show this delivery's attempts"
    )
    deliveries.add_argument("--webhook", metavar="ID")
    deliveries.add_argument("--failed", action="store_true", help="only dead letters")
    deliveries.add_argument(
        "--since", type=iso_time, metavar="ISO_TIME", help="events created since"
    )
    deliveries.add_argument("--limit", type=int, default=50)

    replay = command("replay", run_replay, "send finished deliveries again")
    replay.add_argument("ids", nargs="*", type=int, metavar="ID", help="delivery ids")
    replay.add_argument("--all-failed", action="store_true", help="every dead letter since --since")
    replay.add_argument("--since", type=iso_time, metavar="ISO_TIME")
    replay.add_argument("--webhook", metavar="ID", help="with --all-failed: only this webhook")
    replay.add_argument(
        "--queue-only", action="store_true", help="leave the sending to the running server"
    )


def iso_time(text: str) -> float:
    """Parse an ISO-8601 time (UTC when no offset is given) as a UNIX time."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _guarded(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return run(args)
    except WebhookError as exc:
        print(f"spectrum-rpc: error: {exc}", file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"spectrum-rpc: {exc.args[0]}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, action: Callable[[Store], Awaitable[Any]]) -> Any:
    return with_store(settings_from(args), action)


def _with_dispatcher(
    settings: Settings, action: Callable[[Store, Dispatcher], Awaitable[Any]]
) -> Any:
    async def run(store: Store) -> Any:
        async with create_session(settings.webhooks) as session:
            return await action(store, Dispatcher(store, session, settings.webhooks))

    return with_store(settings, run)


def run_add(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def add(store: Store) -> ops.Created:
        created = await ops.add_webhook(
            store,
            args.url,
            project=args.project,
            events=args.on,
            basic_auth=args.basic_auth,
            secret=args.secret,
            description=args.description,
            allow_private_addresses=settings.webhooks.allow_private_addresses,
        )
        v = created.view
        await audit(store, "webhook.create", project=v.project, target=v.id,
                    detail={"url": v.url, "events": list(v.events)})
        return created

    created = with_store(settings, add)
    v = created.view
    print(
        f"added webhook {v.id} project={v.project} events={','.join(v.events)} url={v.url}",
        file=sys.stderr,
    )
    print("store the secret now: it verifies signatures and is not shown again", file=sys.stderr)
    print(f"id={v.id} secret={created.secret}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    views = _run(args, lambda store: ops.list_webhooks(store, args.project))
    print(
        f"{'ID':<20} {'PROJECT':<14} {'STATUS':<9} {'EVENTS':<16} {'AUTH':<5} "
        f"{'LAST SUCCESS':<20} URL"
    )
    for v in views:
        status = "enabled" if v.enabled else "disabled"
        auth = "basic" if v.basic_auth else "-"
        print(
            f"{v.id:<20} {v.project:<14} {status:<9} {','.join(v.events):<16} {auth:<5} "
            f"{format_time(v.last_success_at):<20} {v.url}"
        )
        if v.disabled_reason and not v.enabled:
            print(f"{'':<20} disabled because: {v.disabled_reason}")
    return 0


def run_update(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {
        k: v
        for k, v in (
            ("url", args.url),
            ("project", args.project),
            ("events", args.on),
            ("description", args.description),
            ("basic_auth", args.basic_auth),
        )
        if v is not None
    }
    if args.no_basic_auth:
        changes["basic_auth"] = None
    settings = settings_from(args)
    allow = settings.webhooks.allow_private_addresses
    shown = {k: v for k, v in changes.items() if k != "basic_auth"}  # no credentials
    if "basic_auth" in changes:
        shown["basic_auth"] = "removed" if changes["basic_auth"] is None else "changed"

    async def update(store: Store) -> ops.WebhookView:
        v = await ops.update_webhook(store, args.id, **changes, allow_private_addresses=allow)
        await audit(store, "webhook.update", project=v.project, target=v.id, detail=shown)
        return v

    v = with_store(settings, update)
    print(
        f"updated {v.id}: project={v.project} events={','.join(v.events)} "
        f"auth={'basic' if v.basic_auth else '-'} url={v.url}"
    )
    return 0


def run_enable(args: argparse.Namespace) -> int:
    async def toggle(store: Store) -> ops.WebhookView:
        v = await ops.set_enabled(store, args.id, args.enabled)
        action = "webhook.enable" if args.enabled else "webhook.disable"
        await audit(store, action, project=v.project, target=v.id)
        return v

    v = _run(args, toggle)
    print(f"{v.id} {'enabled' if v.enabled else 'disabled'}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    async def remove(store: Store) -> None:
        v = await ops.get_webhook(store, args.id)
        await ops.remove_webhook(store, v.id)
        await audit(store, "webhook.delete", project=v.project, target=v.id)

    _run(args, remove)
    print(f"removed {args.id}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def rotate(store: Store) -> str:
        secret = await ops.rotate_secret(store, args.id, args.secret)
        v = await ops.get_webhook(store, args.id)
        await audit(store, "webhook.secret.rotate", project=v.project, target=v.id)
        return secret

    secret = with_store(settings, rotate)
    window = settings.webhooks.rotation_window
    print(f"the old secret keeps signing too for {window:g} s", file=sys.stderr)
    print(f"id={args.id} secret={secret}")
    return 0


def run_test(args: argparse.Namespace) -> int:
    async def test(store: Store, dispatcher: Dispatcher) -> Result:
        v = await ops.get_webhook(store, args.id)
        result = await ops.send_test(store, dispatcher, v.id)
        await audit(store, "webhook.test", project=v.project, target=v.id,
                    detail={"status": result.status})
        return result

    result = _with_dispatcher(settings_from(args), test)
    _print_result(result)
    return 0 if result.state == "delivered" else 1


def _print_result(r: Result) -> None:
    status = r.status if r.status is not None else "-"
    error = f" error={r.error}" if r.error and r.state != "delivered" else ""
    print(
        f"delivery={r.delivery_id} webhook={r.webhook_id} {r.state} status={status} "
        f"latency={r.latency * 1000:.0f}ms{error}"
    )


def run_deliveries(args: argparse.Namespace) -> int:
    if args.delivery_id is not None:
        delivery, attempts = _run(args, lambda s: ops.delivery_attempts(s, args.delivery_id))
        _print_deliveries([delivery])
        print(f"\n{'ATTEMPTED':<20} {'STATUS':<7} {'LATENCY':<9} ERROR / RESPONSE")
        for a in attempts:
            latency = f"{a.latency * 1000:.0f}ms" if a.latency is not None else "-"
            response = (a.response or b"")[:200].decode("utf-8", "replace").replace("\n", " ")
            print(
                f"{format_time(a.attempted_at):<20} {a.status or '-'!s:<7} {latency:<9} "
                f"{a.error or ''} {response}".rstrip()
            )
        return 0
    rows = _run(
        args,
        lambda store: ops.list_deliveries(
            store, webhook_id=args.webhook, failed=args.failed, since=args.since, limit=args.limit
        ),
    )
    _print_deliveries(rows)
    return 0


def _print_deliveries(rows: list[Any]) -> None:
    print(
        f"{'ID':<8} {'EVENT':<28} {'WEBHOOK':<20} {'STATE':<10} {'TRIES':<5} "
        f"{'NEXT TRY':<20} {'CREATED':<20} LAST RESULT"
    )
    for d in rows:
        last = d.last_error or (f"HTTP {d.last_status}" if d.last_status else "-")
        nxt = format_time(d.next_attempt_at) if d.state == "pending" else "-"
        print(
            f"{d.id:<8} {d.event_id:<28} {d.webhook_id:<20} {d.state:<10} {d.attempts:<5} "
            f"{nxt:<20} {format_time(d.created_at):<20} {last}"
        )


def run_replay(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all_failed):
        raise WebhookError("give delivery ids, or --all-failed --since ISO_TIME")
    if args.all_failed and args.since is None:
        raise WebhookError("--all-failed needs --since ISO_TIME")

    async def replay(store: Store, dispatcher: Dispatcher) -> tuple[list[int], list[Result]]:
        if args.all_failed:
            ids = await ops.replay_failed(store, since=args.since, webhook_id=args.webhook)
        else:
            ids = await ops.replay(store, args.ids)
        await _audit_replay(store, ids)
        return ids, ([] if args.queue_only else await dispatcher.send_now(ids))

    ids, results = _with_dispatcher(settings_from(args), replay)
    skipped = set(args.ids) - set(ids)
    if skipped:
        print(f"not replayed (still pending or sending): {sorted(skipped)}", file=sys.stderr)
    print(f"queued {len(ids)} deliveries again")
    for result in results:
        _print_result(result)
    undelivered = [r for r in results if r.state != "delivered"]
    return 1 if skipped or undelivered else 0


async def _audit_replay(store: Store, delivery_ids: list[int]) -> None:
    """Record one replay entry per webhook, as the admin UI does."""
    per_webhook: dict[str, int] = {}
    for delivery_id in delivery_ids:
        delivery = await store.webhooks.delivery(delivery_id)
        if delivery is not None:
            per_webhook[delivery.webhook_id] = per_webhook.get(delivery.webhook_id, 0) + 1
    for webhook_id, count in per_webhook.items():
        record = await store.webhooks.get(webhook_id)
        await audit(store, "webhook.replay", project=record.project if record else None,
                    target=webhook_id, detail={"deliveries": count})
