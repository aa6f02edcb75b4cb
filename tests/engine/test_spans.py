"""The toxic-span model: offsets in code points of the original text (emoji, combining marks,
evasions), empty and long texts, sub-labels as probabilities, and the serving path agreeing
with the features training sees."""

from __future__ import annotations

import functools
import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ModelIntegrityError, load_engine, spans


@functools.cache
def shipped_model() -> spans.SpanModel:
    return spans.load(spans.MODEL_DIR, load_engine().lexicon.word_entries())


@pytest.fixture(scope="module")
def model() -> spans.SpanModel:
    return shipped_model()


def marked(text: str, analysis: spans.SpanAnalysis, label: str = L.TOXICITY) -> list[str]:
    return [text[s.begin:s.end] for s in analysis.spans if s.label == label]


def test_an_insult_is_a_span_of_the_original_text(model):
    text = "You are a stupid idiot and everyone knows it."
    found = marked(text, model.analyze(text))
    assert any("idiot" in piece for piece in found)
    assert not any("everyone" in piece or "knows" in piece for piece in found)


@pytest.mark.parametrize("prefix", ["", "😀😀 ", "👍🏽 naïve café, ",
                                    "\U0001F9D1\u200d\U0001F4BB "])
def test_offsets_are_code_points_after_emoji_and_accents(model, prefix):
    text = prefix + "you are an idiot"
    found = marked(text, model.analyze(text))
    assert found == ["idiot"]


def test_combining_marks_stay_inside_their_token(model):
    text = "you are an idio\u0301t, really"
    (span,) = [s for s in model.analyze(text).spans if s.label == L.TOXICITY]
    assert text[span.begin:span.end] == "idio\u0301t"


@pytest.mark.parametrize(("text", "word"), [
    ("what a 1d10t you are", "1d10t"),
    ("shut up you IDIOOOOT", "IDIOOOOT"),
    ("you st\u200bupid m\u043er\u043en", "m\u043er\u043en"),  # zero-width space, Cyrillic o
])
def test_spans_cover_evasions_in_the_original_text(model, text, word):
    found = marked(text, model.analyze(text))
    assert any(word in piece for piece in found)
    assert all(piece.strip() == piece for piece in found)  # whole tokens, no padding


def test_empty_and_blank_texts(model):
    for text in ("", "   \n", "!!! ???"):
        analysis = model.analyze(text)
        assert analysis.spans == ()
        assert {label for label, _ in analysis.labels} == set(L.SPAN_LABELS)
        assert all(0.0 <= score <= 1.0 for _, score in analysis.labels)


def test_sub_labels_are_probabilities_and_rank_an_insult_first(model):
    insult = dict(model.analyze("You are a pathetic moron and a disgusting idiot.").labels)
    neutral = dict(model.analyze("The library opens at nine on weekdays.").labels)
    assert all(0.0 <= v <= 1.0 for v in (*insult.values(), *neutral.values()))
    assert insult[L.INSULT] > neutral[L.INSULT] + 0.2
    threat = dict(model.analyze("I will find you and kill you.").labels)
    assert threat[L.THREAT] > neutral[L.THREAT]
    profane = dict(model.analyze("what the fuck is this shit").labels)
    assert profane[L.PROFANITY] > neutral[L.PROFANITY]


def test_span_scores_reach_the_label_threshold(model):
    text = "shut up, you worthless idiot"
    for span in model.analyze(text).spans:
        j = model.labels.index(span.label)
        assert model.thresholds[j] <= span.score <= 1.0
        assert 0 <= span.begin < span.end <= len(text)


def test_serving_logits_equal_the_training_features(model):
    text = "Well, you're a d*mn f00l and a liar!! Nobody cares."
    begins, ends, rows = model.feature_rows(text)
    ((b, e, logits),) = list(model.logits(text))
    expected = np.array([model.weights[r].sum(axis=0) for r in rows]) + model.bias
    assert b.tolist() == begins.tolist() and e.tolist() == ends.tolist()
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)


def test_long_text_spans_are_the_same_across_scoring_blocks(model):
    # 2 tokens a sentence: 3 blocks of tokens; every idiot found, each where it is
    unit = "you idiot. "
    text = unit * 12_000
    found = [s for s in model.analyze(text, [L.TOXICITY]).spans]
    assert len(found) == 12_000
    assert all(text[s.begin:s.end] == "idiot" for s in found)
    # the same score everywhere, block edges included, but where the text's ends are within
    # the second stage's window
    inner = found[spans.WINDOW:-spans.WINDOW]
    assert len({s.score for s in inner}) == 1


def test_near_inputs_are_the_logits_one_token_away():
    logits = np.arange(10.0).reshape(5, 2)
    six = spans.stack_inputs(logits, 0, 5)
    edge = spans._NO_NEIGHBOUR
    assert six[:, 0, 0].tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert six[:, 0, 1].tolist() == [edge, 0.0, 2.0, 4.0, 6.0]
    assert six[:, 0, 2].tolist() == [2.0, 4.0, 6.0, 8.0, edge]
    assert six[:, 1, 1].tolist() == [edge, 1.0, 3.0, 5.0, 7.0]
    # rows of a block inside a longer text see their neighbours across its edges
    inner = spans.stack_inputs(logits, 1, 3)
    assert inner[:, 1, 1].tolist() == [1.0, 3.0, 5.0]
    assert inner[:, 1, 2].tolist() == [5.0, 7.0, 9.0]


