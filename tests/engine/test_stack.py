"""The stacked toxicity and sexual scores: the numpy alt-profanity-check, the shipped stack,
the format before it, batches scoring as texts alone. (Fitting around the stack:
training/test_fit.py.)"""

import json
import random
import shutil

import numpy as np
import pytest

from spectrum_rpc.engine import ModelIntegrityError, load_engine
from spectrum_rpc.engine.engine import ENGINE_FILE, MODEL_FILES, SHIPPED_MODELS
from spectrum_rpc.engine.manifest import write_manifest
from spectrum_rpc.engine.normalize import normalize_tokens
from spectrum_rpc.engine.reference import REFERENCE_FILE, ReferenceModel
from spectrum_rpc.engine.stack import STACK_FILE, Stack
from spectrum_rpc.training.stacking import SEXUAL_CATEGORY

SAMPLES = [
    "you are a fucking idiot", "hello there friend, lovely weather", "", "   ",
    "Shut UP you stupid b1tch!!", "the the the idiot idiot moron 123 éclair",
    "日本語 迷惑 連絡 見学", "A" * 40, "don't you dare, you ASSHOLE... ass-hole", "x y z 1 2",
    "Great video!!! Subscribe to my channel http://example.com/abc",
]


def test_reference_matches_the_package():
    from profanity_check import predict_prob

    expected = predict_prob(SAMPLES)
    for model in (ReferenceModel.from_package(), ReferenceModel.load(SHIPPED_MODELS /
                                                                     REFERENCE_FILE)):
        np.testing.assert_allclose(model.probabilities(SAMPLES), expected, rtol=0, atol=1e-9)


def test_a_lexicon_weight_without_a_category_is_refused(engine):
    stack = engine.model.stack
    with pytest.raises(ValueError, match="lexicon category"):
        Stack(stack.labels, stack.words, stack.embedding, stack.embedding_weights,
              stack.reference_weights, stack.reference, stack.lexicon_weights, "")


def test_shipped_toxicity_and_sexual_are_stacked(engine):
    stack = engine.model.stack
    assert stack is not None and stack.labels == ("toxicity", "sexual")
    assert np.all(stack.reference_weights != 0) and np.all(np.any(stack.embedding_weights,
                                                                  axis=1))
    # only sexual weighs the lexicon count, of a category the shipped lexicon has
    assert stack.lexicon_weights[0] == 0 and stack.lexicon_weights[1] > 0
    assert stack.lexicon_category == SEXUAL_CATEGORY
    assert SEXUAL_CATEGORY in {entry.category for entry in engine.lexicon.entries}
    meta = json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())["stack"]
    assert meta["labels"] == ["toxicity", "sexual"] and meta["sexual"]["C"] == 0.1


@pytest.mark.parametrize(("text", "toxic"), [
    ("you are a disgusting worthless idiot, shut the fuck up", True),
    ("@user what a load of bullshit, these people are morons", True),
    ("The committee met on Tuesday to review the library budget.", False),
    ("thanks for the lovely dinner, see you next week!", False),
])
def test_stacked_score_of_known_texts(engine, text, toxic):
    assert (engine.classify([text])[0]["toxicity"] > 0.5) == toxic


