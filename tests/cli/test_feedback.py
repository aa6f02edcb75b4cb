"""`spectrum-rpc feedback export`: JSON lines and CSV, per project, of an empty store."""

from __future__ import annotations

import asyncio
import csv
import io

import orjson

from spectrum_rpc.store import Store
from tests.helpers.cli import run


def seed_feedback(db_path) -> None:  # type: ignore[no-untyped-def]
    async def seed() -> None:
        async with Store(db_path) as store:
            row = dict(key_id="key_1", created_at=1509570919.0, content_sha256="ab" * 32, meta=None)
            await store.feedback.add(
                project="acme",
                content='first, "quoted"\nline',
                should_block=True,
                labels={"toxic": True},
                **{**row, "meta": {"authorId": "1"}},
            )
            await store.feedback.add(
                project="other", content="second", should_block=False, labels=None, **row
            )

    asyncio.run(seed())


def test_feedback_export_jsonl(capsys, db_path):
    seed_feedback(db_path)
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--format", "jsonl")
    assert status == 0
    records = [orjson.loads(line) for line in out.splitlines()]
    assert [r["content"] for r in records] == ['first, "quoted"\nline', "second"]
    first = records[0]
    assert first["project"] == "acme" and first["should_block"] is True
    assert first["labels"] == {"toxic": True} and first["meta"] == {"authorId": "1"}
    assert first["created_at"] == "2017-11-01T21:15:19Z"
    _, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--project", "other")
    assert [orjson.loads(line)["content"] for line in out.splitlines()] == ["second"]


def test_feedback_export_csv(capsys, db_path):
    seed_feedback(db_path)
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path), "--format", "csv")
    assert status == 0
    records = list(csv.DictReader(io.StringIO(out)))
    assert [r["content"] for r in records] == ['first, "quoted"\nline', "second"]
    assert orjson.loads(records[0]["labels"]) == {"toxic": True}
    assert records[1]["labels"] == "" and records[1]["should_block"] == "False"


def test_feedback_export_of_an_empty_store(capsys, db_path):
    status, out, _ = run(capsys, "feedback", "export", "--db", str(db_path))
    assert (status, out) == (0, "")
