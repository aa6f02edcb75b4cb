"""Engine: the interface the server uses, long texts, model integrity, serving features."""

import shutil

import numpy as np
import pytest

from spectrum_rpc.engine import ModelIntegrityError, load_engine
from spectrum_rpc.engine.engine import SHIPPED_MODELS
from spectrum_rpc.engine.windows import SCALES
from spectrum_rpc.settings import ThresholdSettings
from tests.helpers.texts import BENIGN, TOXIC


def test_interface(engine):
    assert engine.version
    assert {"toxicity", "sexual", "phishing"} <= set(engine.labels)
    scores = engine.classify(["hello there", "", "x" * 10])
    assert len(scores) == 3
    for row in scores:
        assert set(row) == set(engine.labels)
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in row.values())


def test_batch_equals_single(engine):
    texts = [BENIGN, TOXIC, "call 09061701461 to claim your prize", ""]
    batch = engine.classify(texts)
    for text, row in zip(texts, batch, strict=True):
        assert engine.classify([text])[0] == pytest.approx(row)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("you are a f4ck1ng idiot", "toxicity"),
        ("shut up you stupid b1tch", "toxicity"),
        ("f u c k you", "toxicity"),
        ("fuuuuuck you loser", "toxicity"),
        ("you ａｓｓｈｏｌｅ", "profanity"),
        ("fu\u0441k off", "profanity"),
        ("WINNER!! You have won a £1000 prize. Call 09061701461 to claim now", "phishing"),
        ("Your account is suspended, verify your password at http://secure-login.example.ru",
         "phishing"),
    ],
)
def test_harmful_texts_score_high(engine, text, label):
    # flagged at the served default threshold (0.5 for the labels without one)
    served = getattr(ThresholdSettings(), label).reject
    threshold = 0.5 if served is None else served
    assert engine.classify([text])[0][label] >= threshold


@pytest.mark.parametrize(
    "text",
    ["This class has an assessment on Friday", "Scunthorpe is a town in Lincolnshire",
     "She ordered a cocktail", "gay", "muslim", "black", "I am gay", "I am a muslim woman",
     "black people", "See you at lunch tomorrow"],
)
def test_innocent_texts_score_low(engine, text):
    scores = engine.classify([text])[0]
    assert max(scores["toxicity"], scores["profanity"], scores["hate"]) < 0.5, scores


def test_long_text_reports_its_worst_part(engine):
    benign = BENIGN * 2000  # ~230 KB
    middle = len(benign) // 2
    spiked = benign[:middle] + " " + TOXIC + " " + benign[middle:]
    clean, dirty = engine.classify([benign, spiked])
    assert clean["toxicity"] < 0.5
    assert dirty["toxicity"] > 0.5 and dirty["profanity"] > 0.5


