"""The micro-batcher in threads: scoring off the event loop, batching, the long-text lane,
draining on close, swapping the engine while running (its engine processes: test_worker.py)."""

import asyncio
import threading

import pytest

from spectrum_rpc.engine import Engine, MicroBatcher
from tests.helpers.texts import BENIGN, TOXIC


class ThreadRecordingEngine(Engine):
    """The real engine, noting which threads ran it."""

    def __init__(self, base: Engine):
        super().__init__(base.version, base.model, base.lexicon, base.profanity)
        self.threads: set[int] = set()

    def classify(self, texts):
        self.threads.add(threading.get_ident())
        return super().classify(texts)


async def test_batcher_scores_off_the_event_loop_and_batches(engine):
    recording = ThreadRecordingEngine(engine)
    texts = [f"message number {i} {TOXIC if i % 3 == 0 else BENIGN}" for i in range(200)]
    async with MicroBatcher(recording, max_batch=32, max_delay=0.01, workers=2) as batcher:
        results = await asyncio.gather(*(batcher.classify(t) for t in texts))
    assert threading.get_ident() not in recording.threads
    assert results == [engine.classify([t])[0] for t in texts]
    assert batcher.stats.texts == 200 and batcher.stats.batches < 200


async def test_event_loop_stays_responsive_during_a_huge_text(engine):
    huge = BENIGN * 20_000  # ~2.3 MB, long lane
    async with MicroBatcher(engine, workers=1) as batcher:
        job = asyncio.create_task(batcher.classify(huge))
        ticks = 0
        small = None
        while not job.done():
            await asyncio.sleep(0.001)
            ticks += 1
            if small is None:
                small = await batcher.classify("a short message")
        assert ticks > 5 and small is not None
        assert set(await job) == set(engine.labels)
        assert batcher.stats.long_texts == 1


async def test_close_drains_in_flight_work(engine):
    batcher = MicroBatcher(engine, max_batch=8, max_delay=0.05)
    await batcher.start()
    jobs = [asyncio.create_task(batcher.classify(f"text {i}")) for i in range(50)]
    await asyncio.sleep(0)
    await batcher.close()
    assert all(job.done() and not job.exception() for job in jobs)
    with pytest.raises(RuntimeError):
        await batcher.classify("too late")


async def test_engine_can_be_swapped_while_running(engine):
    stricter = engine.with_lexicon(engine.lexicon.with_words(banned=["grapefruit"]))
    async with MicroBatcher(engine) as batcher:
        before = await batcher.classify("grapefruit")
        batcher.engine = stricter
        after = await batcher.classify("grapefruit")
    assert before["profanity"] < 0.5 < after["profanity"]