@pytest.mark.parametrize("text", [
    "you are a fucking idiot and a moron",
    "send me your nude pics, I want anal and oral sex with your pussy, orgasm",
])
def test_the_stack_terms_are_what_the_served_score_adds(engine, text):
    """Each stacked label's served logit is its linear column plus its weights on the shared
    reference, embedding and lexicon-count inputs, computed from the same word rows and
    features (reference as the package does, the count as the lexicon's hits)."""
    model = engine.model
    stack = model.stack
    norm, tokens = normalize_tokens(text)
    words: list[int] = []
    features: list[int] = []
    engine._featurizer.add(norm, tokens, words, features)
    args = (words, [len(words)], features, [len(features)])
    stacked, linear = model.logits(*args), model.logits(*args, stacked=False)
    reference, unit, lexicon = model.stack_inputs(*args)
    assert reference[0] == pytest.approx(stack.reference.probabilities([norm])[0], abs=1e-5)
    assert np.linalg.norm(unit[0]) == pytest.approx(1.0)
    hits = engine.lexicon.scoring_hits(norm, tokens)
    assert lexicon[0] == np.log1p(sum(h.category == SEXUAL_CATEGORY for h in hits))
    offsets = model.stack_offsets(*args)
    assert offsets.shape == (1, len(stack.labels))
    squares = model.sums(*args)[0][0, len(model.labels)]
    shrink = np.sqrt(squares / (squares + model.evidence_prior))
    for k, label in enumerate(stack.labels):
        column = model.labels.index(label)
        extra = ((unit[0] * stack.embedding_weights[k]).sum()
                 + stack.reference_weights[k] * reference[0]
                 + stack.lexicon_weights[k] * lexicon[0])
        # the evidence prior shrinks the stack terms as it shrinks the linear part
        assert stacked[0, column] == pytest.approx(linear[0, column] + shrink * extra,
                                                   abs=1e-9)
        assert offsets[0, k] == pytest.approx(extra, abs=1e-9)
    others = [j for j, label in enumerate(model.labels) if label not in stack.labels]
    assert np.array_equal(stacked[0, others], linear[0, others])


def test_the_sexual_lexicon_count_moves_the_sexual_score(engine):
    """Each sexual-category hit counts: without the category in the lexicon, the same words
    (the same word rows, so the same reference and embedding terms) lose exactly the lexicon
    term of the sexual logit, and toxicity's stack terms do not change."""
    from spectrum_rpc.engine.lexicon import Lexicon

    stack = engine.model.stack
    plain = engine.with_lexicon(Lexicon(e for e in engine.lexicon.entries
                                        if e.category != SEXUAL_CATEGORY))
    texts = ["the orgasm", "orgasm orgasms anal", "hello there"]
    counted, uncounted = engine.stack_offsets(texts), plain.stack_offsets(texts)
    k = stack.labels.index("sexual")
    np.testing.assert_allclose(counted[:, k] - uncounted[:, k],
                               stack.lexicon_weights[k] * np.log1p([1, 3, 0]), atol=1e-12)
    toxicity = stack.labels.index("toxicity")
    assert np.array_equal(counted[:, toxicity], uncounted[:, toxicity])


@pytest.mark.parametrize("label", ["toxicity", "sexual"])
def test_windows_get_the_stacked_score_they_get_alone(engine, label):
    """A long text's windows, scored from the stream, get the bits they get alone."""
    from spectrum_rpc.engine.windows import SCALES, windows

    rng = random.Random(5)
    words = ["idiot", "budget", "fucking", "weather", "you", "moron", "library", "the", "ass",
             "orgasm", "nude", "pussy", "oral sex", "porn"]
    text = " ".join(rng.choice(words) for _ in range(8000))
    rows = np.concatenate(list(engine._score_long(text, SCALES[0])))
    alone = engine.score(list(windows(text)))
    column = engine.labels.index(label)
    assert np.array_equal(rows[:, column], alone[:, column])
    assert len(set(np.round(rows[:, column], 6))) > 10  # windows differ: a real comparison


def _single_label_format(models):
    """Rewrite `models`' stack.npz in the one-label format of models before
    2026.11.22-stacked-3 (toxicity's weights alone; engine.json's "stack" one report with
    "label"), its sexual column back to a plain linear one, and re-sign the manifest."""
    with np.load(models / STACK_FILE) as data:
        arrays = {k: data[k] for k in data.files}
    np.savez_compressed(models / STACK_FILE, label=np.array("toxicity"),
                        words=arrays["words"], embedding=arrays["embedding"],
                        embedding_weights=arrays["embedding_weights"][0],
                        reference_weight=arrays["reference_weights"][0])
    meta = json.loads((models / ENGINE_FILE).read_text())
    meta["stack"] = {**meta["stack"]["toxicity"], "label": "toxicity",
                     "files": meta["stack"]["files"]}
    meta.pop("encoder", None)  # those models had no encoder tier either
    (models / ENGINE_FILE).write_text(json.dumps(meta))
    write_manifest(models, [*MODEL_FILES, STACK_FILE, REFERENCE_FILE])


