"""Compare two toxic-span models: development figures first, tsd_trial.csv only when asked.

    .venv/bin/python scripts/compare_spans.py --data-dir ../shared/data --before DIR [--after DIR]
        [--trial]

(`--after` defaults to the shipped models; `DIR` holds a `spans.npz` and its manifest, e.g. one
written by `scripts/train_spans.py --out DIR`.) Printed, for each model and the paired
difference (after - before) with a 95 % bootstrap interval (10,000 resamples of the posts or
texts, 2,000 for a ROC-AUC; seed 0):

- development (never the trial set): the tune split's SemEval posts, mean char F1 of the
  `toxicity` spans as moderateText serves them (`spans.worth_marking` with the default review
  line) and of the span model alone; the same alone with the second stage and the threshold
  cross-fitted (two folds by comment-id hash: fitted on one, scored on the other); the harmless
  development texts (OLID val not offensive, SMS ham development part) with any span as served;
- with `--trial`: tsd_trial.csv char F1 as served and alone; the sub-labels' ROC-AUC on the
  held-out typed posts and the moderation samples.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine, spans
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import spans as T

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate_spans as E  # noqa: E402  (the harmless sets and the served rule, shared)

RESAMPLES = 10_000
AUC_RESAMPLES = 2_000  # two ROC-AUCs per resample: fewer


def interval(values: np.ndarray, statistic: Callable[[np.ndarray], float] | None = None,
             resamples: int = RESAMPLES) -> tuple[float, float]:
    """Return the 95 % bootstrap interval of a statistic of resampled rows (default: the
    mean of `values`; seed 0)."""
    rng = np.random.default_rng(0)
    if statistic is None:
        def statistic(rows: np.ndarray) -> float:
            return float(values[rows].mean())
    draws = [statistic(rng.integers(0, len(values), len(values))) for _ in range(resamples)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return float(low), float(high)


def served_f1(model: spans.SpanModel, texts: Sequence[str], golds: Sequence[Sequence[int]]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Return each post's char F1 as served and of the span model alone."""
    found = E.answered(model, list(texts), E.review_line())
    alone = [T.predicted_offsets(a, L.TOXICITY) for a, _ in found]
    served = [o if shown else set() for o, (_, shown) in zip(alone, found, strict=True)]
    return (np.array([T.char_f1(p, set(g)) for p, g in zip(served, golds, strict=True)]),
            np.array([T.char_f1(p, set(g)) for p, g in zip(alone, golds, strict=True)]))


def cross_fitted_f1(model: spans.SpanModel, posts: Sequence[T.Post]) -> np.ndarray:
    """Return each post's `toxicity` char F1 alone, the second stage and the threshold fitted on
    the other fold (the first stage as the model has it)."""
    j = model.labels.index(L.TOXICITY)
    staged = [T.stage_inputs(model, p.text) for p in posts]
    targets = [T.token_targets(b, e, T.gold_chars(p.text, p.gold)) >= 0.5
               for (b, e, _), p in zip(staged, posts, strict=True)]
    fold = np.array([zlib.crc32(p.comment_id.encode()) % 2 for p in posts])
    out = np.zeros(len(posts))
    for k in (0, 1):
        train = np.flatnonzero(fold != k)
        w, b = T.fit_label(np.vstack([staged[i][2][:, j, :] for i in train]),
                           np.concatenate([targets[i] for i in train]).astype(float), T.C_STACK)
        probabilities = [T.S.sigmoid(x[:, j, :] @ w.astype(np.float64) + b) for _, _, x in staged]

        def f1(i: int, threshold: float, probabilities: list = probabilities) -> float:
            merger = T.S.Merger(L.TOXICITY, threshold)
            merger.add(staged[i][0], staged[i][1], probabilities[i])
            merger.close()
            return T.char_f1({o for s in merger.spans for o in range(s.begin, s.end)},
                             set(posts[i].gold))

        best = max(np.arange(0.1, 0.81, 0.05),
                   key=lambda t: np.mean([f1(i, float(t)) for i in train]))
        for i in np.flatnonzero(fold == k):
            out[i] = f1(i, float(best))
    return out


def marked(model: spans.SpanModel, texts: Sequence[str]) -> np.ndarray:
    """Return whether each text gets any span as served."""
    return np.array([bool(a.spans) and shown
                     for a, shown in E.answered(model, list(texts), E.review_line())], float)


