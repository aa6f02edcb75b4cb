"""Pair features of the name tagger: a token's case joined with its neighbours' identities."""

from __future__ import annotations

import numpy as np

from spectrum_rpc.engine.pii import name_model
from spectrum_rpc.engine.pii.name_model import BOS, EOS, Lexicons, NameModel

TAGS = ("O", "B-PER", "I-PER")
WORDS = ("morning", "said", "!")


def _model(pairs: np.ndarray | None = None) -> NameModel:
    vocabulary = {w: i for i, w in enumerate(WORDS, 1)}
    if pairs is None:
        pairs = np.zeros((name_model.pair_table_size(vocabulary), 3), dtype=np.float32)
    return NameModel(np.zeros((1 << 10, 3), dtype=np.float32), np.zeros(3, dtype=np.float32),
                     TAGS, Lexicons({}), {}, np.zeros((3, 3)), pairs, WORDS)


def _left_row(model: NameModel, previous: str, token: str) -> int:
    return int(name_model.pair_keys(previous, model.vocabulary)[0]
               + name_model.pair_keys(token, model.vocabulary)[1])


def _right_row(model: NameModel, token: str, following: str) -> int:
    return int(name_model.pair_keys(token, model.vocabulary)[2]
               + name_model.pair_keys(following, model.vocabulary)[3])


def test_rows_of_left_and_right_pairs_are_distinct_and_inside_the_table():
    model = _model()
    size = name_model.pair_table_size(model.vocabulary)
    rows = {_left_row(model, a, b) for a in (*WORDS, "zebra", BOS) for b in ("Ward", "ward", "!")}
    rows_right = {_right_row(model, a, b) for a in ("Ward", "ward", "!")
                  for b in (*WORDS, "zebra", EOS)}
    # 4 words (the pad and "zebra" are both the "other" word) x 3 cases
    assert len(rows) == 12 and len(rows_right) == 12
    assert not rows & rows_right
    assert all(0 <= r < size for r in rows | rows_right)
    # a word outside the vocabulary is the "other" word, whatever it is
    assert _left_row(model, "zebra", "Ward") == _left_row(model, "giraffe", "Ward")
    assert _left_row(model, "zebra", "Ward") != _left_row(model, "morning", "Ward")


def test_a_left_pair_weight_moves_only_the_token_after_that_word_in_that_case():
    model = _model()
    model.pairs[_left_row(model, "morning", "Ward"), 1] = 6.0  # "morning" + title case: B-PER
    p, _ = model.person_scores(["Good", "morning", "Ward", "!"])
    # without any other weight each tag is as likely as the others: P(person) = 2/3
    assert p[2] > 0.99
    np.testing.assert_allclose(p[[0, 1, 3]], 2 / 3)
    np.testing.assert_allclose(model.person_scores(["Good", "evening", "Ward", "!"])[0], 2 / 3)
    np.testing.assert_allclose(model.person_scores(["Good", "morning", "ward", "!"])[0], 2 / 3)


def test_a_right_pair_weight_looks_at_the_next_word():
    model = _model()
    model.pairs[_right_row(model, "Kent", "said"), 1] = 6.0  # title case + "said": B-PER
    p, _ = model.person_scores(["and", "Kent", "said", "no"])
    assert p[1] > 0.99
    np.testing.assert_allclose(p[[0, 2, 3]], 2 / 3)
    np.testing.assert_allclose(model.person_scores(["and", "Kent", "wrote", "no"])[0], 2 / 3)


def test_serving_reads_the_rows_the_trainer_writes():
    import pytest

    training = pytest.importorskip("spectrum_rpc.training.names")
    model = _model()
    design = training.Design(Lexicons({}), 1 << 10, WORDS)
    tokens = ["Good", "morning", "Ward", "!", "Kent", "said"]
    items = design.items(tokens)
    context = [BOS, BOS, *tokens, EOS, EOS]
    for i, attributes in enumerate(items):
        pairs = {k for k in attributes if k.startswith("P")}
        assert pairs == {f"P{_left_row(model, context[i + 1], context[i + 2])}",
                         f"P{_right_row(model, context[i + 2], context[i + 3])}"}


def test_pairs_survive_save_and_load(tmp_path):
    model = _model()
    model.pairs[_left_row(model, "morning", "Ward"), 1] = 6.0
    path = tmp_path / "names.npz"
    name_model.save(path, model.weights, model.bias, model.tags, model.lexicons,
                    {"threshold_NORMAL": 0.5}, "{}", model.transitions, model.pairs,
                    model.pair_words)
    again = name_model.load(path)
    assert again.pair_words == WORDS
    np.testing.assert_array_equal(again.pairs, model.pairs)
    tokens = ["Good", "morning", "Ward", "!"]
    np.testing.assert_allclose(again.probabilities(tokens), model.probabilities(tokens))


def test_the_shipped_model_has_pair_features():
    from spectrum_rpc.engine.pii.names import default_model

    model = default_model()
    assert model.pairs is not None and len(model.pair_words) > 100
    assert model.pairs.shape == (name_model.pair_table_size(model.vocabulary), 3)
    assert np.isfinite(model.pairs).all() and model.pairs.any()
