"""Choose the default reject / review thresholds of the labels outside classifyText's three.

    .venv/bin/python scripts/choose_thresholds.py [--data-dir ../shared/data] [--rounds 200]

Development data only, never a test split:
- `harassment`, `hate`, `violence`, `self_harm` (the linear model's labels): the moderation
  samples' development part (`Corpus.development["moderation_dev"]`: 30 % of the training pool,
  never trained on), scored by the served engine as `moderateText` scores them.
- `insult`, `threat`, `identity_attack`, `profanity` (the toxic-span model's post-level labels):
  the span model's `tune` split of the typed-span posts (15 %, by a hash of the comment id: its
  token models never saw it; `training/spans.py`). corpus.py's `toxic_spans_dev` half overlaps
  the span model's fit split, so its scores there would be in-sample. A post is positive for a
  label when at least half of its raters marked a span of that type (as the span model's own
  test does).

Each source is first cut to a realistic share of positives (at most 25 %, positives dropped at
random with a fixed seed: `calibration.realistic`, as the decided labels' thresholds are chosen):
the typed-span posts were sampled for toxicity and are 45 % insults, which would push the best
threshold far below what ordinary traffic needs. Per label, `reject` is the grid threshold with
the best F1 (`training.choose_threshold`), with a bootstrap interval over resampled rows, and
`review` is REVIEW_SHARE of it, the rule the decided labels keep (the best F2 at or below
`reject`, which counts recall twice, is printed beside it). A label is left off (no default
pair: never flagged unless a project sets one) when it has fewer than MIN_POSITIVES positives,
when its best F1 is below MIN_F1 (a default that would be wrong more often than right), or when
the bootstrap interval of the choice is wider than MAX_INTERVAL (too unstable to be a default).
The three decided labels keep the served model's thresholds (chosen by `make models` on pooled
development data of several sources) and review at REVIEW_SHARE of them; their figures here are
for comparison.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.engine import load_engine, spans
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training import Sample, choose_threshold, data_dir, load_corpus, realistic
from spectrum_rpc.training import spans as T

MIN_POSITIVES = 15
MIN_F1 = 0.4
MAX_INTERVAL = 0.2
GRID = np.round(np.arange(0.02, 0.985, 0.01), 2)
MODERATION_LABELS = (L.TOXICITY, L.SEXUAL, L.HARASSMENT, L.HATE, L.VIOLENCE, L.SELF_HARM)


def fbeta(p: np.ndarray, y: np.ndarray, t: float, beta: float = 1.0) -> tuple[float, float,
                                                                            float]:
    """Return precision, recall and F-beta of `p >= t` against `y`."""
    flagged = p >= t
    hits = float((flagged & (y == 1)).sum())
    precision = hits / flagged.sum() if flagged.sum() else 0.0
    recall = hits / y.sum() if y.sum() else 0.0
    b2 = beta * beta
    f = (1 + b2) * precision * recall / (b2 * precision + recall) if hits else 0.0
    return precision, recall, f


def best_f2(p: np.ndarray, y: np.ndarray, ceiling: float) -> float:
    """Return the grid threshold at or below `ceiling` with the best F2."""
    grid = GRID[GRID <= ceiling + 1e-9]
    return float(grid[int(np.argmax([fbeta(p, y, t, 2.0)[2] for t in grid]))])


def scored_sources(root) -> tuple[list[tuple[str, str, np.ndarray, np.ndarray]],
                                   dict[str, np.ndarray]]:
    """Return (label, source, scores, targets) for every label and its development source,
    and every label's scores of the moderation development part's ordinary prompts (no
    category positive): the false alarms a default costs there."""
    engine = load_engine()
    out = []
    dev = load_corpus(root).development["moderation_dev"]
    scores = engine.classify([s.text for s in dev])
    by_text = {s.text: row for s, row in zip(dev, scores, strict=True)}
    for label in MODERATION_LABELS:
        texts, y = realistic(dev, label)
        out.append((label, "moderation_dev", np.array([by_text[t][label] for t in texts]), y))
    model = spans.load(spans.MODEL_DIR, engine.lexicon.word_entries())
    ordinary = [i for i, s in enumerate(dev) if not any(s.labels.values())]
    sub = [dict(model.analyze(dev[i].text, ()).labels) for i in ordinary]
    plain = {label: np.array([scores[i][label] for i in ordinary]) for label in MODERATION_LABELS}
    plain.update({label: np.array([row[label] for row in sub]) for label in T.SUB_LABELS})
    posts, _ = T.load_posts(root)
    tune = [p for p in posts if p.split == "tune" and p.raters]
    labelled = {p.text: dict(model.analyze(p.text, ()).labels) for p in tune}
    for label in T.SUB_LABELS:
        samples = [Sample(p.text, "typed_spans_tune",
                          {label: int(p.share(label) >= T.POSITIVE_SHARE)}) for p in tune]
        texts, y = realistic(samples, label)
        out.append((label, "typed spans, tune 15 %", np.array([labelled[t][label] for t in texts]),
                    y))
    return out, plain


def choose(label: str, p: np.ndarray, y: np.ndarray, rounds: int) -> dict:
    """Return the label's chosen pair (or off) with its development figures."""
    row: dict = {"label": label, "n": len(y), "positives": int(y.sum())}
    served = getattr(ThresholdSettings(), label, None)
    if isinstance(served, float):
        row.update(reject=served, rule="served")
    elif y.sum() < MIN_POSITIVES:
        row.update(reject=None, rule=f"off: < {MIN_POSITIVES} positives")
    else:
        choice = choose_threshold([(label, p, y)], GRID, rounds)
        low, high = choice.interval
        row.update(reject=choice.threshold, interval=choice.interval, rule="best F1")
        if choice.mean_f1 < MIN_F1 or high - low > MAX_INTERVAL:
            row["rule"] = f"off: best F1 {choice.mean_f1:.2f} at {choice.threshold:.2f} " \
                          f"({low:.2f}-{high:.2f})"
            row["reject"] = None
    if row["reject"] is None:
        return row
    row["review"] = round(REVIEW_SHARE * row["reject"], 4)
    row["f2_review"] = best_f2(p, y, row["reject"])
    for name in ("reject", "review"):
        row[name + "_prf"] = fbeta(p, y, row[name])
        row[name + "_rate"] = float((p >= row[name]).mean())
    return row


