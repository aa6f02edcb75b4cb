"""Where the encoder tier is asked and how its score joins the engine's (issue 20, part 3).

Fitted on the development parts (`Corpus.development`, cut as `calibration.pool` cuts them:
never trained on, never a test split), per label of the encoder's heads:

1. The engine's served probability p (linear tier, worst window) and the encoder's logit z of
   every development text of the label's sources.
2. For each band of the grid (`band_grid`: by default each half-width W of BAND_WIDTHS on
   both sides, in logits around the label's served threshold t; asymmetric bands pair a
   width below t from BELOW_WIDTHS with an equal or wider one above it): the texts with
   logit(p) inside it (and short enough for the encoder) are the band; a logistic
   regression over [logit(p), z] fitted on the band's rows, each source weighing the same,
   gives their stacked probability; the others keep p.
3. The best threshold t' of the result is chosen as `calibration.choose_threshold` chooses it
   (best F1 averaged over sources), among grid values inside the band (outside it the
   stacked score cannot move a decision). The band with the best mean F1 wins, one that asks
   the encoder about fewer texts when within WIDTH_TOLERANCE (the encoder costs ~3 ms a
   text). A label whose best band does not beat the engine alone by more than
   WIDTH_TOLERANCE gets no band: the encoder is never asked for it.
4. The stack's intercept is shifted by logit(t) - logit(t'), so the served threshold t decides
   as t' would: the defaults (settings.py) stay as they are, and switching the tier off
   (`engine.encoder = false`) leaves the linear tier at the thresholds it was calibrated for.

The development parts may include a draw of contrastive sentences the encoder never trained on
(`band_development(contrast=True)`), one more source weighing as each of the others does, or
less (`fit_bands(source_weights={DEV_SOURCE: w})`: its rows in the stack's fit and its F1 in
the averages that choose the threshold and the band weigh w of a real source's).

The record goes into engine.json under "encoder" (files, heads, bands, thresholds, figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..engine import Engine
from .calibration import (
    THRESHOLD_GRID,
    _weights,
    choose_threshold,
    f1_curve,
    mean_over_sources,
    pool,
)
from .contrast import DEV_SOURCE, development_samples
from .corpus import SEED, Sample, _split

# The toxic spans posts are no training source of the linear tier: all of them are halved into
# a development and a test part (`corpus.load_corpus`). The encoder trains on SPANS_FIT of the
# development part (`spans_split`, its own seed); the band is fitted on the rest.
SPANS_FIT = 0.5
SPANS_SEED = SEED + 2

BAND_WIDTHS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
# The widths below the threshold tried with asymmetric bands (`band_grid(below=...)`).
BELOW_WIDTHS = (0.25, 0.5, 1.0, 1.5, 2.0)
WIDTH_TOLERANCE = 0.005
_EPSILON = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def spans_split(development: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Split the toxic spans development part into (the encoder's training rows, the rows
    left for fitting its band), stratified on the label, fixed by SPANS_SEED."""
    strata = [tuple(sorted(s.labels.items())) for s in development]
    fit = _split(len(development), SPANS_FIT, strata, SPANS_SEED)
    return ([s for s, f in zip(development, fit, strict=True) if f],
            [s for s, f in zip(development, fit, strict=True) if not f])


def band_development(development: Mapping[str, Sequence[Sample]],
                     contrast: bool = False) -> dict[str, list[Sample]]:
    """The development parts the band is fitted on: `development` without the toxic spans rows
    the encoder trained on; with `contrast`, plus the contrastive sentences' development draw
    (`contrast.development_samples`: frames and words the encoder never trained on) as one
    more source, weighing as each of the others does."""
    out = {name: list(rows) for name, rows in development.items()}
    if "toxic_spans_dev" in out:
        out["toxic_spans_dev"] = spans_split(out["toxic_spans_dev"])[1]
    if contrast:
        out[DEV_SOURCE] = development_samples()
    return out


