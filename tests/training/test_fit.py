"""Fitting a candidate (training.fit) from corrections: fine-tuning around the stack's fixed terms,
refitting a label (its stack terms dropped), a label the base model never learnt."""

from __future__ import annotations

import random

import numpy as np
import pytest

from spectrum_rpc.engine import load_engine
from spectrum_rpc.engine.normalize import normalize_tokens
from spectrum_rpc.training.stacking import SEXUAL_CATEGORY

pytestmark = pytest.mark.slow  # every test fits a candidate model


def test_finetuning_learns_the_served_stacked_score(tmp_path):
    """Fine-tuning moves the weight column around the stack's fixed terms, so the candidate's
    served score (stack included) is what fits the corrections; the stack is kept."""
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, stack_offsets, write_candidate
    from tests.helpers.training import write_base, write_model

    base_dir = write_base(tmp_path / "base")
    model_dir = write_model(tmp_path / "model", base_dir, stacked=True)
    model = read_model(model_dir)
    base = load_engine(model_dir)
    assert model.stack is not None and base.model.stack is not None
    fixes = _corrections("toxicity", seed=4)
    texts = [s.text for s in fixes]
    column = base.labels.index("toxicity")
    stacked, linear = _logits(base, texts, True), _logits(base, texts, False)
    np.testing.assert_allclose(stack_offsets(model, texts)["toxicity"], stacked - linear,
                               atol=1e-5)
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["toxicity"], 1.0,
                              lambda _: None, method="finetune")
    assert candidate.stack is model.stack
    write_candidate(tmp_path / "candidate", "tiny-2", model, candidate, {})
    after = load_engine(tmp_path / "candidate")
    assert after.model.stack is not None
    before, now = base.score(texts)[:, column], after.score(texts)[:, column]
    assert now[:40].mean() > before[:40].mean() + 0.3  # the corrections' toxic texts
    assert now[40:].mean() < 0.5


def _corrections(label: str, seed: int) -> list:
    """40 corrections marking spam-word texts `label` and 40 marking fan-word texts not."""
    from spectrum_rpc.training.corpus import Sample
    from tests.helpers.training import WORDS

    rng = random.Random(seed)
    return [Sample(f"{rng.choice(WORDS[kind])} {rng.choice(WORDS['clean'])} {i}", "feedback",
                   {label: target}) for kind, target in (("spam", 1), ("fan", 0))
            for i in range(40)]


def _logits(engine, texts, stacked, label="toxicity"):
    out = []
    for text in texts:
        words: list[int] = []
        features: list[int] = []
        engine._featurizer.add(*normalize_tokens(text), words, features)
        logits = engine.model.logits(words, [len(words)], features, [len(features)], stacked)
        out.append(logits[0, engine.model.labels.index(label)])
    return np.array(out)


def test_refitting_the_stacked_label_drops_the_stack(tmp_path):
    from spectrum_rpc.training.corpus import Sample
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, write_candidate
    from tests.helpers.training import WORDS, write_base, write_model

    base_dir = write_base(tmp_path / "base")
    model = read_model(write_model(tmp_path / "model", base_dir, stacked=True))
    fixes = [Sample(f"{w} {i}", "feedback", {"toxicity": i % 2})
             for i, w in enumerate(WORDS["spam"] * 5)]
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["toxicity"], 1.0,
                              lambda _: None, method="refit")
    assert candidate.stack is None and "stack terms of this label are dropped" in candidate.fitted[
        "toxicity"].calibration
    write_candidate(tmp_path / "candidate", "tiny-2", model, candidate, {})
    assert load_engine(tmp_path / "candidate").model.stack is None


def _two_label_model(tmp_path):
    """Write a tiny model whose stack has toxicity and sexual terms; return (base corpus
    directory, model directory)."""
    from spectrum_rpc.engine.stack import Stack
    from spectrum_rpc.training.fit import _kept, read_model
    from spectrum_rpc.training.recipe import write_models
    from tests.helpers.training import tiny_stack, write_base, write_model

    base_dir = write_base(tmp_path / "base")
    plain = read_model(write_model(tmp_path / "plain", base_dir))
    one = tiny_stack(plain.vocabulary)
    rng = np.random.default_rng(8)
    stack = Stack(["toxicity", "sexual"], one.words, one.embedding,
                  np.vstack([one.embedding_weights, rng.normal(size=(1, one.dims))]),
                  [float(one.reference_weights[0]), 1.5], one.reference, [0.0, 0.7],
                  SEXUAL_CATEGORY)
    fitted = {label: _kept(plain, j, 0) for j, label in enumerate(plain.labels)}
    out = tmp_path / "model"
    write_models(out, "tiny-1", plain.vocabulary, plain.idf, fitted, plain.lexicon, {}, stack)
    return base_dir, out


