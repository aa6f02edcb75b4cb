"""The short-text forward-backward (Python floats) and the doubling agree wherever both apply."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc.engine.pii import name_model
from spectrum_rpc.engine.pii.names import default_model


@pytest.mark.parametrize("n", [1, 2, 3, 9, 16, 17, name_model.HORIZON])
def test_the_short_chain_equals_the_doubling(n):
    rng = np.random.default_rng(100 + n)
    scores = (rng.normal(size=(n, 3)) * 4).astype(np.float32)
    transitions = rng.normal(size=(3, 3)) * 3
    short = name_model.marginals(scores, transitions)
    np.testing.assert_allclose(short, name_model.doubled_marginals(scores, transitions),
                               rtol=0, atol=1e-12)


def test_the_model_takes_the_doubling_beyond_the_horizon():
    model = default_model()
    tokens = ["I", "met", "Sarah", "Connor", "and", "John", "Smith", "today", "."] * 5
    assert len(tokens) > name_model.HORIZON
    ids = model.ids([name_model.BOS, name_model.BOS, *tokens, name_model.EOS, name_model.EOS])
    scores = model._scores(ids)  # the offset rows and the pair rows of each token, summed
    np.testing.assert_array_equal(model.probabilities(tokens),
                                  name_model.doubled_marginals(scores, model.transitions))
    p, _ = model.person_scores(tokens)
    assert p[2] > 0.5 and p[3] > 0.5 and p[0] < 0.1


def test_extreme_scores_on_a_short_text_stay_finite_and_exact():
    scores = np.array([[80.0, -80.0, -80.0], [-80.0, 80.0, -80.0]] * (name_model.HORIZON // 2))
    transitions = np.array([[9.0, 0.0, -9.0], [-9.0, 0.0, 9.0], [0.0, -9.0, 9.0]])
    p = name_model.marginals(scores, transitions)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, name_model.doubled_marginals(scores, transitions), atol=1e-12)


@pytest.mark.parametrize("text", [
    "my name is albus dumbledore and i teach at hogwarts",
    "had lunch with sarah connor, then called @john_smith",
    "ǆemal and ǉubica",  # title-case letters are not capitals
])
def test_normal_skips_texts_without_capitals_and_loses_nothing(text):
    from spectrum_rpc.engine.pii import Mode, names

    assert names.find(text, Mode.NORMAL) == []
    # the higher tiers score every token; none of their names would have been NORMAL's
    assert [m for m in names.find(text, Mode.SUSPICIOUS) if m.mode is Mode.NORMAL] == []
    assert names.find(text.title(), Mode.NORMAL) or "ǆ" in text
