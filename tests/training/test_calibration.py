"""Served calibration (issue 20): the development pool, the threshold choice and its bootstrap,
the fold into the weights, and the shipped model's calibration on development data."""

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ENGINE_FILE, SHIPPED_MODELS, load_engine
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training import Sample, data_dir, load_corpus
from spectrum_rpc.training.calibration import (
    choose_threshold,
    f1_curve,
    pool,
    realistic,
    served_logits,
    served_threshold,
    served_thresholds,
    sigmoid,
)
from spectrum_rpc.training.metrics import best_f1, expected_calibration_error, paired_auc, report


def _samples(positives: int, negatives: int, label: str = L.TOXICITY) -> list[Sample]:
    return ([Sample(f"bad {i}", "s", {label: 1}) for i in range(positives)]
            + [Sample(f"good {i}", "s", {label: 0}) for i in range(negatives)])


def test_realistic_caps_the_share_of_positives():
    texts, y = realistic(_samples(500, 300), L.TOXICITY, max_share=0.25)
    assert y.sum() == 100 and len(y) == 400  # 300 negatives kept, positives cut to 25 %
    assert texts == [t for t in texts if t.startswith("bad")] + [t for t in texts
                                                                  if t.startswith("good")]


def test_realistic_caps_rows_and_keeps_the_share():
    _, y = realistic(_samples(100, 900), L.TOXICITY, max_rows=200)
    assert len(y) == 200 and y.sum() == 20


def test_realistic_is_deterministic_and_leaves_small_sources_alone():
    assert realistic(_samples(10, 90), L.TOXICITY)[0] == realistic(_samples(10, 90),
                                                                    L.TOXICITY)[0]
    assert len(realistic(_samples(10, 90), L.TOXICITY)[1]) == 100


def test_negative_sources_count_as_ordinary_text():
    development = {"olid_val": _samples(5, 5, L.TOXICITY),
                   "sms_dev": _samples(3, 20, L.PHISHING)}
    sources = {s.name: s for s in pool(development, L.PHISHING)}
    assert set(sources) == {"olid_val", "sms_dev"}
    assert sources["olid_val"].y.sum() == 0 and len(sources["olid_val"].y) == 10
    assert [s.name for s in pool(development, L.SEXUAL)] == []


def test_f1_curve_agrees_with_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    grid = np.array([0.1, 0.35, 0.5, 0.8, 0.99])
    expected = [f1_score(y, p >= t, zero_division=0) for t in grid]
    assert np.allclose(f1_curve(p, y, grid), expected)


def test_threshold_is_the_best_mean_f1_and_its_interval_holds_it():
    rng = np.random.default_rng(5)
    sources = []
    for name, n in (("a", 400), ("b", 150)):
        y = (rng.random(n) < 0.3).astype(int)
        p = np.where(y == 1, rng.uniform(0.3, 1.0, n), rng.uniform(0.0, 0.4, n))
        sources.append((name, p, y))
    choice = choose_threshold(sources, rounds=50)
    grid = np.round(np.arange(0.02, 0.985, 0.01), 2)
    mean = np.mean([f1_curve(p, y, grid) for _, p, y in sources], axis=0)
    assert choice.threshold == grid[int(np.argmax(mean))]
    assert 0.3 <= choice.threshold <= 0.4
    assert choice.interval[0] <= choice.threshold <= choice.interval[1]
    assert choice.mean_f1_interval[0] <= choice.mean_f1 <= choice.mean_f1_interval[1] + 0.02
    assert choose_threshold(sources, rounds=50) == choice  # seeded


def test_sources_without_positives_do_not_vote_but_are_reported():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.8, 0.9])
    choice = choose_threshold([("spam", p, y), ("ham", np.array([0.5, 0.95]),
                                                np.array([0, 0]))], rounds=10)
    assert 0.2 < choice.threshold <= 0.8
    assert choice.per_source["ham"]["positives"] == 0
    with pytest.raises(ValueError):
        choose_threshold([("ham", p, np.zeros(4, dtype=int))], rounds=1)


# -- the shipped model ---------------------------------------------------------------------

def _shipped_meta() -> dict:
    return json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())


def test_served_defaults_are_the_thresholds_training_chose():
    """settings.py holds the defaults; engine.json records what calibration chose from them."""
    chosen = _shipped_meta()["served_calibration"]["thresholds"]
    defaults = ThresholdSettings()
    assert {label: getattr(defaults, label).reject for label in L.DECIDED} == {
        label: chosen[label]["threshold"] for label in L.DECIDED}
    for label in L.DECIDED:
        low, high = chosen[label]["bootstrap_95"]
        assert low <= chosen[label]["threshold"] <= high


@pytest.fixture(scope="module")
def development():
    root = data_dir()
    if not (root / "toxicity" / "olid").is_dir():
        pytest.skip(f"../shared/data not found: {root}")
    return load_corpus(root).development


