"""Where the encoder tier is asked (`training.encoder`): the grid of bands, asymmetric bands and
the choice among them, and the contrastive sentences' development draw the bands may be fitted
on."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.training import contrast, functional
from spectrum_rpc.training.calibration import ThresholdChoice, pool
from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.encoder import (
    BAND_WIDTHS,
    BELOW_WIDTHS,
    band_development,
    band_grid,
    pick_band,
    try_bands,
)

THRESHOLD = 0.21
CENTRE = float(np.log(THRESHOLD / (1 - THRESHOLD)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def test_the_default_grid_is_the_symmetric_widths():
    assert band_grid() == [(w, w) for w in BAND_WIDTHS]


def test_an_asymmetric_grid_reaches_at_least_as_far_above_as_below():
    grid = band_grid(BAND_WIDTHS, BELOW_WIDTHS)
    assert all(above >= below for below, above in grid)
    assert all(below in BELOW_WIDTHS and above in BAND_WIDTHS for below, above in grid)
    assert (0.5, 4.0) in grid and (4.0, 0.5) not in grid
    assert len(grid) == len(set(grid)) == sum(
        1 for b in BELOW_WIDTHS for a in BAND_WIDTHS if a >= b)
    # the symmetric bands are among them
    assert {(w, w) for w in BAND_WIDTHS if w in BELOW_WIDTHS} <= set(grid)


def _sources(e: np.ndarray, z: np.ndarray, y: np.ndarray, halves: int = 2):
    """Split the rows into `halves` sources of equal size; return (p, z, y, w, short, scored)."""
    n = len(y)
    edges = np.linspace(0, n, halves + 1).astype(int)
    w = np.concatenate([np.full(edges[k + 1] - edges[k], 1.0 / (edges[k + 1] - edges[k]))
                        for k in range(halves)])

    def scored(q: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
        return [(f"s{k}", q[edges[k]:edges[k + 1]], y[edges[k]:edges[k + 1]])
                for k in range(halves)]

    return _sigmoid(e), z, y, w, np.ones(n, dtype=bool), scored


def _swearing_world(seed: int = 7):
    """Harmless texts the linear tier puts well above the threshold (a swear word alone) that
    the encoder knows to be harmless, among ordinary toxic and harmless texts near it."""
    rng = np.random.default_rng(seed)
    n = 1600
    y = (rng.random(n) < 0.3).astype(int)
    e = CENTRE + rng.normal(0, 1.0, n) + 1.2 * (2 * y - 1)
    z = 2.5 * (2 * y - 1) + rng.normal(0, 0.8, n)
    # swearing that insults no one: harmless, 1.5-2.5 logits above the threshold
    k = 300
    e_swear = CENTRE + rng.uniform(1.5, 2.5, k)
    z_swear = -2.5 + rng.normal(0, 0.8, k)
    order = rng.permutation(n + k)
    return (np.concatenate([e, e_swear])[order], np.concatenate([z, z_swear])[order],
            np.concatenate([y, np.zeros(k, dtype=int)])[order])


def test_a_band_reaching_above_the_threshold_wins_where_harmless_texts_score_high():
    e, z, y = _swearing_world()
    p, z, y, w, short, scored = _sources(e, z, y)
    symmetric = try_bands(p, z, y, w, short, scored, THRESHOLD, [(0.5, 0.5)], log=lambda _: None)
    wider = try_bands(p, z, y, w, short, scored, THRESHOLD, [(0.5, 3.0)], log=lambda _: None)
    assert len(symmetric) == len(wider) == 1
    assert wider[0]["choice"].mean_f1 > symmetric[0]["choice"].mean_f1 + 0.02
    # the band's edges and share are those of its half-widths
    trial = wider[0]
    assert trial["low"] == pytest.approx(_sigmoid(np.array(CENTRE - 0.5)))
    assert trial["high"] == pytest.approx(_sigmoid(np.array(CENTRE + 3.0)))
    inside = (np.log(p / (1 - p)) >= CENTRE - 0.5) & (np.log(p / (1 - p)) <= CENTRE + 3.0)
    assert trial["share"] == pytest.approx(inside.mean())
    assert trial["share"] > symmetric[0]["share"]
    # the stack trusts the encoder: its weight on the encoder's logit is positive
    assert trial["b"] > 0


def test_the_whole_asymmetric_grid_picks_a_band_reaching_above():
    e, z, y = _swearing_world()
    p, z, y, w, short, scored = _sources(e, z, y)
    lines: list[str] = []
    trials = try_bands(p, z, y, w, short, scored, THRESHOLD, band_grid(BAND_WIDTHS, BELOW_WIDTHS),
                       log=lines.append)
    pick = pick_band(trials)
    assert pick["above"] > pick["below"]
    assert pick["above"] >= 2.0
    assert len(lines) == len(trials)
    assert any(line.startswith(f"band -{pick['below']:g}/+{pick['above']:g} logits")
               for line in lines)


def test_a_symmetric_band_holds_the_texts_within_its_width():
    rng = np.random.default_rng(3)
    e = CENTRE + rng.normal(0, 2, 500)
    y = (rng.random(500) < 0.4).astype(int)
    p, z, y, w, short, scored = _sources(e, rng.normal(0, 1, 500), y)
    short[::7] = False  # too long for the encoder: never in the band
    trials = try_bands(p, z, y, w, short, scored, THRESHOLD, band_grid(), log=lambda _: None)
    e_back = np.log(p / (1 - p))
    for trial in trials:
        inside = short & (np.abs(e_back - CENTRE) <= trial["below"])
        assert trial["share"] == pytest.approx(inside.mean())


def _trial(share: float, mean_f1: float, below: float = 1.0, above: float = 1.0) -> dict:
    choice = ThresholdChoice(0.2, mean_f1, {}, (0.2, 0.2), (mean_f1, mean_f1))
    return {"below": below, "above": above, "share": share, "choice": choice}


def test_the_pick_is_the_cheapest_band_near_the_best():
    trials = [_trial(0.10, 0.500), _trial(0.30, 0.560, 0.5, 2.0), _trial(0.20, 0.557, 1.0, 1.5),
              _trial(0.50, 0.562, 2.0, 4.0)]
    # within 0.005 of the best (0.562): 0.560 (30 %), 0.557 (20 %), 0.562 (50 %)
    assert pick_band(trials) is trials[2]
    assert pick_band(trials, tolerance=0.003) is trials[1]
    assert pick_band(trials, tolerance=0.0) is trials[3]


def test_with_symmetric_widths_the_pick_is_the_narrowest_near_the_best_as_before():
    # shares grow with the width; equal shares (no text between two widths) keep grid order
    trials = [_trial(0.1, 0.50, 0.5, 0.5), _trial(0.2, 0.556, 1.0, 1.0),
              _trial(0.2, 0.558, 1.5, 1.5), _trial(0.4, 0.560, 2.0, 2.0)]
    assert pick_band(trials) is trials[1]
    best = max(t["choice"].mean_f1 for t in trials)
    assert pick_band(trials) is next(t for t in trials if t["choice"].mean_f1 >= best - 0.005)


# --- the contrastive sentences' development draw ---------------------------------------------


def test_the_development_draw_is_fixed_and_counted_by_kind():
    rows = contrast.development_rows()
    assert rows == contrast.development_rows()
    assert rows != contrast.development_rows(seed=contrast.DEV_SEED + 1)
    counts: dict[str, int] = {}
    for kind, _ in rows:
        counts[kind] = counts.get(kind, 0) + 1
    assert counts == contrast.DEV_PER_KIND
    texts = [t.lower() for _, t in rows]
    assert len(set(texts)) == len(texts)


def test_the_development_draw_shares_no_frame_word_or_text_with_the_training_rows():
    train, dev = contrast.TRAINING, contrast.DEVELOPMENT
    for kind in contrast.KINDS:
        assert not set(train.frames[kind]) & set(dev.frames[kind]), kind
    for field in ("people", "claims", "insults", "names", "intensifiers", "exclaims", "selves",
                  "things", "harms", "links"):
        shared = {w.lower() for w in getattr(train, field)} & {
            w.lower() for w in getattr(dev, field)}
        assert shared == set(), field
    trained = {t.lower().strip() for _, t in contrast.contrast_rows()}
    assert not [t for _, t in contrast.development_rows() if t.lower().strip() in trained]


def test_the_development_draw_holds_no_functional_table_case():
    table = {case.text.lower().strip() for case in functional.build_table()}
    assert not [t for _, t in contrast.development_rows() if t.lower().strip() in table]


def test_the_development_samples_are_labelled_by_kind():
    rows, samples = contrast.development_rows(), contrast.development_samples()
    assert [s.text for s in samples] == [t for _, t in rows]
    for (kind, _), sample in zip(rows, samples, strict=True):
        assert sample.source == contrast.DEV_SOURCE != contrast.SOURCE
        assert sample.labels[L.TOXICITY] == contrast.KINDS[kind]
        assert sample.labels[L.SEXUAL] == 0
        assert sample.labels.get(L.PHISHING) == (0 if kind == "ordinary_link" else None)


def _development() -> dict[str, list[Sample]]:
    rng = np.random.default_rng(5)
    rows = [Sample(f"comment {k}", "olid_dev", {L.TOXICITY: int(rng.random() < 0.3)})
            for k in range(200)]
    return {"olid_dev": rows}


def test_band_development_adds_the_draw_only_when_asked():
    development = _development()
    assert band_development(development) == development
    with_draw = band_development(development, contrast=True)
    assert set(with_draw) == {"olid_dev", contrast.DEV_SOURCE}
    assert with_draw[contrast.DEV_SOURCE] == contrast.development_samples()
    assert with_draw["olid_dev"] == development["olid_dev"]


def test_the_draw_is_one_more_toxicity_source_and_no_phishing_source():
    with_draw = band_development(_development(), contrast=True)
    toxicity = {s.name: s for s in pool(with_draw, L.TOXICITY)}
    assert set(toxicity) == {"olid_dev", contrast.DEV_SOURCE}
    draw = toxicity[contrast.DEV_SOURCE]
    assert 0 < draw.y.mean() <= 0.25 + 1e-9  # the realistic share of positives caps it
    assert contrast.DEV_SOURCE not in {s.name for s in pool(with_draw, L.PHISHING)}
