"""Weighted recent scores on both backends: each kept row stands for the texts of its
interval, so a burst kept as a sample is not outweighed by quiet intervals kept whole; and a
query answers from the stored rows plus the unwritten sample without writing anything."""

from __future__ import annotations

import math
import random

from spectrum_rpc.admin.recent import ScoreRecorder
from spectrum_rpc.analysis import Classification

TOXIC, HARMLESS = 0.9, 0.05
THRESHOLD = {"toxicity": [0.5]}


def event(project: str, toxicity: float) -> Classification:
    result = {"toxic": toxicity >= 0.5, "toxicityConfidence": toxicity, "sexual": False,
              "sexualConfidence": 0.0, "phishing": False, "phishingConfidence": 0.0}
    return Classification(project, "key", result, {}, "a text that is never kept", False)


def recorder_on(store, seed: int = 7) -> ScoreRecorder:  # type: ignore[no-untyped-def]
    return ScoreRecorder(store, lambda: 1000.0, random=random.Random(seed).random)


async def quiet(recorder: ScoreRecorder, intervals: int = 50, texts: int = 5) -> None:
    for _ in range(intervals):
        for _ in range(texts):
            recorder(event("p", HARMLESS))
        await recorder.flush()


async def test_a_burst_and_quiet_intervals_give_the_true_share(store, committed):
    recorder = recorder_on(store)
    for _ in range(1000):
        recorder(event("p", TOXIC))
    await recorder.flush()
    await quiet(recorder)
    counts = await recorder.counts("p", THRESHOLD)
    # 20 rows of weight 50 for the burst, 250 rows of weight 1: 1000 of 1250 texts (80 %),
    # where the unweighted rows said 20 of 270 (7 %).
    assert (counts.rows, counts.flagged_rows) == (270, {"toxicity": [20]})
    assert counts.texts == 1250 and counts.scored["toxicity"] == 1250
    assert counts.flagged == {"toxicity": [1000.0]}
    assert committed("SELECT COUNT(*), SUM(weight) FROM recent_scores") == [(270, 1250.0)]


async def test_a_mixed_burst_is_estimated_within_sampling_error(store):
    recorder = recorder_on(store, seed=11)
    draw = random.Random(3)
    burst = [TOXIC if draw.random() < 0.7 else HARMLESS for _ in range(1000)]
    for score in burst:
        recorder(event("p", score))
    await recorder.flush()
    await quiet(recorder)
    counts = await recorder.counts("p", THRESHOLD)
    truth = burst.count(TOXIC) / 1250
    share = counts.flagged["toxicity"][0] / counts.scored["toxicity"]
    # The burst's 20 rows estimate its toxic share p (standard error sqrt(p(1-p)/20), less
    # the finite-population correction); it is 1000/1250 of the whole.
    error = 0.8 * math.sqrt(0.7 * 0.3 / 20)
    assert abs(share - truth) < 3 * error
    assert share > 0.3  # unweighted: at most 20 of 270 rows


async def test_a_query_answers_with_the_unwritten_sample_and_writes_nothing(store, committed):
    recorder = recorder_on(store)
    await quiet(recorder, intervals=10)  # 50 harmless texts stored
    for _ in range(200):
        recorder(event("p", TOXIC))  # this interval's: 20 rows of weight 10, not written
    recorder(event("q", TOXIC))
    for _ in range(5):
        counts = await recorder.counts("p", THRESHOLD)
    assert committed("SELECT COUNT(*) FROM recent_scores") == [(50,)]
    assert (counts.texts, counts.rows) == (250, 70)
    assert counts.flagged == {"toxicity": [200.0]} and counts.flagged_rows == {"toxicity": [20]}
    await recorder.flush()  # the periodic flush writes the same sample, weighted alike
    assert await recorder.counts("p", THRESHOLD) == counts
    assert committed("SELECT COUNT(*), SUM(weight) FROM recent_scores") == [(71, 251.0)]


async def test_unwritten_samples_older_than_the_window_are_not_counted(store):
    now = [1000.0]
    recorder = ScoreRecorder(store, lambda: now[0], days=1.0)
    recorder(event("p", TOXIC))
    now[0] += 86400 + 120
    counts = await recorder.counts("p", THRESHOLD)
    assert (counts.texts, counts.rows, counts.first) == (0, 0, None)
