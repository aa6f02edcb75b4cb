"""Feedback review: filters from a query string, the current model's verdict, exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from ..analysis import Policy
from ..store import FeedbackQuery, FeedbackRecord, Store

EXPORT_FIELDS = ["id", "project", "key_id", "created_at", "content", "content_sha256",
                 "should_block", "labels", "meta", "excluded"]
_PAGE = 500
MAX_LIMIT = 200
# Pages beyond this are refused rather than handed to SQLite as an offset it cannot hold.
MAX_OFFSET = 2**62 // MAX_LIMIT
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_query(project: str, args: Mapping[str, str]) -> FeedbackQuery:
    """Build filters from query parameters (should_block, label, since, until, q, page,
    limit); raise ValueError, saying which, for a value out of its form."""
    block = args.get("should_block")
    if block not in (None, "true", "false"):
        raise ValueError("should_block is true or false")
    page = _number(args.get("page"), "page", 1, None) or 1
    limit = _number(args.get("limit"), "limit", 1, MAX_LIMIT) or 50
    return FeedbackQuery(
        project=project,
        should_block={"true": True, "false": False}.get(block or ""),
        label=args.get("label") or None,
        since=_date(args.get("since")),
        until=_date(args.get("until"), end_of_day=True),
        search=args.get("q") or None,
        limit=limit,
        offset=(page - 1) * limit,
    )


def _number(value: str | None, name: str, least: int, most: int | None) -> int | None:
    if value is None:
        return None
    number = int(value) if value.isascii() and value.isdigit() else least - 1
    if number < least or (most is not None and number > most) or number > MAX_OFFSET:
        raise ValueError(f"{name} is a whole number from {least}"
                         + (f" to {most}" if most is not None else " on"))
    return number


def _date(value: str | None, end_of_day: bool = False) -> float | None:
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        raise ValueError("dates are YYYY-MM-DD")
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{value} is not a date") from None
    return day.timestamp() + (86400 if end_of_day else 0)


def iso(ts: float | None) -> str | None:
    """Format a UNIX time as ISO-8601 UTC."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_dict(row: FeedbackRecord) -> dict[str, Any]:
    """Return one row in the export and API shape."""
    return {"id": row.id, "project": row.project, "key_id": row.key_id,
            "created_at": iso(row.created_at), "content": row.content,
            "content_sha256": row.content_sha256, "should_block": row.should_block,
            "labels": row.labels, "meta": row.meta, "excluded": row.excluded}


async def with_verdicts(classifier: Any, policy: Policy, rows: list[FeedbackRecord]
                        ) -> list[dict[str, Any]]:
    """Score each row with the project's current model; `agrees` compares its block verdict."""
    out = []
    for row in rows:
        scores, version = await classifier.score(row.project, row.content)
        result = policy.answer(scores, version)
        flagged = any(result.get(d) for d in ("toxic", "sexual", "phishing"))
        out.append({**as_dict(row), "model": result, "model_blocks": flagged,
                    "agrees": flagged == row.should_block})
    return out


async def export(store: Store, query: FeedbackQuery, fmt: str) -> AsyncIterator[bytes]:
    """Yield every matching row as JSONL or CSV, a page at a time."""
    offset = 0
    if fmt == "csv":
        yield _csv_line(EXPORT_FIELDS)
    while True:
        page = FeedbackQuery(**{**query.__dict__, "limit": _PAGE, "offset": offset})
        rows, _ = await store.admin.search_feedback(page)
        for row in rows:
            record = as_dict(row)
            if fmt == "csv":
                record["labels"] = orjson.dumps(row.labels).decode() if row.labels else ""
                record["meta"] = orjson.dumps(row.meta).decode() if row.meta else ""
                yield _csv_line([record[f] for f in EXPORT_FIELDS])
            else:
                yield orjson.dumps(record) + b"\n"
        if len(rows) < _PAGE:
            return
        offset += _PAGE


def _csv_line(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue().encode()
