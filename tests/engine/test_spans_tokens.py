"""The span model's per-token cache: the same logits however often, in whatever order, and
after the cache has been replaced; offsets of texts split into several pieces."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc.engine import load_engine, spans


@pytest.fixture(scope="module")
def model() -> spans.SpanModel:
    return spans.load(spans.MODEL_DIR, load_engine().lexicon.word_entries())


def fresh(model: spans.SpanModel) -> spans.SpanModel:
    return spans.SpanModel(model.weights, model.bias, model.labels, model.thresholds,
                           model.platt, model.post_labels, model.words, model.stack)


def logits_of(model: spans.SpanModel, text: str) -> np.ndarray:
    return np.concatenate([block[2] for block in model.logits(text)])


def test_cached_tokens_score_as_fresh_ones(model):
    texts = ["you are an idiot", "What an IDIOT you are, idiot!", "f*ck off, sh!t head"]
    warm = fresh(model)
    for text in texts + texts[::-1]:
        warm.analyze(text)
    for text in texts:
        np.testing.assert_array_equal(logits_of(warm, text), logits_of(fresh(model), text))
        assert warm.analyze(text) == fresh(model).analyze(text)


def test_the_cache_is_replaced_when_full_and_answers_stay_the_same(model, monkeypatch):
    monkeypatch.setattr(spans, "_CACHE_LIMIT", 3)
    small = fresh(model)
    text = "one two three four five idiot six seven"
    first = small.analyze(text)
    assert len(small._tokens.ids) <= 8
    assert small.analyze(text) == first == fresh(model).analyze(text)


def test_the_table_grows_past_its_first_size(model):
    grown = fresh(model)
    words = " ".join(f"w{i}" for i in range(3000)) + " idiot"
    result = grown.analyze(words)
    assert len(grown._tokens.ids) > 1024
    assert result == fresh(model).analyze(words)
    assert [s.begin for s in result.spans if s.label == "toxicity"] == [len(words) - 5]


def test_offsets_of_a_text_longer_than_one_piece(model):
    text = ("hello there idiot. " * 4000).strip()  # several pieces of _PIECE characters
    begins = np.concatenate([b for _, b, _ in spans.token_blocks(text)])
    ends = np.concatenate([e for _, _, e in spans.token_blocks(text)])
    expected = [m.span() for m in spans.tokens(text)]
    assert list(zip(begins.tolist(), ends.tolist(), strict=True)) == expected
    assert not list(spans.token_blocks("  ,. "))