def row(name: str, before: np.ndarray, after: np.ndarray) -> str:
    low, high = interval(after - before)
    return (f"| {name} | {len(before)} | {before.mean():.4f} | {after.mean():.4f} | "
            f"{(after - before).mean():+.4f} ({low:+.4f} to {high:+.4f}) |")


def development(models: dict[str, spans.SpanModel], data: Path) -> list[str]:
    posts, _ = T.load_posts(data)
    tune = [p for p in posts if p.split == "tune" and p.gold is not None]
    texts, golds = [p.text for p in tune], [p.gold for p in tune]
    sets = E.harmless_sets(data)
    harmless = [*sets["OLID not offensive, val (development)"],
                *sets["SMS ham, development part"]]
    figures = {name: (*served_f1(m, texts, golds), cross_fitted_f1(m, tune), marked(m, harmless))
               for name, m in models.items()}
    before, after = figures["before"], figures["after"]
    names = ("tune split char F1, as served", "tune split char F1, span model alone",
             "tune split char F1 alone, second stage cross-fitted",
             "harmless development texts with a span, as served")
    return [row(name, b, a) for name, b, a in zip(names, before, after, strict=True)]


def trial(models: dict[str, spans.SpanModel], data: Path) -> list[str]:
    _, posts = T.load_posts(data)
    texts, golds = [t for t, _ in posts], [g for _, g in posts]
    figures = {name: served_f1(m, texts, golds) for name, m in models.items()}
    names = ("tsd_trial char F1, as served", "tsd_trial char F1, span model alone")
    return [row(name, b, a) for name, b, a in zip(names, figures["before"], figures["after"],
                                                   strict=True)]


def sub_labels(models: dict[str, spans.SpanModel], data: Path) -> list[str]:
    """ROC-AUC of each sub-label, before and after, with the paired difference's interval."""
    posts, _ = T.load_posts(data)
    held = [p for p in posts if p.split == "test" and p.raters]
    path = data / "moderation" / "openai_moderation_dev.jsonl"
    samples = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    scored = {name: ([dict(m.analyze(p.text, ()).labels) for p in held],
                     [dict(m.analyze(s["prompt"], ()).labels) for s in samples])
              for name, m in models.items()}
    lines = []
    for label in T.SUB_LABELS:
        y = np.array([p.share(label) >= T.POSITIVE_SHARE for p in held], dtype=int)
        lines.append(auc_row(f"{label}, typed spans held out", y,
                             *(np.array([s[label] for s in scored[k][0]])
                               for k in ("before", "after"))))
    for label, key in E.MODERATION.items():
        have = [k for k, s in enumerate(samples) if key in s]
        y = np.array([int(samples[k][key]) for k in have])
        lines.append(auc_row(f"{label}, moderation samples {key}", y,
                             *(np.array([scored[m][1][k][label] for k in have])
                               for m in ("before", "after"))))
    return lines


def auc_row(name: str, y: np.ndarray, before: np.ndarray, after: np.ndarray) -> str:
    def difference(rows: np.ndarray) -> float:
        if not 0 < y[rows].sum() < len(rows):
            return 0.0
        return roc_auc_score(y[rows], after[rows]) - roc_auc_score(y[rows], before[rows])

    low, high = interval(np.arange(len(y)), difference, AUC_RESAMPLES)
    a, b = roc_auc_score(y, before), roc_auc_score(y, after)
    return f"| {name} | {len(y)} | {a:.4f} | {b:.4f} | {b - a:+.4f} ({low:+.4f} to {high:+.4f}) |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--before", type=Path, required=True, help="the model directory to "
                        "compare with")
    parser.add_argument("--after", type=Path, default=spans.MODEL_DIR)
    parser.add_argument("--trial", action="store_true", help="also read tsd_trial.csv's gold "
                        "and the sub-labels' test sets")
    args = parser.parse_args()
    data = data_dir(args.data_dir)
    words = load_engine().lexicon.word_entries()
    models = {"before": spans.load(args.before, words), "after": spans.load(args.after, words)}
    print("| figure | n | before | after | after - before (95 %) |\n"
          "| --- | --- | --- | --- | --- |")
    for line in development(models, data):
        print(line, flush=True)
    if args.trial:
        for line in [*trial(models, data), *sub_labels(models, data)]:
            print(line, flush=True)


if __name__ == "__main__":
    main()
