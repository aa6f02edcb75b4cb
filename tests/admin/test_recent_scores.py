"""The recorder of recent scores on a real SQLite store: a uniform sample of each interval's
texts per project (randomness injected), written on flush, bounded."""

from __future__ import annotations

from collections.abc import Iterator

from spectrum_rpc.admin.recent import ScoreRecorder
from spectrum_rpc.analysis import Classification
from spectrum_rpc.store import Store


def event(project: str, toxicity: float) -> Classification:
    result = {"toxic": False, "toxicityConfidence": toxicity, "sexual": False,
              "sexualConfidence": 0.0, "phishing": False, "phishingConfidence": 0.0}
    return Classification(project, "key", result, {}, "a text that is never kept", False)


def draws(values: list[float]) -> Iterator[float]:
    yield from values


async def test_a_quiet_project_keeps_every_text_a_busy_one_a_sample(tmp_path):
    chances = draws([0.1, 0.9, 0.0])  # the 4th, 5th and 6th text of p
    async with Store(tmp_path / "s.db") as store:
        recorder = ScoreRecorder(store, lambda: 1000.0, per_flush=3,
                                 random=lambda: next(chances))
        for i in range(6):
            recorder(event("p", i / 10))
        recorder(event("q", 0.9))
        counts = await recorder.counts("p", {"toxicity": [0.0, 0.35]})
        quiet = await recorder.counts("q", {"toxicity": [0.5]})
    # 4th: slot int(0.1 * 4) = 0 replaced; 5th: int(0.9 * 5) = 4 dropped; 6th: slot 0 again.
    assert counts.rows == 3 and counts.flagged_rows == {"toxicity": [3, 1]}  # 0.5, 0.1, 0.2
    # Each of the 3 rows stands for 2 of the 6 texts (not yet written: nothing is flushed).
    assert counts.texts == 6 and counts.flagged == {"toxicity": [6, 2]}
    assert (quiet.texts, quiet.rows, quiet.flagged) == (1, 1, {"toxicity": [1]})
    assert counts.first == counts.last == 960.0  # to the minute


async def test_each_interval_samples_afresh(tmp_path):
    async with Store(tmp_path / "s.db") as store:
        recorder = ScoreRecorder(store, lambda: 1000.0, per_flush=2, random=lambda: 0.99)
        for _ in range(2):
            for i in range(5):
                recorder(event("p", i / 10))
            await recorder.flush()
        counts = await recorder.counts("p", {})
    assert (counts.rows, counts.texts) == (4, 10)  # 2 rows of weight 2.5 per interval
    assert recorder.most_per_minute == 24.0


async def test_keeping_none_records_nothing(tmp_path):
    async with Store(tmp_path / "s.db") as store:
        recorder = ScoreRecorder(store, lambda: 1000.0, keep=0)
        recorder(event("p", 0.5))
        assert (await recorder.counts("p", {})).rows == 0