def band_grid(widths: Sequence[float] = BAND_WIDTHS,
              below: Sequence[float] | None = None) -> list[tuple[float, float]]:
    """Return the (below, above) half-widths to try, in logits around the threshold: (w, w) for
    each of `widths` when `below` is None; otherwise every pair of a `below` width and a wider
    or equal one of `widths` (the band may reach further above the threshold than below it,
    so that a text flagged by the linear tier for one word alone is asked too)."""
    if below is None:
        return [(w, w) for w in widths]
    return [(low, high) for low in below for high in widths if high >= low]


def try_bands(p: np.ndarray, z: np.ndarray, y: np.ndarray, w: np.ndarray, short: np.ndarray,
              scored: Callable[[np.ndarray], list[tuple[str, np.ndarray, np.ndarray]]],
              threshold: float, grid: Sequence[tuple[float, float]],
              log: Callable[[str], None] = print,
              weights: Mapping[str, float] | None = None) -> list[dict]:
    """Fit the stack of each band of `grid` and choose its threshold; return one trial each.

    `p` is the linear tier's probability and `z` the encoder's logit of every development
    text, `y` the target, `w` the row weights (each source the same), `short` whether the
    encoder may read the text, `scored(q)` splits a score vector into (source, scores,
    targets); `weights` (source -> weight, default 1) weighs the sources' F1 in the threshold's
    choice."""
    e = _logit(p)
    centre = float(_logit(np.array(threshold)))
    trials = []
    for below, above in grid:
        inside = short & (e - centre >= -below) & (e - centre <= above)
        if len(set(y[inside].tolist())) < 2:
            continue
        fit = LogisticRegression(C=1e4, max_iter=1000)
        x = np.column_stack([e, z])
        fit.fit(x[inside], y[inside], sample_weight=w[inside] * inside.sum() / w[inside].sum())
        q = p.copy()
        q[inside] = fit.predict_proba(x[inside])[:, 1]
        low, high = _sigmoid(np.array(centre - below)), _sigmoid(np.array(centre + above))
        thresholds = THRESHOLD_GRID[(THRESHOLD_GRID >= low) & (THRESHOLD_GRID <= high)]
        choice = choose_threshold(scored(q), grid=thresholds, rounds=200, weights=weights)
        trial = {"below": below, "above": above, "low": float(low), "high": float(high),
                 "a": float(fit.coef_[0, 0]), "b": float(fit.coef_[0, 1]),
                 "c": float(fit.intercept_[0]), "share": float(inside.mean()),
                 "choice": choice}
        trials.append(trial)
        log(f"band {_width_text(trial)} logits ({low:.3f}-{high:.3f}), {inside.mean():.1%} of "
            f"dev texts asked: mean F1 {choice.mean_f1:.4f} at {choice.threshold:.2f}")
    return trials


def pick_band(trials: Sequence[dict], tolerance: float = WIDTH_TOLERANCE) -> dict:
    """Return the trial that asks the encoder about the fewest texts among those within
    `tolerance` of the best mean F1 (the first such in grid order on a tie: with a symmetric
    grid, the narrowest width, as before asymmetric bands)."""
    best = max(t["choice"].mean_f1 for t in trials)
    near = [k for k, t in enumerate(trials) if t["choice"].mean_f1 >= best - tolerance]
    return trials[min(near, key=lambda k: (trials[k]["share"], k))]


def _width_text(trial: Mapping) -> str:
    if trial["below"] == trial["above"]:
        return f"+-{trial['below']:g}"
    return f"-{trial['below']:g}/+{trial['above']:g}"


def _width_key(trial: Mapping) -> str:
    if trial["below"] == trial["above"]:
        return f"{trial['below']:g}"
    return f"{trial['below']:g}/{trial['above']:g}"


def _width_record(trial: Mapping) -> dict:
    if trial["below"] == trial["above"]:
        return {"width_logits": trial["below"]}
    return {"width_logits_below": trial["below"], "width_logits_above": trial["above"]}


