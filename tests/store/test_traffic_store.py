"""Recent scores on both backends: no text kept, pruned by count per project and by age, and
counted at any threshold."""

from __future__ import annotations

from spectrum_rpc.store import SCORE_COLUMNS


def sample(project: str, at: float, toxicity: float | None, sexual: float = 0.0,
           phishing: float = 0.0, weight: float = 1.0) -> tuple:
    return (project, at, toxicity, sexual, phishing, *(None,) * (len(SCORE_COLUMNS) - 3), weight)


async def test_counts_at_several_thresholds_per_project(store):
    await store.traffic.add([sample("p", 60.0, 0.1), sample("p", 120.0, 0.3, sexual=0.9),
                             sample("p", 180.0, 0.5), sample("q", 180.0, 0.9)], 100, 0.0)
    counts = await store.traffic.flag_counts("p", 0.0, {"toxicity": [0.21, 0.4],
                                                        "sexual": [0.57], "nope": [0.1]})
    assert (counts.texts, counts.first, counts.last) == (3, 60.0, 180.0)
    assert counts.scored == {**dict.fromkeys(SCORE_COLUMNS, 0), "toxicity": 3, "sexual": 3,
                             "phishing": 3}
    assert counts.flagged == {"toxicity": [2, 1], "sexual": [1]}


async def test_a_threshold_counts_a_score_equal_to_it_as_flagged(store):
    await store.traffic.add([sample("p", 60.0, 0.21), sample("p", 60.0, 0.209999)], 100, 0.0)
    counts = await store.traffic.flag_counts("p", 0.0, {"toxicity": [0.21]})
    assert counts.flagged == {"toxicity": [1]}


async def test_a_label_the_model_did_not_score_is_not_counted(store):
    await store.traffic.add([sample("p", 60.0, None), sample("p", 60.0, 0.9)], 100, 0.0)
    counts = await store.traffic.flag_counts("p", 0.0, {"toxicity": [0.5]})
    assert counts.texts == 2 and counts.scored["toxicity"] == 1
    assert counts.flagged == {"toxicity": [1]}


async def test_each_project_keeps_its_newest_rows_only(store):
    for start in range(0, 12, 4):
        await store.traffic.add([sample("p", float(60 * i), i / 20) for i in
                                 range(start, start + 4)] + [sample("q", 0.0, 0.5)], 5, 0.0)
    p = await store.traffic.flag_counts("p", 0.0, {"toxicity": [0.0]})
    q = await store.traffic.flag_counts("q", 0.0, {})
    assert (p.texts, p.first, p.last) == (5, 60.0 * 7, 60.0 * 11)
    assert q.texts == 3


async def test_rows_older_than_the_window_are_pruned_and_not_counted(store, committed):
    await store.traffic.add([sample("p", 100.0, 0.9), sample("p", 200.0, 0.9)], 100, 0.0)
    assert (await store.traffic.flag_counts("p", 150.0, {})).texts == 1
    await store.traffic.add([sample("p", 300.0, 0.9)], 100, 250.0)
    assert committed("SELECT at FROM recent_scores ORDER BY at") == [(300.0,)]


async def test_nothing_but_the_project_time_and_scores_is_stored(store, committed):
    await store.traffic.add([sample("p", 60.0, 0.5)], 100, 0.0)
    assert committed("SELECT project, at, toxicity, sexual, phishing FROM recent_scores") == [
        ("p", 60.0, 0.5, 0.0, 0.0)]
    (row,) = committed("SELECT * FROM recent_scores")
    assert len(row) == 2 + 1 + len(SCORE_COLUMNS) + 1  # id and weight: no text, key or caller