def table(rows: Sequence[dict]) -> list[str]:
    lines = ["| label | development source | n | positives | reject (bootstrap 95 %) | P / R / F1 "
             "at reject | review | P / R / F2 at review | flag rate reject / review | best-F2 "
             "review |", "|---" * 10 + "|"]
    for r in rows:
        if r["reject"] is None:
            lines.append(f"| {r['label']} | {r['source']} | {r['n']} | {r['positives']} | "
                         f"{r['rule']} | | | | | |")
            continue
        interval = (f" ({r['interval'][0]:.2f}-{r['interval'][1]:.2f})" if "interval" in r
                    else f" ({r['rule']})")
        p, rc, f = r["reject_prf"]
        pv, rv, _ = r["review_prf"]
        f2 = fbeta_from(pv, rv)
        lines.append(f"| {r['label']} | {r['source']} | {r['n']} | {r['positives']} | "
                     f"{r['reject']:.2f}{interval} | {p:.2f} / {rc:.2f} / {f:.2f} | "
                     f"{r['review']:.4g} | {pv:.2f} / {rv:.2f} / {f2:.2f} | "
                     f"{r['reject_rate']:.3f} / {r['review_rate']:.3f} | {r['f2_review']:.2f} |")
    return lines


def fbeta_from(precision: float, recall: float, beta: float = 2.0) -> float:
    b2 = beta * beta
    return ((1 + b2) * precision * recall / (b2 * precision + recall)
            if precision + recall else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--rounds", type=int, default=200, help="bootstrap rounds")
    args = parser.parse_args()
    rows = []
    sources, plain = scored_sources(data_dir(args.data_dir))
    for label, source, p, y in sources:
        rows.append({**choose(label, p, y, args.rounds), "source": source})
    print("\n".join(table(rows)))
    n = len(next(iter(plain.values())))
    print(f"\nFlag rate on the moderation development part's {n} ordinary prompts (no "
          "category positive) at reject / review:")
    for r in rows:
        if r["reject"] is not None:
            p = plain[r["label"]]
            print(f"- {r['label']}: {(p >= r['reject']).mean():.3f} / "
                  f"{(p >= r['review']).mean():.3f}")


if __name__ == "__main__":
    main()
