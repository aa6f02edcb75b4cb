"""`spectrum-rpc store generate-key|rotate-key`: the master key that seals webhook secrets."""

from __future__ import annotations

import argparse
import sys

from ..store import KEY_SETTINGS, Store, generate_key, load_secret_box
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
