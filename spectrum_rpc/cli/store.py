"""`spectrum-rpc store generate-key|rotate-key`: the master key that seals webhook secrets;
`spectrum-rpc store migrate --from FILE --to URL`: a SQLite store copied into PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ..store import (
    KEY_SETTINGS,
    Database,
    PostgresDatabase,
    Store,
    copy_tables,
    generate_key,
    is_url,
    load_secret_box,
    mask,
)
from .common import audit, settings_from, with_store


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("store", help="the database's master key").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    group.add_parser(
        "generate-key", help="print a new random master key"
    ).set_defaults(run=run_generate_key)
    group.add_parser(
        "rotate-key", parents=[common],
        help="encrypt every webhook secret again under the first configured master key",
    ).set_defaults(run=run_rotate_key)  # fmt: skip
    migrate = group.add_parser(
        "migrate", help="copy a SQLite database into PostgreSQL (again: copies what is new)"
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="FILE")
    migrate.add_argument("--to", dest="target", required=True, metavar="postgresql://...")
    migrate.set_defaults(run=run_migrate)


def run_generate_key(args: argparse.Namespace) -> int:
    print(generate_key())
    return 0


def run_rotate_key(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not load_secret_box(settings.store.master_key, settings.store.master_key_file).encrypting:
        print(f"spectrum-rpc: no master key is configured: set {KEY_SETTINGS}", file=sys.stderr)
        return 2

    async def rotate(store: Store) -> int:
        done = await store.webhooks.rotate_secrets()
        await audit(store, "store.rotate_key", detail={"webhooks": done})
        return done

    done = with_store(settings, rotate)
    print(f"re-encrypted the secrets of {done} webhooks under the first master key;"
          " the other keys are no longer needed")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    if not is_url(args.target) or is_url(args.source) or not Path(args.source).is_file():
        print("spectrum-rpc: store migrate copies an existing SQLite file (--from) into a"
              " postgresql:// database (--to)", file=sys.stderr)  # fmt: skip
        return 2

    async def copy() -> dict[str, int]:
        source, target = Database(args.source), PostgresDatabase(args.target)
        await source.open()  # brings an older file up to the current schema first
        try:
            await target.open()
            try:
                return await copy_tables(source, target, print)
            finally:
                await target.close()
        finally:
            await source.close()

    counts = asyncio.run(copy())
    print(f"copied {args.source} into {mask(args.target)}: {sum(counts.values())} rows in"
          f" {len(counts)} tables; point store.path at the URL to use it")
    return 0
