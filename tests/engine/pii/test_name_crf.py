"""The CRF's forward-backward in numpy (doubling) against brute force and the step-by-step form."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spectrum_rpc.engine.pii import name_model


def brute_force(scores: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """P(tag) per token by enumerating every tag sequence."""
    n, k = scores.shape
    out = np.zeros((n, k))
    for tags in itertools.product(range(k), repeat=n):
        weight = sum(scores[i, t] for i, t in enumerate(tags))
        weight += sum(transitions[a, b] for a, b in itertools.pairwise(tags))
        for i, t in enumerate(tags):
            out[i, t] += np.exp(weight)
    return out / out.sum(axis=1, keepdims=True)


def step_by_step(scores: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """The textbook forward-backward, one token at a time, rescaled at every step."""
    n, k = scores.shape
    psi, step = np.exp(scores), np.exp(transitions)
    alpha, beta = np.zeros((n, k)), np.ones((n, k))
    alpha[0] = psi[0] / psi[0].sum()
    for i in range(1, n):
        a = (alpha[i - 1] @ step) * psi[i]
        alpha[i] = a / a.sum()
    for i in range(n - 2, -1, -1):
        b = step @ (psi[i + 1] * beta[i + 1])
        beta[i] = b / b.sum()
    p = alpha * beta
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_marginals_equal_brute_force(n):
    rng = np.random.default_rng(n)
    scores, transitions = rng.normal(size=(n, 3)) * 2, rng.normal(size=(3, 3)) * 2
    np.testing.assert_allclose(name_model.marginals(scores, transitions),
                               brute_force(scores, transitions), atol=1e-9)


@pytest.mark.parametrize("n", [8, name_model.HORIZON, name_model.HORIZON + 1, 500])
def test_marginals_of_long_texts_match_the_whole_chain(n):
    rng = np.random.default_rng(n)
    scores, transitions = rng.normal(size=(n, 3)) * 3, rng.normal(size=(3, 3)) * 3
    got = name_model.marginals(scores.astype(np.float32), transitions)
    # beyond HORIZON tokens the doubling looks no further; the chain has long forgotten by then
    np.testing.assert_allclose(got, step_by_step(scores, transitions), atol=1e-6)


def test_zero_transitions_give_the_per_token_softmax():
    scores = np.random.default_rng(1).normal(size=(40, 3))
    softmax = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(name_model.marginals(scores, np.zeros((3, 3))), softmax,
                               atol=1e-12)


def test_extreme_scores_stay_finite():
    scores = np.array([[80.0, -80.0, -80.0], [-80.0, 80.0, -80.0]] * 40)
    transitions = np.array([[9.0, 0.0, -9.0], [-9.0, 0.0, 9.0], [0.0, -9.0, 9.0]])
    p = name_model.marginals(scores, transitions)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_the_shipped_model_is_a_crf_and_survives_save_and_load(tmp_path):
    from spectrum_rpc.engine.pii.names import default_model

    model = default_model()
    assert model.transitions is not None and model.transitions.shape == (3, 3)
    path = tmp_path / "names.npz"
    name_model.save(path, model.weights, model.bias, model.tags, model.lexicons, model.settings,
                    "{}", model.transitions, model.pairs, model.pair_words)
    again = name_model.load(path)
    np.testing.assert_array_equal(again.transitions, model.transitions)
    np.testing.assert_array_equal(again.pairs, model.pairs)
    tokens = ["I", "had", "lunch", "with", "Sarah", "Connor", "yesterday"]
    np.testing.assert_allclose(again.probabilities(tokens), model.probabilities(tokens))
    p, _ = model.person_scores(tokens)
    assert p[4] > 0.5 and p[5] > 0.5 and p[:4].max() < 0.1


def test_a_model_without_transitions_scores_each_token_alone(tmp_path):
    from spectrum_rpc.engine.pii.names import default_model

    model = default_model()
    path = tmp_path / "names.npz"
    name_model.save(path, model.weights, model.bias, model.tags, model.lexicons, model.settings,
                    "{}")
    alone = name_model.load(path)
    assert alone.transitions is None
    tokens = ["Thanks", "to", "Barack", "Obama", "for", "the", "speech"]
    # the first token: its own row and its four neighbours' rows at their offsets, then softmax
    window = [name_model.BOS, name_model.BOS, *tokens[:3]]
    scores = alone.bias + sum(alone.rows(t)[k] for k, t in enumerate(window))
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(alone.probabilities(tokens)[0], expected, rtol=1e-5)