def test_far_inputs_are_the_logits_two_tokens_away():
    logits = np.arange(10.0).reshape(5, 2)
    six = spans.stack_inputs(logits, 0, 5)
    eight = spans.stack_inputs(logits, 0, 5, spans.FAR_STACK_INPUTS)
    # the first six inputs are those of a six-input model (pinned above)
    np.testing.assert_array_equal(eight[:, :, :6], six)
    edge = spans._NO_NEIGHBOUR
    assert eight[:, 0, 6].tolist() == [edge, edge, 0.0, 2.0, 4.0]
    assert eight[:, 0, 7].tolist() == [4.0, 6.0, 8.0, edge, edge]
    # rows of a block inside a longer text see their neighbours across its edges
    inner = spans.stack_inputs(logits, 1, 3, spans.FAR_STACK_INPUTS)
    assert inner[:, 1, 6].tolist() == [edge, 1.0, 3.0]
    assert inner[:, 1, 7].tolist() == [7.0, 9.0, edge]


def test_a_second_stage_of_unknown_width_is_refused(model):
    with pytest.raises(ValueError, match="7 inputs"):
        spans.SpanModel(model.weights, model.bias, model.labels, model.thresholds, model.platt,
                        model.post_labels, {}, np.zeros((len(model.labels), 8)))


def test_stack_inputs_of_an_unknown_width_are_refused():
    with pytest.raises(ValueError, match="7 inputs"):
        spans.stack_inputs(np.zeros((5, 2)), 0, 5, width=7)


@pytest.mark.parametrize("stack", [np.zeros(7), np.zeros((3, 7))], ids=["1-D", "3 rows"])
def test_a_second_stage_not_one_row_per_label_is_refused(model, stack):
    with pytest.raises(ValueError, match="one row per label"):
        spans.SpanModel(model.weights, model.bias, model.labels, model.thresholds, model.platt,
                        model.post_labels, {}, stack)


def test_far_inputs_agree_across_scoring_blocks(model):
    # the model's first stage with a second stage over eight inputs that reads only the two
    # far neighbours: every block's edge must see the tokens of the next and previous block
    stack = np.zeros((len(model.labels), spans.FAR_STACK_INPUTS + 1))
    stack[:, 6] = stack[:, 7] = 1.0
    far = spans.SpanModel(model.weights, model.bias, model.labels, model.thresholds,
                          model.platt, model.post_labels, model.words, stack)
    text = "you idiot. the plan is fine. " * 6_000  # several blocks of tokens
    served = np.concatenate([p for _, _, _, p in far.blocks(text)])
    logits = np.concatenate([lg for _, _, lg in far.logits(text)]).astype(np.float64)
    whole = far.stacked(spans.stack_inputs(logits, 0, len(logits), spans.FAR_STACK_INPUTS))
    np.testing.assert_allclose(served, whole, rtol=1e-6)


def test_a_one_megabyte_text_is_scored_whole(model):
    filler = "the council met on tuesday to discuss the budget for next year. "
    text = filler * (1_000_000 // len(filler)) + "and you are an idiot"
    analysis = model.analyze(text)
    found = [s for s in analysis.spans if s.label == L.TOXICITY]
    assert [text[s.begin:s.end] for s in found] == ["idiot"]
    assert found[0].end == len(text)


def test_window_max_matches_a_direct_computation():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(257, 3))
    for radius in (0, 1, 5, 100, 300):
        direct = np.array([values[max(0, i - radius):i + radius + 1].max(axis=0)
                           for i in range(len(values))])
        np.testing.assert_array_equal(spans.window_max(values, radius), direct)


def test_a_modified_model_file_is_refused(tmp_path):
    for name in (spans.SPANS_FILE, spans.SPANS_MANIFEST):
        shutil.copy(spans.MODEL_DIR / name, tmp_path / name)
    manifest = json.loads((tmp_path / spans.SPANS_MANIFEST).read_text())
    manifest["sha256"][spans.SPANS_FILE] = "0" * 64
    (tmp_path / spans.SPANS_MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError):
        spans.load(tmp_path, {})


def test_the_model_card_facts_are_stored_with_the_model():
    meta = spans.meta_of(spans.MODEL_DIR)
    assert any("tsd_train" in source for source in meta["sources"])
    assert not any("tsd_trial" in source for source in meta["sources"])
    assert set(meta["sub_labels"]) == set(L.SPAN_LABELS)


def test_token_blocks_find_the_tokens_the_pattern_finds():
    rng = np.random.default_rng(3)
    pieces = ["idiot", "f*ck", "@ss", "a$$", "don't", "e\u0301", "😀", " ", "  ", ".", ",", "\n",
              "sh!t", "-", "--", "x-y", "(", ")", "'", "$", "*", "#tag", "日本語"]
    text = "".join(rng.choice(pieces, size=60_000))
    expected = [(m.start(), m.end(), m.group()) for m in spans.tokens(text)]
    got = []
    for raws, begins, ends in spans.token_blocks(text):
        got.extend(zip(begins.tolist(), ends.tolist(), raws, strict=True))
    assert got == expected
    assert all(text[b:e] == raw for b, e, raw in got)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_any_text_gives_spans_inside_it(text):
    analysis = shipped_model().analyze(text)
    for span in analysis.spans:
        piece = text[span.begin:span.end]
        assert 0 <= span.begin < span.end <= len(text) and piece.strip() == piece
        assert spans.TOKEN.match(piece) is not None
    assert all(0.0 <= score <= 1.0 for _, score in analysis.labels)
