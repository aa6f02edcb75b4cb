"""`spectrum-rpc feedback export|exclude`."""

from __future__ import annotations

import argparse
import csv
import sys

import orjson

from ..store import FeedbackRecord, Store
from .common import format_time, settings_from, with_store

CSV_FIELDS = ["id", "project", "key_id", "created_at", "content", "content_sha256",
              "should_block", "labels", "meta", "excluded"]


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("feedback", help="recorded user classifications").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    export = group.add_parser("export", parents=[common], help="write all feedback to stdout")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--project")
    export.set_defaults(run=run_export)
    exclude = group.add_parser("exclude", parents=[common], help="exclude rows from training")
    exclude.add_argument("ids", nargs="+", type=int)
    exclude.add_argument("--undo", action="store_true", help="include the rows again")
    exclude.set_defaults(run=run_exclude)


def as_dict(row: FeedbackRecord) -> dict:
    """Return one row in the export's shape."""
    return {
        "id": row.id,
        "project": row.project,
        "key_id": row.key_id,
        "created_at": format_time(row.created_at),
        "content": row.content,
        "content_sha256": row.content_sha256,
        "should_block": row.should_block,
        "labels": row.labels,
        "meta": row.meta,
        "excluded": row.excluded,
    }


def run_export(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    out = sys.stdout

    async def export(store: Store) -> None:
        writer = csv.DictWriter(out, CSV_FIELDS) if args.format == "csv" else None
        if writer:
            writer.writeheader()
        async for row in store.feedback.iter_all(args.project):
            record = as_dict(row)
            if writer:
                record.update(
                    labels=orjson.dumps(row.labels).decode() if row.labels else "",
                    meta=orjson.dumps(row.meta).decode() if row.meta else "",
                )
                writer.writerow(record)
            else:
                out.write(orjson.dumps(record).decode() + "\n")

    with_store(settings, export)
    return 0


def run_exclude(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    found = with_store(settings, lambda store: store.feedback.set_excluded(args.ids, not args.undo))
    verb = "included" if args.undo else "excluded"
    print(f"{verb} {found} of {len(args.ids)} rows")
    return 0 if found == len(args.ids) else 1
