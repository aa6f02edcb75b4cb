"""Large texts' detectors run in a child process (the same answers as in a thread), the child
is replaced when it dies or the model changes, and stopped with the analyzer; over real HTTP too."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from spectrum_rpc.analysis import Detection, DetectorsFailed, Offload, Options
from spectrum_rpc.engine import SHIPPED_MODELS, load_engine
from spectrum_rpc.resources import ANALYZER
from tests.helpers.process import children, wait_gone

TEXT = ("Mail me at example@gmail.com, you fucking idiot, or call 12 34 56 78. " * 40)


def workers() -> set[int]:
    """This process's spawned children that run work (not multiprocessing's resource tracker)."""
    found = set()
    for pid in children(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.add(pid)
    return found


EVERY = Options(detect=frozenset({"pii", "profanity", "language", "sentiment"}))


@pytest.fixture(scope="module")
def detection() -> Detection:
    return Detection(load_engine().lexicon)


async def test_a_large_text_is_analysed_in_a_child_with_the_same_answer(detection):
    offload = Offload(large_text=1000)
    before = workers()
    try:
        in_child = await offload.run(detection, SHIPPED_MODELS, TEXT, EVERY)
        started = workers() - before
        assert len(started) == 1  # one child, kept for the next large text
        assert in_child == detection.run(TEXT, EVERY)
        await offload.run(detection, SHIPPED_MODELS, TEXT, EVERY)
        assert workers() - before == started
    finally:
        await offload.close()
    assert await wait_gone(list(started)) == []


async def test_a_short_text_stays_in_this_process(detection):
    offload = Offload(large_text=10_000)
    before = workers()
    answer = await offload.run(detection, SHIPPED_MODELS, "hello example@gmail.com", EVERY)
    assert answer["pii"]["email"]["found"] is True
    assert workers() == before


async def test_a_child_that_dies_fails_its_text_and_is_replaced(detection):
    offload = Offload(large_text=1000)
    before = workers()
    try:
        await offload.run(detection, SHIPPED_MODELS, TEXT, EVERY)  # starts the child
        (child,) = workers() - before
        huge = TEXT * 200  # long enough to be killed in the middle of it
        running = asyncio.ensure_future(offload.run(detection, SHIPPED_MODELS, huge, EVERY))
        await asyncio.sleep(0.2)
        os.kill(child, signal.SIGKILL)
        with pytest.raises(DetectorsFailed):
            await running
        again = await offload.run(detection, SHIPPED_MODELS, TEXT, EVERY)
        assert again["profanity"]["found"] is True
    finally:
        await offload.close()


async def test_moderate_text_over_http_uses_the_child_for_large_texts(app_client, rpc):
    analyzer = app_client.app[ANALYZER]
    analyzer.offload = Offload(large_text=1000)
    before = workers()
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "moderateText", "id": 1,
                                   "params": {"text": TEXT}})
    result = reply.json["result"]
    assert result["pii"]["email"]["found"] is True and "{{ email hidden }}" in result["masked"]
    started = workers() - before
    assert len(started) == 1
    await analyzer.close()  # what the app's shutdown does
    assert await wait_gone(list(started)) == []