def test_the_single_label_stack_format_still_loads(tmp_path, engine):
    """Models fine-tuned before 2026.11.22-stacked-3 (under var/) keep the one-label format:
    they load, verify, serve toxicity stacked exactly as the same weights in the new format,
    and their sexual column is linear only."""
    models = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS, models)
    _single_label_format(models)
    old = load_engine(models)
    assert old.model.stack.labels == ("toxicity",)
    texts = [*SAMPLES, "send nudes, I want oral sex", "x " * 3000]
    toxicity, sexual = old.labels.index("toxicity"), old.labels.index("sexual")
    assert np.array_equal(old.score(texts)[:, toxicity], engine.score(texts)[:, toxicity])
    words, word_counts, features, feature_counts, _ = old._featurizer.featurize(texts[:4])
    args = (words, word_counts, features, feature_counts)
    assert np.array_equal(old.model.logits(*args)[:, sexual],
                          old.model.logits(*args, stacked=False)[:, sexual])
    # and it is written back in the new format by a fine-tune's `write_models`
    from spectrum_rpc.training.fit import _kept, read_model
    from spectrum_rpc.training.recipe import write_models

    model = read_model(models)
    fitted = {label: _kept(model, j, 0) for j, label in enumerate(model.labels)}
    write_models(tmp_path / "again", "again", model.vocabulary, model.idf, fitted,
                 model.lexicon, {k: model.meta[k] for k in ("stack", "evidence_prior",
                                                             "long_calibration")
                                 if k in model.meta}, model.stack)
    again = json.loads((tmp_path / "again" / ENGINE_FILE).read_text())["stack"]
    shipped = json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())["stack"]
    assert again["labels"] == ["toxicity"]
    assert again["toxicity"]["C"] == shipped["toxicity"]["C"]
    assert np.array_equal(load_engine(tmp_path / "again").score(texts), old.score(texts))


@pytest.mark.parametrize("name", [STACK_FILE, REFERENCE_FILE])
def test_tampered_or_missing_stack_files_are_rejected(tmp_path, name):
    models = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS, models)
    data = bytearray((models / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (models / name).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_engine(models)
    (models / name).unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        load_engine(models)


BATCH_TEXTS = [
    "you are a fucking idiot", "idiot idiot idiot moron moron fuck", "", "   ", "日本語 迷惑 連絡",
    "the the the and of", "f u c k you", "sh1t b1tch a$$hole", "fuck you fuck you fuck you",
    "Great video!!! Subscribe to my channel http://example.com/abc", "x" * 600,
    " ".join(["stupid", "budget", "meeting", "stupid", "hate", "you"] * 20),
    "call 09061701461 to claim your prize", "ok",
]
WORDS = ("you are a fucking idiot moron stupid hate the meeting budget report love great "
         "shit f.u.c.k b1tch call now free prize weather music thanks please orgasm anal "
         "pussy nude").split()


def test_batches_score_exactly_as_texts_alone(engine):
    """Texts of similar length get the same bits alone and in batches of any size: the
    one-text sums and norm loop, and a batch's padded-block sums and sorted-key norms, add
    the same numbers in the same order."""
    rng = random.Random(3)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 9))) for _ in range(64)]
    words, word_counts, features, feature_counts, _ = engine._featurizer.featurize(texts)
    for total, counts in ((len(words), word_counts), (len(features), feature_counts)):
        assert max(counts) * len(counts) <= 2 * total  # the padded-block path (`_PADDING`)
    alone = np.concatenate([engine.score([text]) for text in texts])
    for size in (2, 8, len(texts)):
        batched = np.concatenate([engine.score(texts[i:i + size])
                                  for i in range(0, len(texts), size)])
        assert np.array_equal(batched, alone)
    offsets = engine.stack_offsets(texts)
    assert np.array_equal(offsets, np.concatenate([engine.stack_offsets([t]) for t in texts]))


