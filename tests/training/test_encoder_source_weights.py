"""A development source that weighs less than the others (`--contrast-dev-weight`): in the mean F1
that chooses a threshold (`calibration.choose_threshold(weights=...)`) and in the bands' fit
(`encoder.fit_bands(source_weights=...)`); weight 1 changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ENCODER_MAX_CHARS, SHIPPED_MODELS, load_engine
from spectrum_rpc.training.calibration import choose_threshold, f1_curve, mean_over_sources, pool
from spectrum_rpc.training.contrast import DEV_SOURCE
from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.encoder import fit_bands
from tests.helpers.scripts import load_script

HEADS = (L.TOXICITY, L.SEXUAL, L.PHISHING)


def test_the_mean_over_sources_is_plain_unless_a_weight_differs_from_one():
    curves = [np.array([0.2, 0.4]), np.array([0.6, 0.0]), np.array([0.1, 0.3])]
    names = ["a", "b", "c"]
    plain = np.mean(curves, axis=0)
    for weights in (None, {}, {"b": 1.0}, {"z": 0.5}):
        assert np.array_equal(mean_over_sources(curves, names, weights), plain)
    weighted = mean_over_sources(curves, names, {"b": 0.25})
    assert weighted == pytest.approx((curves[0] + 0.25 * curves[1] + curves[2]) / 2.25)


def _two_sources(seed: int = 11):
    """Two sources whose best thresholds differ: "real" scores its texts loosely (its best
    threshold near 0.3, a flat F1 curve), "draw" sharply (near 0.78, a steep one)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.25).astype(int)
    real = np.clip(np.where(y == 1, 0.35, 0.2) + rng.normal(0, 0.12, 400), 0.01, 0.99)
    y2 = (rng.random(400) < 0.25).astype(int)
    draw = np.clip(np.where(y2 == 1, 0.85, 0.7) + rng.normal(0, 0.03, 400), 0.01, 0.99)
    return [("real", real, y), ("draw", draw, y2)]


def test_a_lighter_source_pulls_the_threshold_less():
    scored = _two_sources()
    plain = choose_threshold(scored, rounds=20)
    assert choose_threshold(scored, rounds=20, weights={"draw": 1.0}) == plain
    light = choose_threshold(scored, rounds=20, weights={"draw": 0.1})
    alone = choose_threshold(scored[:1], rounds=20)
    assert plain.threshold > 0.6  # the steep source decides when both weigh the same
    assert abs(light.threshold - alone.threshold) < abs(plain.threshold - alone.threshold)
    grid = np.round(np.arange(0.02, 0.985, 0.01), 2)
    curve = (f1_curve(*scored[0][1:], grid) + 0.1 * f1_curve(*scored[1][1:], grid)) / 1.1
    assert light.threshold == grid[int(np.argmax(curve))]
    assert light.mean_f1 == pytest.approx(curve.max())


# --- the bands' fit on the shipped linear tier ------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    return load_engine(SHIPPED_MODELS).without_encoder()


def _development():
    """A real source on which the encoder's logit tells toxic from harmless, and a draw on which
    it says the opposite: the two disagree about how far to trust the encoder."""
    rng = np.random.default_rng(5)
    rows, logits = {}, {}
    for name, sign in (("olid_dev", 1.0), (DEV_SOURCE, -1.0)):
        samples = []
        for k in range(240):
            toxic = int(rng.random() < 0.25)
            text = f"{name} comment {k} about the bus timetable"
            samples.append(Sample(text, name, {L.TOXICITY: toxic}))
            logits[text] = sign * (2.0 if toxic else -2.0) + rng.normal(0, 0.5)
        rows[name] = samples
    return rows, logits


def _fit(engine, weights):  # noqa: ANN001, ANN202
    development, logits = _development()

    def encoder_logits(texts):  # noqa: ANN001, ANN202
        return np.array([[logits[t], 0.0, 0.0] for t in texts])

    return fit_bands(engine, encoder_logits, HEADS[:1], development, {L.TOXICITY: 0.21},
                     ENCODER_MAX_CHARS, banded=(L.TOXICITY,), grid=[(4.0, 4.0)],
                     log=lambda _: None, source_weights=weights)


def test_weight_one_fits_as_no_weight(engine):
    assert _fit(engine, {DEV_SOURCE: 1.0}) == _fit(engine, None)


def test_a_lighter_draw_lets_the_real_source_decide_the_stack(engine):
    bands_full, _, report_full = _fit(engine, None)
    bands_light, _, report_light = _fit(engine, {DEV_SOURCE: 0.1})
    assert len(bands_light) == 1  # the encoder helps on the real source: a band
    b_light = bands_light[0]["b"]
    b_full = bands_full[0]["b"] if bands_full else 0.0
    assert b_light > 0.5 and b_light > b_full + 0.5
    # the engine alone's mean F1 is weighed as the stack's is
    development, _ = _development()
    sources = pool(development, L.TOXICITY)
    column = engine.labels.index(L.TOXICITY)
    f1 = {s.name: float(f1_curve(engine.linear_scores(s.texts)[:, column], s.y,
                                 np.array([0.21]))[0]) for s in sources}
    assert report_full[L.TOXICITY]["engine_alone_mean_f1"] == pytest.approx(
        (f1["olid_dev"] + f1[DEV_SOURCE]) / 2, abs=1e-4)
    assert report_light[L.TOXICITY]["engine_alone_mean_f1"] == pytest.approx(
        (f1["olid_dev"] + 0.1 * f1[DEV_SOURCE]) / 1.1, abs=1e-4)


@pytest.fixture(scope="module")
def train_encoder():
    return load_script("train_encoder")


@pytest.mark.parametrize("argv", [["stack", "--contrast-dev-weight", "0.5"],
                                  ["stack", "--contrast-dev", "--contrast-dev-weight", "0"]])
def test_the_weight_needs_the_draw_and_a_positive_value(train_encoder, argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        train_encoder.main(argv)
    assert stopped.value.code == 2
    assert "--contrast-dev-weight needs --contrast-dev" in capsys.readouterr().err


def test_evaluate_bands_notes_the_share_asked_without_the_draw():
    module = load_script("evaluate_bands")
    development, _ = _development()
    lines = module.lines_for(SHIPPED_MODELS, development, labels=(L.TOXICITY,))
    # the shipped model has no toxicity band: nothing is asked, with or without the draw
    assert lines[-1] == "toxicity: 0.0% of the development texts without the draw asked"
    assert lines[-2] == ""
    without = module.lines_for(SHIPPED_MODELS, {"olid_dev": development["olid_dev"]},
                               labels=(L.TOXICITY,))
    assert not any("without the draw asked" in line for line in without)
