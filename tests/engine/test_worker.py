"""The engine in a child process: same scores as in-process, survives the child's death,
drains on close, refuses a tampered model, and leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from spectrum_rpc.engine import MicroBatcher
from spectrum_rpc.engine.engine import SHIPPED_MODELS
from spectrum_rpc.engine.worker import EngineCrashed, EngineProcess
from tests.helpers.process import alive

pytestmark = pytest.mark.slow

TEXTS = [
    "you are a complete idiot and nobody here likes you",
    "Thanks for the recipe, the cake came out great!",
    "WINNER!! claim your prize now at http://bit.ly/x1y2 call 09061701461",
    "",
    "émoji 😀 and a lone surrogate \ud800 survive the trip",
    "f.u.c.k you",
]


async def submit(process: EngineProcess, texts: list[str]) -> list[dict[str, float]]:
    future: asyncio.Future = asyncio.get_running_loop().create_future()

    def done(results, error):  # type: ignore[no-untyped-def]
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(results)

    process.submit(texts, done)
    return await future


async def test_child_scores_exactly_what_the_engine_scores(engine):
    process = EngineProcess(SHIPPED_MODELS, engine.version)
    await process.start()
    try:
        remote = await submit(process, TEXTS)
    finally:
        await process.close()
    local = engine.classify([t.encode("utf-8", "replace").decode() for t in TEXTS])
    assert process.labels == engine.labels
    assert remote == local  # floats cross as shortest round-trip JSON: bit-exact


async def test_a_killed_child_fails_its_batch_and_is_restarted(engine):
    process = EngineProcess(SHIPPED_MODELS, engine.version)
    await process.start()
    try:
        first = process.pid
        assert first is not None
        # A huge text keeps the child busy, so the kill lands while the batch is in flight.
        busy = asyncio.ensure_future(submit(process, ["hello there " * 400_000]))
        await asyncio.sleep(0.2)
        os.kill(first, signal.SIGKILL)
        with pytest.raises(EngineCrashed):
            await busy
        # Submitted while the child is down: held back, then answered by its successor.
        answer = await asyncio.wait_for(submit(process, TEXTS[:2]), timeout=60)
        assert answer == engine.classify(TEXTS[:2])
        assert process.restarts == 1 and process.pid != first
        assert not alive(first)
    finally:
        await process.close()


async def test_texts_fail_instead_of_hanging_while_the_child_cannot_come_back(engine, tmp_path):
    models = Path(shutil.copytree(SHIPPED_MODELS, tmp_path / "models"))
    process = EngineProcess(models, engine.version)
    await process.start()
    try:
        (models / "linear.npz").write_bytes(b"gone")  # every restart now fails its check
        os.kill(process.pid, signal.SIGKILL)
        for _ in range(600):  # until a restart has been tried (and refused the model)
            if process.restarts >= 1:
                break
            await asyncio.sleep(0.05)
        with pytest.raises(EngineCrashed, match="restarting"):
            await asyncio.wait_for(submit(process, TEXTS[:1]), timeout=60)
    finally:
        await asyncio.wait_for(process.close(), timeout=60)


async def test_close_answers_everything_already_submitted(engine):
    process = EngineProcess(SHIPPED_MODELS, engine.version)
    await process.start()
    pid = process.pid
    jobs = [asyncio.ensure_future(submit(process, [f"text number {i}"])) for i in range(40)]
    await asyncio.sleep(0)
    await process.close()
    assert all(job.done() and not job.exception() for job in jobs)
    assert pid is not None and not alive(pid)
    with pytest.raises(EngineCrashed):
        await submit(process, ["too late"])


async def test_a_tampered_model_is_refused_with_a_clear_reason(engine, tmp_path):
    models = Path(shutil.copytree(SHIPPED_MODELS, tmp_path / "models"))
    lexicon = models / "lexicon.json"
    lexicon.write_text(lexicon.read_text().replace("fuck", "fudge", 1))
    process = EngineProcess(models, engine.version)
    with pytest.raises(EngineCrashed, match="ModelIntegrityError"):
        await process.start()
    assert process.pid is not None and not alive(process.pid)


async def test_a_directory_holding_another_version_is_refused(engine):
    process = EngineProcess(SHIPPED_MODELS, "not-this-version")
    with pytest.raises(EngineCrashed, match="not not-this-version"):
        await process.start()


async def test_batcher_in_process_mode_batches_and_keeps_small_texts_flowing(engine):
    texts = [f"message {i} {TEXTS[i % 3]}" for i in range(300)]
    huge = "a perfectly pleasant sentence about gardening. " * 60_000  # ~2.8 MB: long lane
    async with MicroBatcher(engine, processes=True) as batcher:
        long_job = asyncio.ensure_future(batcher.classify(huge))
        results = await asyncio.gather(*(batcher.classify(t) for t in texts))
        # The short texts were answered by the other child while the long one was scored.
        assert not long_job.done()
        long_scores = await long_job
    assert results == engine.classify(texts)
    assert long_scores == engine.classify([huge])[0]
    assert batcher.stats.batches < len(texts) and batcher.stats.long_texts == 1
