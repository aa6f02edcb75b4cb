"""`spectrum-rpc keys create|list|revoke`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..auth import create_key
from ..constants import DEFAULT_PROJECT, KEY_PREFIX
from ..store import Store
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


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    records = with_store(settings, lambda store: store.keys.list(args.project))
    print(
        f"{'ID':<22} {'PROJECT':<16} {'NAME':<20} {'PREFIX':<12} "
        f"{'CREATED':<20} {'LAST USED':<20} STATUS"
    )
    for k in records:
        status = "revoked" if k.revoked_at else "active"
        print(
            f"{k.id:<22} {k.project:<16} {k.name:<20} {k.prefix:<12} "
            f"{format_time(k.created_at):<20} {format_time(k.last_used_at):<20} {status}"
        )
    return 0


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
