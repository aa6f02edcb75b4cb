"""The actor history (contentmod's actorId, discuse's user_id) on a real SQLite file."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from spectrum_rpc.store import Store


async def test_an_actors_requests_and_flags_over_time(tmp_path):
    async with Store(tmp_path / "s.db") as store:
        assert await store.actors.history("p", "u1") is None
        await store.actors.record("p", "u1", "contentmod", [], at=100.0)
        await store.actors.record("p", "u1", "discuse", ["toxicity", "sexual"], at=200.0)
        await store.actors.record("p", "u1", "contentmod", [], at=300.0)
        await store.actors.record("other", "u1", "contentmod", ["toxicity"], at=150.0)
        history = await store.actors.history("p", "u1")
    assert history is not None
    actor = history.actor
    assert (actor.project, actor.actor, actor.first_seen, actor.last_seen) == ("p", "u1", 100, 300)
    assert (actor.requests, actor.flagged) == (3, 1)
    assert [(e.at, e.source, e.flagged, e.flags) for e in history.events] == [
        (300.0, "contentmod", False, []),
        (200.0, "discuse", True, ["sexual", "toxicity"]),
        (100.0, "contentmod", False, []),
    ]


async def test_history_is_per_project_limited_and_listed_by_last_seen(tmp_path):
    async with Store(tmp_path / "s.db") as store:
        for i in range(5):
            await store.actors.record("p", "a", "contentmod", [], at=float(i))
        await store.actors.record("p", "b", "contentmod", ["phishing"], at=10.0)
        await store.actors.record("q", "c", "contentmod", [], at=20.0)
        history = await store.actors.history("p", "a", limit=2)
        listed = await store.actors.list("p")
    assert history is not None and [e.at for e in history.events] == [4.0, 3.0]
    assert history.actor.requests == 5
    assert [(a.actor, a.flagged) for a in listed] == [("b", 1), ("a", 0)]


async def test_no_text_is_stored(tmp_path):
    async with Store(tmp_path / "s.db") as store:
        await store.actors.record("p", "a", "discuse", ["toxicity"])
    # closing(): a sqlite3 connection's own `with` commits but never closes (3.13 warns).
    with closing(sqlite3.connect(tmp_path / "s.db")) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(actor_events)")}
    assert columns == {"id", "project", "actor", "at", "source", "flagged", "flags"}