def test_finetuning_holds_every_stacked_labels_terms_fixed(tmp_path):
    """Fine-tuning sexual moves its weight column around its own stack terms (not
    toxicity's); the stack is kept (every label's terms unchanged), and toxicity's weight
    column too."""
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, stack_offsets, write_candidate

    base_dir, model_dir = _two_label_model(tmp_path)
    model, base = read_model(model_dir), load_engine(model_dir)
    assert base.model.stack.labels == ("toxicity", "sexual")
    fixes = _corrections("sexual", seed=6)
    texts = [s.text for s in fixes]
    for label in ("toxicity", "sexual"):
        stacked, linear = _logits(base, texts, True, label), _logits(base, texts, False, label)
        np.testing.assert_allclose(stack_offsets(model, texts)[label], stacked - linear,
                                   atol=1e-5)
    offsets = stack_offsets(model, texts)
    assert not np.allclose(offsets["sexual"], offsets["toxicity"])
    assert set(offsets) == {"toxicity", "sexual"}  # unstacked labels get no terms
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["sexual"], 1.0,
                              lambda _: None, method="finetune")
    assert candidate.stack is model.stack and candidate.refit == ["sexual"]
    write_candidate(tmp_path / "candidate", "tiny-2", model, candidate, {})
    after = load_engine(tmp_path / "candidate")
    assert after.model.stack.labels == ("toxicity", "sexual")
    sexual, toxicity = base.labels.index("sexual"), base.labels.index("toxicity")
    before, now = base.score(texts), after.score(texts)
    assert now[:40, sexual].mean() > before[:40, sexual].mean() + 0.15
    assert now[40:, sexual].mean() < 0.5
    np.testing.assert_allclose(after.stack_offsets(texts), base.stack_offsets(texts),
                               rtol=0, atol=1e-12)
    kept = candidate.fitted["toxicity"].weights
    assert np.array_equal(kept[:len(model.vocabulary)], model.weights[:, toxicity])
    assert not kept[len(model.vocabulary):].any()


def test_refitting_one_stacked_label_keeps_the_others_terms(tmp_path):
    from spectrum_rpc.training.corpus import Sample
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, write_candidate
    from tests.helpers.training import WORDS

    base_dir, model_dir = _two_label_model(tmp_path)
    model, base = read_model(model_dir), load_engine(model_dir)
    fixes = [Sample(f"{w} {i}", "feedback", {"sexual": i % 2})
             for i, w in enumerate(WORDS["spam"] * 5)]
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["sexual"], 1.0,
                              lambda _: None, method="refit")
    assert candidate.stack.labels == ("toxicity",)
    assert "stack terms of this label are dropped" in candidate.fitted["sexual"].calibration
    write_candidate(tmp_path / "candidate", "tiny-2", model, candidate, {})
    after = load_engine(tmp_path / "candidate")
    assert after.model.stack.labels == ("toxicity",)
    texts = [f"{w} {c}" for w in WORDS["toxicity"] for c in WORDS["clean"][:3]]
    toxicity = base.labels.index("toxicity")
    assert np.array_equal(after.score(texts)[:, toxicity], base.score(texts)[:, toxicity])


def test_a_label_the_base_model_never_learnt_is_fitted_afresh(tmp_path):
    """Fine-tuning starts from the base weights; a constant base-rate label has none, so the
    corrections fit it anew instead of nudging a model that can never flag."""
    import numpy as np

    from spectrum_rpc.training.corpus import Sample
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model
    from tests.helpers.training import WORDS, write_base, write_model

    base_dir = write_base(tmp_path / "base")
    model = read_model(write_model(tmp_path / "model", base_dir))
    j = model.labels.index("sexual")
    model.weights[:, j] = 0.0  # as a base trained without any sexual example
    model.bias[j] = -5.0
    rng = random.Random(11)
    fixes = [Sample(f"{rng.choice(WORDS['sexual'])} {rng.choice(WORDS['clean'])} {i}",
                    "feedback", {"sexual": 1}) for i in range(30)]
    fixes += [Sample(f"{rng.choice(WORDS['clean'])} {rng.choice(WORDS['clean'])} {i}",
                     "feedback", {"sexual": 0}) for i in range(30)]
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["sexual"], 1.0,
                              lambda _: None, method="finetune")
    fitted = candidate.fitted["sexual"]
    assert "fine-tuned" not in fitted.calibration and np.any(fitted.weights)
    assert candidate.refit == ["sexual"]


@pytest.mark.parametrize(("refit", "method"), [(["toxicity"], "refit"),
                                               (["phishing"], "finetune"),
                                               (["phishing"], "refit")])
def test_the_long_calibration_stays_unless_its_label_is_fitted_afresh(tmp_path, refit, method):
    """The long texts' calibration belongs to the weights it was fitted on (as the evidence
    prior): a candidate keeps it for a label it does not refit or only fine-tunes from the base
    weights, and drops it for one fitted from scratch (calibrated afresh, one fit for every
    length)."""
    import json

    from spectrum_rpc.engine import ENGINE_FILE
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, write_candidate
    from tests.helpers.training import write_base, write_model

    base_dir = write_base(tmp_path / "base")
    model = read_model(write_model(tmp_path / "model", base_dir))
    assert "phishing" in model.labels
    model.meta["long_calibration"] = {"chars": 400, "labels": {"phishing": [0.9, -2.0]}}
    candidate = fit_candidate(model, load_base(base_dir), _corrections(refit[0], seed=5), refit,
                              1.0, lambda _: None, method=method)
    assert candidate.refit == refit
    write_candidate(tmp_path / "candidate", "tiny-2", model, candidate, {})
    meta = json.loads((tmp_path / "candidate" / ENGINE_FILE).read_text())
    engine = load_engine(tmp_path / "candidate")
    if refit == ["phishing"] and method == "refit":
        assert "long_calibration" not in meta and engine.length is None
    else:
        assert meta["long_calibration"] == model.meta["long_calibration"]
        assert engine.length is not None and engine.length.chars == 400
