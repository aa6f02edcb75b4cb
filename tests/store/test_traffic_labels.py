"""Recent scores of every label with thresholds, on both backends: a column per label (null
where the call did not score it), counted at several thresholds each; a database made before
the columns existed keeps its rows."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from spectrum_rpc import labels as L
from spectrum_rpc.store import SCORE_COLUMNS, Store
from spectrum_rpc.store.schema import MIGRATIONS


def sample(project: str, at: float, weight: float = 1.0, **scores: float) -> tuple:
    return (project, at, *(scores.get(c) for c in SCORE_COLUMNS), weight)


def test_every_label_with_thresholds_has_a_column():
    assert set(SCORE_COLUMNS) == set(L.SCORABLE)
    assert SCORE_COLUMNS[:3] == L.DECIDED  # classifyText's confidences come first


async def test_sub_labels_are_counted_where_scored(store):
    await store.traffic.add([
        sample("p", 60.0, toxicity=0.9, insult=0.7, threat=0.1),
        sample("p", 60.0, toxicity=0.3, insult=0.2, threat=0.05),
        sample("p", 120.0, weight=2.0, toxicity=0.1),  # classifyText: no sub-labels
    ], 100, 0.0)
    counts = await store.traffic.flag_counts("p", 0.0, {"insult": [0.46, 0.15],
                                                        "threat": [0.5], "toxicity": [0.21]})
    assert counts.texts == 4 and counts.rows == 3
    assert (counts.scored["insult"], counts.scored_rows["insult"]) == (2, 2)
    assert counts.scored["toxicity"] == 4
    assert counts.flagged == {"insult": [1, 2], "threat": [0], "toxicity": [2]}
    assert counts.flagged_rows["toxicity"] == [2]


async def test_a_database_of_the_previous_schema_keeps_its_rows(db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        # as the server before these columns (migration 10) left it: version 9
        for script in MIGRATIONS[:9]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version=9")
        conn.execute("INSERT INTO recent_scores(project, at, toxicity, sexual, phishing, weight)"
                     " VALUES ('p', 60.0, 0.5, 0.1, 0.1, 1.0)")
        conn.commit()
    async with Store(db_path) as store:
        await store.traffic.add([sample("p", 120.0, toxicity=0.1, hate=0.8)], 100, 0.0)
        counts = await store.traffic.flag_counts("p", 0.0, {"toxicity": [0.21], "hate": [0.5]})
    assert counts.texts == 2 and counts.flagged == {"toxicity": [1], "hate": [1]}
    assert counts.scored_rows["hate"] == 1  # the old row: not scored for it