@pytest.mark.parametrize("label", L.DECIDED)
def test_the_shipped_model_is_calibrated_on_every_development_source(development, label):
    """Pooled calibration: no development source is far off (ECE, 10 bins), and the pooled
    ECE is small; the scores are the served ones (a long text's worst window)."""
    engine = load_engine()
    errors = {}
    pooled = []
    for source in pool(development, label):
        p = sigmoid(served_logits(engine, source.texts, label))
        errors[source.name] = expected_calibration_error(source.y, p)
        pooled.append((source.y, p, np.full(len(p), 1 / len(p))))
    y, p, w = (np.concatenate(part) for part in zip(*pooled, strict=True))
    assert max(errors.values()) < 0.25, errors
    bins = np.clip((p * 10).astype(int), 0, 9)
    gap = sum(abs((w[bins == b] * (p[bins == b] - y[bins == b])).sum()) for b in range(10))
    assert gap / w.sum() < 0.05, errors


def test_fold_puts_platt_into_the_weights_and_the_stack(tmp_path):
    """A label's folded logit is a * logit + c, stack terms included; other labels keep
    theirs."""
    from spectrum_rpc.engine import LINEAR_FILE, Stack
    from spectrum_rpc.training.calibration import fold
    from spectrum_rpc.training.recipe import FittedLabel, write_models

    shipped = load_engine()
    with np.load(SHIPPED_MODELS / LINEAR_FILE, allow_pickle=False) as data:
        vocabulary, idf = data["vocabulary"].tolist(), data["idf"]
        weights, bias, names = data["weights"], data["bias"], data["labels"].tolist()
    fitted = {n: FittedLabel(weights[:, k].astype(np.float64), float(bias[k]), "shipped")
              for k, n in enumerate(names)}
    folded, stack = fold(fitted, Stack.load(SHIPPED_MODELS), {L.TOXICITY: (2.0, -1.0),
                                                              L.SEXUAL: (0.5, 0.25)})
    meta = {k: v for k, v in _shipped_meta().items() if k not in ("version", "labels",
                                                                  "calibration", "encoder")}
    write_models(tmp_path, "folded", vocabulary, idf, folded, shipped.lexicon, meta, stack)
    again = load_engine(tmp_path)
    texts = ["you are an idiot", "send me nudes", "hello there", "a", "call 0906 now"]
    before = np.log(1 / shipped.score(texts)[:, :-1] - 1) * -1
    after = np.log(1 / again.score(texts)[:, :-1] - 1) * -1
    column = shipped.labels.index
    assert np.allclose(after[:, column(L.TOXICITY)], 2 * before[:, column(L.TOXICITY)] - 1,
                       atol=1e-4)
    assert np.allclose(after[:, column(L.SEXUAL)], 0.5 * before[:, column(L.SEXUAL)] + 0.25,
                       atol=1e-4)
    assert np.allclose(after[:, column(L.PHISHING)], before[:, column(L.PHISHING)], atol=1e-5)


def test_paired_auc_bounds_the_difference_and_survives_one_class():
    rng = np.random.default_rng(1)
    y = np.array([0, 1] * 40)
    noise = rng.normal(size=len(y))
    auc, low, high = paired_auc(y, noise, noise, rounds=200)
    assert (low, high) == (0.0, 0.0)  # the same scores: no difference in any resample
    auc, low, high = paired_auc(y, noise, y + 0.1 * noise, rounds=200)
    assert auc == 1.0 and 0 < low <= high
    # two rows: a resample of one class (half of them) is skipped, not scored
    auc, low, high = paired_auc(np.array([0, 1]), np.array([0.2, 0.1]), np.array([0.1, 0.2]),
                                rounds=50)
    assert (auc, low, high) == (1.0, 1.0, 1.0)
    # one class: no ROC-AUC and no resample to bootstrap (np.percentile of nothing crashed)
    auc, low, high = paired_auc(np.zeros(5, dtype=int), noise[:5], noise[:5])
    assert np.isnan(auc) and np.isnan(low) and np.isnan(high)


def test_best_f1_is_the_ceiling_of_every_threshold():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.25 * y + rng.random(400) * 0.75, 0, 1)
    every = [f1_score(y, p >= t, zero_division=0) for t in np.unique(p)]
    assert best_f1(y, p) == pytest.approx(max(every))
    assert report(y, p, 0.5).best_f1 >= report(y, p, 0.5).f1
    assert best_f1(y, y.astype(float)) == 1.0  # a perfect ranking
    assert np.isnan(best_f1(np.zeros(4, dtype=int), p[:4]))  # nothing to find


def test_served_thresholds_are_the_calibration_s_then_the_encoder_s(tmp_path):
    meta = json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())
    pooled = {label: choice["threshold"]
              for label, choice in meta["served_calibration"]["thresholds"].items()}
    encoder = meta["encoder"]["thresholds"]
    assert served_thresholds(SHIPPED_MODELS) == {**pooled, **encoder}
    assert served_thresholds(SHIPPED_MODELS, encoder=False) == pooled
    # a directory without an encoder tier serves the calibration's thresholds
    (tmp_path / ENGINE_FILE).write_text(json.dumps({**meta, "encoder": {}}))
    assert served_thresholds(tmp_path) == pooled
    (tmp_path / ENGINE_FILE).write_text(json.dumps(
        {**meta, "encoder": {"thresholds": {L.TOXICITY: 0.625}}}))
    assert served_threshold(tmp_path, L.TOXICITY) == 0.625
    assert served_threshold(tmp_path, L.SEXUAL) == pooled[L.SEXUAL]
