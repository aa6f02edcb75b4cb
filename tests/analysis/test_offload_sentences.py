"""A large text is split into sentences in the detector process (millions of sentences take
seconds of CPU the server's event loop would wait on), with the same answer as in a thread."""

from __future__ import annotations

from spectrum_rpc.analysis import Analyzer, Offload
from spectrum_rpc.analysis.sentences import MAX_SPANS, grouped
from spectrum_rpc.engine import SHIPPED_MODELS
from spectrum_rpc.resources import ANALYZER, CLASSIFIER
from tests.analysis.test_offload import workers
from tests.helpers.process import wait_gone

TEXT = "Hello there. You idiot!\nFine. " * 400


async def test_a_large_text_is_split_in_the_child_with_the_same_answer():
    offload = Offload(large_text=1000)
    before = workers()
    try:
        runs = await offload.sentences(SHIPPED_MODELS, TEXT, MAX_SPANS)
        started = workers() - before
        assert len(started) == 1
    finally:
        await offload.close()
    assert runs == grouped(TEXT, MAX_SPANS) and len(runs) == MAX_SPANS
    assert await wait_gone(list(started)) == []


async def test_a_short_text_is_split_in_this_process():
    offload = Offload(large_text=len(TEXT) + 1)
    before = workers()
    try:
        assert await offload.sentences(SHIPPED_MODELS, TEXT, 7) == grouped(TEXT, 7)
        assert workers() == before
    finally:
        await offload.close()


async def test_sentence_scores_of_a_large_text_come_from_the_child(app_client):
    app = app_client.app
    analyzer = Analyzer(app[CLASSIFIER], app[ANALYZER].policies, offload=Offload(1000))
    before = workers()
    try:
        scored = await analyzer.sentence_scores("default", TEXT)
        assert len(workers() - before) == 1
    finally:
        await analyzer.close()
    assert scored == await app[ANALYZER].sentence_scores("default", TEXT)
