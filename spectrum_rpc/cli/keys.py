"""`spectrum-rpc keys create|list|show|limit|revoke`."""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

from ..auth import create_key, describe_rate, month_of, parse_rate
from ..constants import DEFAULT_PROJECT, KEY_PREFIX
from ..store import NO_LIMITS, KeyLimits, Store
from .common import audit, format_time, settings_from, with_store


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = keys.add_parser("create", parents=[common], help="create a key (printed once)")
    create.add_argument("--name", required=True)
    create.add_argument("--project", default=DEFAULT_PROJECT)
    create.set_defaults(run=run_create)
    listing = keys.add_parser(
        "list", parents=[common], help="list keys (never the keys themselves)"
    )
    listing.add_argument("--project")
    listing.set_defaults(run=run_list)
    show = keys.add_parser("show", parents=[common],
                           help="show a key, its limits and its usage by month")
    show.add_argument("id")
    show.set_defaults(run=run_show)
    limit = keys.add_parser(
        "limit", parents=[common],
        help="set a key's rate limit and monthly quota (0 turns one off; both off by default)",
        description="Set a key's limits; options left out keep their value. A running server "
                    "applies them within usage.flush_interval (1 s by default).")
    limit.add_argument("id")
    limit.add_argument("--rate", type=_rate, metavar="N[/s|/min|/h]",
                       help="requests per second (or per minute, per hour); 0 = no rate limit")
    limit.add_argument("--burst", type=_whole, metavar="N",
                       help="requests allowed at once above the rate (default: one second's)")
    limit.add_argument("--quota", type=_whole, metavar="N",
                       help="requests per calendar month (UTC); 0 = no quota")
    limit.add_argument("--off", action="store_true", help="remove every limit of the key")
    limit.set_defaults(run=run_limit)
    revoke = keys.add_parser("revoke", parents=[common], help="revoke a key by id")
    revoke.add_argument("id")
    revoke.set_defaults(run=run_revoke)


def run_create(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def create(store: Store) -> Any:  # the new key (auth.keys.NewKey)
        new = await create_key(store, args.name, args.project)
        await audit(store, "key.create", project=args.project, target=new.id,
                    detail={"name": args.name})
        return new

    new = with_store(settings, create)
    print(f"created key id={new.id} project={args.project} name={args.name}", file=sys.stderr)
    print("store it now: it is shown only once", file=sys.stderr)
    print(new.key)
    return 0


def _rate(text: str) -> float:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number >= 0: {text!r}")
    return int(text)


def describe_limits(limits: KeyLimits) -> str:
    """Return a key's limits in a few words ('-' when it has none)."""
    parts = []
    if limits.rate > 0:
        parts.append(f"{describe_rate(limits.rate)} burst {limits.burst}")
    if limits.quota > 0:
        parts.append(f"{limits.quota}/month")
    return ", ".join(parts) or "-"


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    month, _ = month_of(time.time())

    async def gather(store: Store) -> Any:
        return (await store.keys.list(args.project), await store.usage.totals(month),
                await store.usage.limits())

    records, used, limits = with_store(settings, gather)
    print(
        f"{'ID':<22} {'PROJECT':<16} {'NAME':<20} {'PREFIX':<12} "
        f"{'CREATED':<20} {'LAST USED':<20} {'STATUS':<8} {month:>10} LIMITS"
    )
    for k in records:
        status = "revoked" if k.revoked_at else "active"
        print(
            f"{k.id:<22} {k.project:<16} {k.name:<20} {k.prefix:<12} "
            f"{format_time(k.created_at):<20} {format_time(k.last_used_at):<20} {status:<8} "
            f"{used.get(k.id, 0):>10} {describe_limits(limits.get(k.id, NO_LIMITS))}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def gather(store: Store) -> Any:
        record = await store.keys.get(args.id)
        if record is None:
            return None
        return (record, await store.usage.get_limits(args.id),
                await store.usage.history(args.id))

    found = with_store(settings, gather)
    if found is None:
        print(f"spectrum-rpc: no key with id {args.id}", file=sys.stderr)
        return 1
    record, limits, history = found
    print(f"id         {record.id}\nproject    {record.project}\nname       {record.name}")
    print(f"prefix     {record.prefix}\ncreated    {format_time(record.created_at)}")
    print(f"last used  {format_time(record.last_used_at)}")
    print(f"status     {'revoked' if record.revoked_at else 'active'}")
    rate = (f"{describe_rate(limits.rate)}, burst {limits.burst}" if limits.rate > 0
            else "off")
    print(f"rate limit {rate}\nquota      {f'{limits.quota}/month' if limits.quota else 'off'}")
    print("month      requests   refused")
    month, _ = month_of(time.time())
    for m, requests, refused in history or [(month, 0, 0)]:
        print(f"{m:<10} {requests:>8} {refused:>9}")
    return 0


def run_limit(args: argparse.Namespace) -> int:
    if args.off and any(v is not None for v in (args.rate, args.burst, args.quota)):
        print("spectrum-rpc: --off removes every limit: give it alone", file=sys.stderr)
        return 2
    if not args.off and all(v is None for v in (args.rate, args.burst, args.quota)):
        print("spectrum-rpc: give --rate, --burst, --quota or --off", file=sys.stderr)
        return 2
    settings = settings_from(args)

    async def change(store: Store) -> KeyLimits | None:
        record = await store.keys.get(args.id)
        if record is None:
            return None
        limits = NO_LIMITS if args.off else merge_limits(
            await store.usage.get_limits(args.id), args.rate, args.burst, args.quota)
        await store.usage.set_limits(args.id, limits)
        await audit(store, "key.limits", project=record.project, target=args.id,
                    detail={"rate": limits.rate, "burst": limits.burst, "quota": limits.quota})
        return limits

    limits = with_store(settings, change)
    if limits is None:
        print(f"spectrum-rpc: no key with id {args.id}", file=sys.stderr)
        return 1
    print(f"{args.id}: {describe_limits(limits)}")
    return 0


def merge_limits(current: KeyLimits, rate: float | None, burst: int | None,
                 quota: int | None) -> KeyLimits:
    """Return the limits with the given values changed; a rate without a burst gets one
    second's worth of requests (at least 1)."""
    rate = current.rate if rate is None else rate
    if burst is None:
        burst = current.burst or max(1, math.ceil(rate))
    return KeyLimits(rate, burst if rate > 0 else 0, current.quota if quota is None else quota)


def run_revoke(args: argparse.Namespace) -> int:
    if args.id.startswith(KEY_PREFIX):  # the key itself: not echoed back
        print("spectrum-rpc: `keys revoke` takes the key's id (key_..., shown by `keys list`),"
              " not the key", file=sys.stderr)
        return 2
    settings = settings_from(args)

    async def revoke(store: Store) -> bool:
        record = await store.keys.get(args.id)
        if record is None or not await store.keys.revoke(args.id):
            return False
        await audit(store, "key.revoke", project=record.project, target=args.id)
        return True

    if not with_store(settings, revoke):
        print(f"spectrum-rpc: no active key with id {args.id}", file=sys.stderr)
        return 1
    print(f"revoked {args.id}")
    return 0
