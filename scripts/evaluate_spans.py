"""Evaluate the toxic-span model: SemEval-2021 Task 5 char F1, sub-labels, speed.

    .venv/bin/python scripts/evaluate_spans.py --data-dir ../shared/data [--model-dir DIR]

- Spans: SemEval-2021 Task 5's metric on tsd_trial.csv (never trained on): per post, F1 of the
  predicted toxic character offsets against the gold ones (1 when both are empty, 0 when only
  one is), averaged over posts; next to baselines run here: the lexicon's matches as spans,
  every character toxic, nothing toxic, and the words toxic in most of their tsd_train
  occurrences (the task organisers' kind of lookup baseline).
- Sub-labels: ROC-AUC and ECE (10 bins) on the held-out 15 % of the typed-span posts, and on
  the moderation samples for the labels with a counterpart there: insult ~ HR (harassment),
  identity_attack ~ H (hate), threat ~ V (violence); profanity has none. Next to them, the
  lexicon's profanity rule (engine.json's ProfanityScale) on the same posts.
- Speed: the spans and sub-labels of a 100-character text (p50 over 2,000 calls after warm-up)
  and of a 1 MB text (median of 3), in this process.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine, spans
from spectrum_rpc.training import data_dir, expected_calibration_error
from spectrum_rpc.training import spans as T

MODERATION = {L.INSULT: "HR", L.IDENTITY_ATTACK: "H", L.THREAT: "V"}
WORD = re.compile(r"\w+")


def mean_f1(predicted: list[set[int]], trial: list[tuple[str, list[int]]]) -> float:
    return float(np.mean([T.char_f1(p, set(g)) for p, (_, g) in zip(predicted, trial,
                                                                     strict=True)]))


def lookup_baseline(data: Path) -> set[str]:
    """Words (lower-cased) inside gold spans in most of their tsd_train occurrences."""
    inside, total = Counter(), Counter()
    for row in T.read_csv(data / T.SPANS_DIR / "tsd_train.csv"):
        gold = set(json.loads(row["spans"]))
        for m in WORD.finditer(row["text"]):
            word = m.group().lower()
            total[word] += 1
            inside[word] += m.start() in gold
    return {w for w, n in total.items() if inside[w] / n > 0.5}


def span_table(model: spans.SpanModel, data: Path) -> list[tuple[str, float]]:
    _, trial = T.load_posts(data)
    texts = [t for t, _ in trial]
    lexicon = load_engine().lexicon
    toxic_words = lookup_baseline(data)
    systems = {
        "span model (toxicity spans)": [T.predicted_offsets(model.analyze(t, [L.TOXICITY]),
                                                            L.TOXICITY) for t in texts],
        "lexicon matches as spans": [{o for m in lexicon.find(t) for o in range(m.start, m.end)}
                                     for t in texts],
        "words toxic in most tsd_train uses": [
            {o for m in WORD.finditer(t) if m.group().lower() in toxic_words
             for o in range(*m.span())} for t in texts],
        "every character toxic": [set(range(len(t))) for t in texts],
        "nothing toxic": [set() for _ in texts],
    }
    return [(name, mean_f1(predicted, trial)) for name, predicted in systems.items()]


def auc_ece(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    return float(auc), expected_calibration_error(y, p)


def sub_label_table(model: spans.SpanModel, data: Path) -> list[tuple[str, str, int, int,
                                                                      float, float]]:
    posts, _ = T.load_posts(data)
    held = [p for p in posts if p.split == "test" and p.raters]
    rows = []
    scores = [dict(model.analyze(p.text, ()).labels) for p in held]
    for label in T.SUB_LABELS:
        y = np.array([p.share(label) >= T.POSITIVE_SHARE for p in held], dtype=int)
        rows.append((label, "typed spans, held-out 15 %", len(y), int(y.sum()),
                     *auc_ece(y, np.array([s[label] for s in scores]))))
    engine = load_engine()
    y = np.array([p.share(L.PROFANITY) >= T.POSITIVE_SHARE for p in held], dtype=int)
    lexicon_scores = np.array([row[L.PROFANITY] for row in engine.classify([p.text for p in held])])
    rows.append(("profanity (lexicon rule, for comparison)", "typed spans, held-out 15 %",
                 len(y), int(y.sum()), *auc_ece(y, lexicon_scores)))
    path = data / "moderation" / "openai_moderation_dev.jsonl"
    samples = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    scored = [dict(model.analyze(s["prompt"], ()).labels) for s in samples]
    for label, key in MODERATION.items():
        have = [(s[key], sc[label]) for s, sc in zip(samples, scored, strict=True) if key in s]
        y = np.array([int(h) for h, _ in have])
        rows.append((label, f"moderation samples, {key}", len(y), int(y.sum()),
                     *auc_ece(y, np.array([p for _, p in have]))))
    return rows


def speed(model: spans.SpanModel) -> tuple[float, float]:
    short = ("You are such an idiot, nobody wants to read your stupid comments here. "
             "Go away now!!")[:100]
    for _ in range(200):
        model.analyze(short)
    times = []
    for _ in range(2000):
        started = time.perf_counter()
        model.analyze(short)
        times.append(time.perf_counter() - started)
    words = ("the council voted on the budget again and some idiot said it was stupid "
             "while others agreed with the plan ").split()
    rng = np.random.default_rng(0)
    big = " ".join(rng.choice(words, size=200_000))[:1_000_000]
    long_times = []
    for _ in range(3):
        started = time.perf_counter()
        model.analyze(big)
        long_times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6, statistics.median(long_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--model-dir", type=Path, default=spans.MODEL_DIR)
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    data = data_dir(args.data_dir)
    model = spans.load(args.model_dir, load_engine().lexicon.word_entries())
    print("## Toxic spans: SemEval-2021 Task 5 char F1 on tsd_trial.csv (690 posts)\n")
    print("| system | char F1 |\n| --- | --- |")
    for name, f1 in span_table(model, data):
        print(f"| {name} | {f1:.4f} |")
    print("\n## Sub-labels\n")
    print("| label | test set | n | positives | ROC-AUC | ECE |\n| --- | --- | --- | --- | --- "
          "| --- |")
    for label, where, n, positives, auc, ece in sub_label_table(model, data):
        print(f"| {label} | {where} | {n} | {positives} | {auc:.3f} | {ece:.3f} |")
    if not args.no_speed:
        short, long = speed(model)
        print(f"\nspeed: 100-char text p50 {short:.0f} µs; 1 MB text {long:.2f} s")


if __name__ == "__main__":
    main()
