"""Where the encoder tier is asked and how its score joins the engine's (issue 20, part 3).

Fitted on the development parts (`Corpus.development`, cut as `calibration.pool` cuts them:
never trained on, never a test split), per label of the encoder's heads:

1. The engine's served probability p (linear tier, worst window) and the encoder's logit z of
   every development text of the label's sources.
2. For each band half-width W of BAND_WIDTHS (in logits, around the label's served threshold
   t): the texts with logit(p) within W of logit(t) (and short enough for the encoder) are
   the band; a logistic regression over [logit(p), z] fitted on the band's rows, each source
   weighing the same, gives their stacked probability; the others keep p.
3. The best threshold t' of the result is chosen as `calibration.choose_threshold` chooses it
   (best F1 averaged over sources), among grid values inside the band (outside it the
   stacked score cannot move a decision). The width with the best mean F1 wins, a narrower
   one when within WIDTH_TOLERANCE (the encoder costs ~3 ms a text). A label whose best
   width does not beat the engine alone by more than WIDTH_TOLERANCE gets no band: the
   encoder is never asked for it.
4. The stack's intercept is shifted by logit(t) - logit(t'), so the served threshold t decides
   as t' would: the defaults (settings.py) stay as they are, and switching the tier off
   (`engine.encoder = false`) leaves the linear tier at the thresholds it was calibrated for.

The record goes into engine.json under "encoder" (files, heads, bands, thresholds, figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..engine import Engine
from .calibration import THRESHOLD_GRID, _weights, choose_threshold, f1_curve, pool
from .corpus import SEED, Sample, _split

# The toxic spans posts are no training source of the linear tier: all of them are halved into
# a development and a test part (`corpus.load_corpus`). The encoder trains on SPANS_FIT of the
# development part (`spans_split`, its own seed); the band is fitted on the rest.
SPANS_FIT = 0.5
SPANS_SEED = SEED + 2

BAND_WIDTHS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
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


def band_development(development: Mapping[str, Sequence[Sample]]) -> dict[str, list[Sample]]:
    """The development parts the band is fitted on: `development` without the toxic spans rows
    the encoder trained on."""
    out = {name: list(rows) for name, rows in development.items()}
    if "toxic_spans_dev" in out:
        out["toxic_spans_dev"] = spans_split(out["toxic_spans_dev"])[1]
    return out


def fit_bands(engine: Engine, encoder_logits: Callable[[Sequence[str]], np.ndarray],
              heads: Sequence[str], development: Mapping[str, Sequence[Sample]],
              thresholds: Mapping[str, float], max_chars: int,
              banded: Sequence[str] | None = None,
              log: Callable[[str], None] = print) -> tuple[list[dict], dict[str, float], dict]:
    """Return (bands as engine.json records, the thresholds chosen, a report) for `heads`;
    only the labels of `banded` (default: every head) may get a band, the others are reported.

    `engine` scores without its encoder; `encoder_logits(texts)` returns texts x heads."""
    bands, chosen, report = [], {}, {}
    for head, label in enumerate(heads):
        sources = pool(development, label)
        texts = [t for s in sources for t in s.texts]
        y = np.concatenate([s.y for s in sources])
        w = _weights(sources)
        edges = np.cumsum([0] + [len(s.y) for s in sources])
        column = engine.labels.index(label)
        p = engine.linear_scores(texts)[:, column]
        short = np.array([len(t) <= max_chars for t in texts])
        z = np.zeros(len(texts))
        z[short] = encoder_logits([t for t, s in zip(texts, short, strict=True) if s])[:, head]
        e = _logit(p)
        t0 = thresholds[label]

        def scored(q: np.ndarray, sources=sources, edges=edges  # noqa: ANN001
                   ) -> list[tuple[str, np.ndarray, np.ndarray]]:
            return [(s.name, q[edges[k]:edges[k + 1]], s.y) for k, s in enumerate(sources)]

        base_f1 = float(np.mean([f1_curve(q, yy, np.array([t0]))[0]
                                 for _, q, yy in scored(p) if yy.sum() > 0]))
        alone = float(np.mean([f1_curve(_sigmoid(zz), yy, THRESHOLD_GRID).max()
                               for _, zz, yy in scored(z) if yy.sum() > 0]))
        trials = []
        for width in BAND_WIDTHS:
            inside = short & (np.abs(e - _logit(np.array(t0))) <= width)
            if len(set(y[inside].tolist())) < 2:
                continue
            fit = LogisticRegression(C=1e4, max_iter=1000)
            x = np.column_stack([e, z])
            fit.fit(x[inside], y[inside], sample_weight=w[inside] * inside.sum()
                    / w[inside].sum())
            q = p.copy()
            q[inside] = fit.predict_proba(x[inside])[:, 1]
            low, high = _sigmoid(_logit(np.array(t0)) - width), _sigmoid(_logit(np.array(t0))
                                                                         + width)
            grid = THRESHOLD_GRID[(THRESHOLD_GRID >= low) & (THRESHOLD_GRID <= high)]
            choice = choose_threshold(scored(q), grid=grid, rounds=200)
            trials.append({"width": width, "low": float(low), "high": float(high),
                           "a": float(fit.coef_[0, 0]), "b": float(fit.coef_[0, 1]),
                           "c": float(fit.intercept_[0]), "share": float(inside.mean()),
                           "choice": choice})
            log(f"  encoder {label}: band +-{width:g} logits ({low:.3f}-{high:.3f}), "
                f"{inside.mean():.1%} of dev texts asked: mean F1 {choice.mean_f1:.4f} at "
                f"{choice.threshold:.2f} (engine alone {base_f1:.4f} at {t0:.2f})")
        best = max((t["choice"].mean_f1 for t in trials), default=0.0)
        common = {"engine_alone_mean_f1": round(base_f1, 4), "engine_threshold": t0,
                  "encoder_alone_best_mean_f1": round(alone, 4),
                  "widths": {f"{t['width']:g}": {"mean_f1": round(t["choice"].mean_f1, 4),
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
        pick = next(t for t in trials if t["choice"].mean_f1 >= best - WIDTH_TOLERANCE)
        choice = pick["choice"]
        shift = float(_logit(np.array(t0)) - _logit(np.array(choice.threshold)))
        bands.append({"label": label, "low": round(pick["low"], 6),
                      "high": round(pick["high"], 6), "a": round(pick["a"], 6),
                      "b": round(pick["b"], 6), "c": round(pick["c"] + shift, 6)})
        report[label] = {
            **common, "width_logits": pick["width"], "share_asked": round(pick["share"], 4),
            "stacked_threshold": choice.report(),
            "intercept_shift": round(shift, 6),
        }
    return bands, chosen, report