def test_batches_of_mixed_lengths_score_as_texts_alone(engine):
    """Texts of very different lengths are summed with `np.add.reduceat`, which does not add a
    segment's rows strictly in order: the same scores up to rounding."""
    rng = random.Random(4)
    texts = BATCH_TEXTS + [" ".join(rng.choice(BATCH_TEXTS) for _ in range(3))[:700]
                           for _ in range(20)]
    alone = np.concatenate([engine.score([text]) for text in texts])
    for size in (8, len(texts)):
        batched = np.concatenate([engine.score(texts[i:i + size])
                                  for i in range(0, len(texts), size)])
        np.testing.assert_allclose(batched, alone, rtol=0, atol=1e-12)


def test_reference_norms_add_distinct_words_in_index_order(engine):
    """Both ways of computing the reference's tf-idf norm equal the plain formula: over a
    text's distinct words in increasing index order, (count * idf) squared, then the root."""
    stack = engine.model.stack
    idf = stack.reference.idf
    rng = np.random.default_rng(0)
    texts = [rng.integers(-1, 40, size=int(rng.integers(1, 30))) for _ in range(50)]
    texts += [np.array([-1]), np.array([5, 5, 5]), np.array([-1, 7, -1, 3])]

    def plain(terms):
        words, counts = np.unique(terms[terms >= 0], return_counts=True)
        total = 0.0
        for word, count in zip(words.tolist(), counts.tolist(), strict=True):
            value = count * float(idf[word])
            total += value * value
        return np.sqrt(total) if total else 1.0

    expected = np.array([plain(t) for t in texts])
    single = np.concatenate([stack._reference_norms(t, [len(t)]) for t in texts])
    batch = stack._reference_norms(np.concatenate(texts), [len(t) for t in texts])
    assert np.array_equal(single, expected)
    assert np.array_equal(batch, expected)


def test_segment_sums_add_each_segment_in_order():
    """The padded-block sums add each segment's rows in order, as one segment's `.sum(axis=0)`
    does (values over a wide range of magnitudes, so a different order would show)."""
    from spectrum_rpc.engine import linear

    rng = np.random.default_rng(1)
    table = rng.standard_normal((50, 9)) * 2.0 ** rng.integers(-30, 30, size=(50, 9))
    table[-1] = 0.0
    for counts in ([3, 4, 3, 4], [5, 5, 6, 1, 5, 5], [7]):
        rows = rng.integers(0, 49, size=sum(counts))
        expected = np.stack([table[part].sum(axis=0) for part in
                             np.split(rows, np.cumsum(counts)[:-1])])
        assert np.array_equal(linear._segment_sums(table, rows, counts, 49), expected)
    counts = [1, 40, 2]  # `np.add.reduceat`
    rows = rng.integers(0, 49, size=sum(counts))
    expected = np.stack([table[part].sum(axis=0) for part in
                         np.split(rows, np.cumsum(counts)[:-1])])
    np.testing.assert_allclose(linear._segment_sums(table, rows, counts, 49), expected,
                               rtol=1e-12)


def test_lexicon_features_are_those_of_entry_grams(engine):
    """The featurizer's per-hit cache appends what `entry_grams` and the vocabulary give."""
    from spectrum_rpc.engine.features import entry_grams

    featurizer = engine._featurizer
    for text in BATCH_TEXTS:
        normalized, tokens = normalize_tokens(text)
        hits = engine.lexicon.scoring_hits(normalized, tokens)
        grams, severity = entry_grams(hits)
        features: list[int] = []
        assert featurizer._add_hits(hits, features) == severity
        assert features == featurizer._indices(grams)