def fit_bands(engine: Engine, encoder_logits: Callable[[Sequence[str]], np.ndarray],
              heads: Sequence[str], development: Mapping[str, Sequence[Sample]],
              thresholds: Mapping[str, float], max_chars: int,
              banded: Sequence[str] | None = None,
              grid: Sequence[tuple[float, float]] | None = None,
              log: Callable[[str], None] = print,
              source_weights: Mapping[str, float] | None = None,
              ) -> tuple[list[dict], dict[str, float], dict]:
    """Return (bands as engine.json records, the thresholds chosen, a report) for `heads`;
    only the labels of `banded` (default: every head) may get a band, the others are reported.
    `grid` holds the (below, above) half-widths tried (default `band_grid()`: BAND_WIDTHS,
    symmetric). `source_weights` (source name -> weight, default 1 each) weighs a source's rows
    in the stack's fit and its F1 in the means that choose thresholds and bands.

    `engine` scores without its encoder; `encoder_logits(texts)` returns texts x heads."""
    grid = band_grid() if grid is None else list(grid)
    bands, chosen, report = [], {}, {}
    for head, label in enumerate(heads):
        sources = pool(development, label)
        texts = [t for s in sources for t in s.texts]
        y = np.concatenate([s.y for s in sources])
        w = _weights(sources)
        if source_weights:
            w = w * np.concatenate([np.full(len(s.y), source_weights.get(s.name, 1.0))
                                    for s in sources])
        edges = np.cumsum([0] + [len(s.y) for s in sources])
        column = engine.labels.index(label)
        p = engine.linear_scores(texts)[:, column]
        short = np.array([len(t) <= max_chars for t in texts])
        z = np.zeros(len(texts))
        z[short] = encoder_logits([t for t, s in zip(texts, short, strict=True) if s])[:, head]
        t0 = thresholds[label]

        def scored(q: np.ndarray, sources=sources, edges=edges  # noqa: ANN001
                   ) -> list[tuple[str, np.ndarray, np.ndarray]]:
            return [(s.name, q[edges[k]:edges[k + 1]], s.y) for k, s in enumerate(sources)]

        judged = [name for name, _, yy in scored(p) if yy.sum() > 0]
        base_f1 = float(mean_over_sources([f1_curve(q, yy, np.array([t0]))[0]
                                           for _, q, yy in scored(p) if yy.sum() > 0],
                                          judged, source_weights))
        alone = float(mean_over_sources([f1_curve(_sigmoid(zz), yy, THRESHOLD_GRID).max()
                                         for _, zz, yy in scored(z) if yy.sum() > 0],
                                        judged, source_weights))
        suffix = f" (engine alone {base_f1:.4f} at {t0:.2f})"
        trials = try_bands(p, z, y, w, short, scored, t0, grid,
                           log=lambda line, label=label, suffix=suffix:
                           log(f"  encoder {label}: {line}{suffix}"), weights=source_weights)
        best = max((t["choice"].mean_f1 for t in trials), default=0.0)
        common = {"engine_alone_mean_f1": round(base_f1, 4), "engine_threshold": t0,
                  "encoder_alone_best_mean_f1": round(alone, 4),
                  "widths": {_width_key(t): {"mean_f1": round(t["choice"].mean_f1, 4),
                                             "threshold": t["choice"].threshold,
                                             "share_asked": round(t["share"], 4)}
                             for t in trials}}
        chosen[label] = t0
        if best <= base_f1 + WIDTH_TOLERANCE:
            report[label] = {**common, "band": None}
            log(f"  encoder {label}: no band (no width beats the engine alone)")
            continue
        if banded is not None and label not in banded:
            report[label] = {**common, "band": None, "why": "not banded (see the model card)"}
            log(f"  encoder {label}: not banded")
            continue
        pick = pick_band(trials)
        choice = pick["choice"]
        shift = float(_logit(np.array(t0)) - _logit(np.array(choice.threshold)))
        bands.append({"label": label, "low": round(pick["low"], 6),
                      "high": round(pick["high"], 6), "a": round(pick["a"], 6),
                      "b": round(pick["b"], 6), "c": round(pick["c"] + shift, 6)})
        report[label] = {
            **common, **_width_record(pick), "share_asked": round(pick["share"], 4),
            "stacked_threshold": choice.report(),
            "intercept_shift": round(shift, 6),
        }
    return bands, chosen, report
