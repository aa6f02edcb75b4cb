"""`spectrum-rpc models list|show|promote|rollback`."""

from __future__ import annotations

import argparse
import json
import sys

from ..store import GLOBAL, Store
from ..versions import ModelNotFound, ModelRegistry, model_root, scope_of, shipped_dir
from .common import format_time, settings_from, with_store


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    models = sub.add_parser("models", help="model versions").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    listing = models.add_parser("list", parents=[common], help="list versions, marking active ones")
    listing.add_argument("--project", help="only global versions and this project's")
    listing.set_defaults(run=run_list)
    show = models.add_parser("show", parents=[common], help="print a version's record and report")
    show.add_argument("version")
    show.set_defaults(run=run_show)
    promote = models.add_parser("promote", parents=[common], help="make a version active")
    promote.add_argument("version")
    promote.add_argument("--project", help="for this project only (default: global)")
    promote.set_defaults(run=run_promote)
    rollback = models.add_parser("rollback", parents=[common],
                                 help="undo the latest promotion (a project falls back to global)")
    rollback.add_argument("--project", help="the project's model (default: global)")
    rollback.set_defaults(run=run_rollback)


def _registry(args: argparse.Namespace, store: Store) -> ModelRegistry:
    return ModelRegistry(store, model_root(settings_from(args)))


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def rows(store: Store) -> tuple[list, dict[str, str]]:
        await ModelRegistry(store, model_root(settings)).ensure_shipped(shipped_dir(settings))
        return await store.models.list(args.project), await store.models.active()

    records, active = with_store(settings, rows)
    serving: dict[str, list[str]] = {}
    for scope, version in active.items():
        serving.setdefault(version, []).append(scope or "global")
    print(f"{'VERSION':<52} {'PROJECT':<12} {'ORIGIN':<8} {'CREATED':<20} {'STATUS':<17} ACTIVE")
    for r in records:
        scopes = ",".join(sorted(serving.get(r.version, []))) or "-"
        print(f"{r.version:<52} {r.project or '-':<12} {r.origin:<8} "
              f"{format_time(r.created_at):<20} {r.status:<17} {scopes}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def show(store: Store) -> dict:
        record = await _registry(args, store).get(args.version)
        history = [{**p.__dict__, "at": format_time(p.at)}
                   for scope in {GLOBAL, record.project or GLOBAL}
                   for p in await store.models.history(scope) if p.version == record.version]
        return {**record.__dict__, "created_at": format_time(record.created_at),
                "promotions": history}

    try:
        print(json.dumps(with_store(settings, show), indent=2, default=str))
    except ModelNotFound as exc:
        print(f"spectrum-rpc: {exc}", file=sys.stderr)
        return 1
    return 0


def run_promote(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def promote(store: Store) -> str | None:
        registry = _registry(args, store)
        await registry.ensure_shipped(shipped_dir(settings))
        return await registry.promote(args.version, args.project, "manual promotion (CLI)")

    try:
        previous = with_store(settings, promote)
    except ModelNotFound as exc:
        print(f"spectrum-rpc: {exc}", file=sys.stderr)
        return 1
    was = previous or "the global fallback"
    print(f"{args.version} is active for {args.project or 'global'} (was {was})")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def rollback(store: Store) -> tuple[object, dict[str, str]]:
        undone = await store.models.rollback(scope_of(args.project))
        return undone, await store.models.active()

    undone, active = with_store(settings, rollback)
    scope = scope_of(args.project)
    if undone is None:
        print(f"spectrum-rpc: nothing to roll back for {args.project or 'global'}", file=sys.stderr)
        return 1
    now_serving = active.get(scope) or f"global fallback {active.get(GLOBAL)}"
    print(f"rolled back {undone.version}; {args.project or 'global'} now uses {now_serving}")
    return 0