def test_toxic_paragraph_across_a_window_group_edge_is_found(engine):
    # long texts are scored a group of windows at a time; straddle the first group's end
    from spectrum_rpc.engine.engine import _GROUP
    from spectrum_rpc.engine.windows import spans

    benign = BENIGN * 2000
    (clean,) = engine.classify([benign])
    edge = list(spans(benign))[_GROUP][0]
    # split over two windows (each holds half of it and ~400 benign chars), then whole in one:
    # flagged at the served threshold each time
    floor = ThresholdSettings().toxicity.reject
    for at in (edge - len(TOXIC) // 2, edge - 40, edge + 1):
        at = benign.rfind(" ", 0, at) + 1
        spiked = benign[:at] + TOXIC + benign[at:]
        (dirty,) = engine.classify([spiked])
        alone = worst_window(engine, spiked)
        assert list(dirty.values()) == pytest.approx(alone.tolist(), rel=0, abs=1e-12), at
        assert dirty["profanity"] > 0.5 and dirty["toxicity"] > floor > clean["toxicity"], at


def worst_window(engine, text: str) -> np.ndarray:
    """Each label's highest score over the windows of every scale counting for it, each window
    featurised on its own (and, where the model has one, under the long texts' calibration
    when the whole text is long)."""
    from spectrum_rpc.engine.windows import windows

    worst = np.zeros(len(engine.labels))
    long = engine.length is not None and len(text) > engine.length.chars
    for scale in engine.scales:
        if scale.labels is not None and max(
                worst[engine.labels.index(label)] for label in scale.labels) < scale.gate:
            continue
        parts = list(windows(text, scale.size, scale.overlap, scale.wide))
        marks = np.full(len(parts), long) if engine.length is not None else None
        rows = engine._rows(*engine._featurizer.featurize(parts), long=marks).max(axis=0)
        for i, label in enumerate(engine.labels):
            if scale.labels is None or label in scale.labels:
                worst[i] = max(worst[i], rows[i])
    return worst


LONG_PARTS = [BENIGN, TOXIC, "f u c k you ", "s h i t. ", "son of a bitch ", "go to hell_ ",
              "oral sexy ", "c*nt ", "sh!+ ", "fucking a ", "wh\u0430t the fuck ", "x" * 300 + " ",
              "caf\u00e9 ", "\u00a8 \u203e ", "e\u0301 ", "\uff3f ", "call 09061701461 now ",
              "http://x.example.com/a ", "idiot_ ", "\n\t", "Ａｓｓｈｏｌｅ "]


@pytest.mark.parametrize("seed", range(6))
def test_long_text_scores_the_max_over_its_windows(engine, seed):
    # the stream path (windows featurised together) equals scoring each window on its own
    import random


    rng = random.Random(seed)
    # odd seeds: with `_` (phrases found by the automaton); even: without (by token pairs)
    parts = LONG_PARTS if seed % 2 else [p for p in LONG_PARTS if not {"_", "\uff3f"} & set(p)]
    text = "".join(rng.choice(parts) for _ in range(3000))
    (whole,) = engine.score([text])
    alone = worst_window(engine, text)
    assert whole == pytest.approx(alone, rel=0, abs=1e-12)


@pytest.mark.parametrize("text", [
    "f u c k " * 3000,  # every window rewrites its spaced letters
    "calm words about the weather " * 300 + "f u c k you " * 60 + "a nice day " * 900,
    ("ok f u c k " * 40 + "fine words here " * 200) * 10,  # alternating runs
])
def test_spaced_letter_windows_are_scored_once_and_the_same(engine, text):
    from spectrum_rpc.engine.windows import windows

    parts = list(windows(text))
    rows = np.concatenate(list(engine._score_long(text, SCALES[0])))
    assert len(rows) == len(parts)  # no window featurised twice
    # each truly on its own, by the linear tier (the encoder tier is asked about whole short
    # texts only, never a long text's windows)
    alone = np.array([engine.linear_scores([part])[0] for part in parts])
    if engine.length is not None:  # every window of a long text, a short last one too, takes
        for k, part in enumerate(parts):  # the long texts' calibration
            if len(part) <= engine.length.chars:
                alone[k] = engine._rows(*engine._featurizer.featurize([part]),
                                        long=np.array([True]))[0]
    assert np.array_equal(rows, alone)
    assert engine.score([text])[0][0] > 0.5  # and the worst part shows


def test_text_without_spaces_is_bounded(engine):
    (row,) = engine.classify(["a" * 300_000])
    assert set(row) == set(engine.labels)


def _copy_models(tmp_path):
    target = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS, target)
    return target


def test_copied_models_load(tmp_path):
    assert load_engine(_copy_models(tmp_path)).version == load_engine().version


@pytest.mark.parametrize("name", ["linear.npz", "lexicon.json", "engine.json"])
def test_tampered_model_file_is_rejected(tmp_path, name):
    models = _copy_models(tmp_path)
    data = bytearray((models / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (models / name).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_engine(models)


def test_missing_manifest_is_rejected(tmp_path):
    models = _copy_models(tmp_path)
    (models / "manifest.json").unlink()
    with pytest.raises(ModelIntegrityError, match="manifest"):
        load_engine(models)


@pytest.mark.parametrize(
    "text",
    ["you are a f4ck1ng idiot!!", "", "Hello, world. Hello again", "zzqx unseen-words here",
     "WINNER call 09061701461 http://x.example.com", "a" * 100, "émoji 😀 text"],
)
def test_serving_features_equal_training_features(engine, text):
    """The fast path (word rows + index lists) must score exactly what training built."""
    import numpy as np

    from spectrum_rpc.engine.features import grams
    from spectrum_rpc.engine.normalize import TOKEN, normalize_tokens

    model = engine.model
    norm, tokens = normalize_tokens(text)
    assert tokens == TOKEN.findall(norm)
    index = [model.vocabulary[g] for g in grams(norm, engine.lexicon) if g in model.vocabulary]
    words: list[int] = []
    features: list[int] = []
    engine._featurizer.add(norm, tokens, words, features)
    # the linear part: the stack's terms come from word rows, which the slow path has none of
    fast = model.logits(words, [len(words)], features, [len(features)], stacked=False)
    slow = model.logits([model.no_word], [1], [*index, model.no_feature], [len(index) + 1],
                        stacked=False)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)
