"""The 192-char toxicity/sexual windows also score texts of 300 to 768 chars (one 512-char
window): one insult inside a comment of several hundred chars is no longer diluted by the rest
of it, harmless comments of that length stay unflagged, and shorter texts and the other labels
score as they did."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from spectrum_rpc.engine import SCALES, Engine, fits_one_window
from spectrum_rpc.engine.windows import MIDDLE
from spectrum_rpc.settings import ThresholdSettings

from .test_long_texts import HARMLESS, INSULT

SERVED = ThresholdSettings()


def whole_below_one_window(engine: Engine) -> Engine:
    """A copy of the engine scoring texts of one window whole (the rule before MIDDLE)."""
    before = copy.copy(engine)
    before.scales = [dataclasses.replace(scale, after=None) for scale in SCALES]
    return before


def comment(sentences: int, inserted: str | None = None) -> str:
    parts = HARMLESS[:sentences]
    if inserted is not None:
        parts = parts[:sentences // 2] + [inserted] + parts[sentences // 2:]
    return " ".join(parts)


@pytest.mark.parametrize("sentences", [6, 8])  # about 450 and 580 chars
def test_an_insult_inside_a_middle_length_comment_is_caught(engine, sentences):
    text = comment(sentences, INSULT)
    assert MIDDLE < len(text) and fits_one_window(text)
    toxicity = engine.labels.index("toxicity")
    assert whole_below_one_window(engine).score([text])[0, toxicity] < SERVED.toxicity
    assert engine.score([text])[0, toxicity] >= SERVED.toxicity


@pytest.mark.parametrize("sentences", [5, 6, 8])
def test_a_harmless_middle_length_comment_is_not_flagged(engine, sentences):
    text = comment(sentences)
    assert MIDDLE < len(text) and fits_one_window(text)
    (row,) = engine.score([text])
    for label in ("toxicity", "sexual", "phishing"):
        assert row[engine.labels.index(label)] < getattr(SERVED, label), label


def test_only_toxicity_and_sexual_change_and_only_upwards(engine):
    text = comment(6, INSULT)
    before = whole_below_one_window(engine).score([text])[0]
    after = engine.score([text])[0]
    for k, label in enumerate(engine.labels):
        if label in ("toxicity", "sexual"):
            assert after[k] >= before[k], label
        else:
            assert after[k] == before[k], label


def test_a_middle_length_text_scores_the_same_alone_and_in_any_batch(engine):
    texts = [INSULT, comment(6, INSULT), comment(3), comment(8)]
    batch = engine.score(texts)
    for k, text in enumerate(texts):
        assert np.array_equal(batch[k], engine.score([text])[0])


def test_texts_of_at_most_middle_length_are_scored_whole(engine):
    texts = [comment(2, INSULT), comment(3)]
    assert all(len(text) <= MIDDLE for text in texts)
    assert np.array_equal(engine.score(texts), whole_below_one_window(engine).score(texts))
