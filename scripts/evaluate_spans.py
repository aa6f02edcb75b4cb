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
- Harmless texts (`harmless_table`): the share of OLID's not-offensive tweets and SMS ham that
  get any span, from the span model alone and as moderateText answers (`spans.worth_marking`:
  the engine's toxicity at the default review line, or a sub-label at SUB_LABEL_LINE), and the
  choice of SUB_LABEL_LINE on development data (tune split, OLID val, SMS ham dev part).
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
from spectrum_rpc.analysis import Policy
from spectrum_rpc.engine import load_engine, spans
from spectrum_rpc.settings import Settings
from spectrum_rpc.training import data_dir, expected_calibration_error, load_corpus
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


def review_line() -> float:
    """The default project's toxicity review line (the one moderateText's rule compares with)."""
    return Policy({L.TOXICITY: Settings().thresholds.toxicity}).review_line(L.TOXICITY)


def answered(model: spans.SpanModel, texts: list[str], line: float,
             sub_line: float = spans.SUB_LABEL_LINE) -> list[tuple[spans.SpanAnalysis, bool]]:
    """Each text's span analysis and whether moderateText answers its spans (with `sub_line`
    in place of SUB_LABEL_LINE)."""
    toxicity = [row[L.TOXICITY] for row in load_engine().classify(texts)]
    out = []
    for text, score in zip(texts, toxicity, strict=True):
        analysis = model.analyze(text)
        shown = score >= line or any(v >= sub_line for _, v in analysis.labels)
        out.append((analysis, shown))
    return out


def span_table(model: spans.SpanModel, data: Path) -> list[tuple[str, float]]:
    _, trial = T.load_posts(data)
    texts = [t for t, _ in trial]
    lexicon = load_engine().lexicon
    toxic_words = lookup_baseline(data)
    alone = [T.predicted_offsets(model.analyze(t, [L.TOXICITY]), L.TOXICITY) for t in texts]
    systems = {
        "span model (toxicity spans), as moderateText answers them": [
            offsets if shown else set() for offsets, (_, shown)
            in zip(alone, answered(model, texts, review_line()), strict=True)],
        "span model alone (every text's spans)": alone,
        "lexicon matches as spans": [{o for m in lexicon.find(t) for o in range(m.start, m.end)}
                                     for t in texts],
        "words toxic in most tsd_train uses": [
            {o for m in WORD.finditer(t) if m.group().lower() in toxic_words
             for o in range(*m.span())} for t in texts],
        "every character toxic": [set(range(len(t))) for t in texts],
        "nothing toxic": [set() for _ in texts],
    }
    return [(name, mean_f1(predicted, trial)) for name, predicted in systems.items()]


def harmless_sets(data: Path) -> dict[str, list[str]]:
    corpus = load_corpus(data)
    return {
        "OLID not offensive, test": [s.text for s in corpus.tests["olid_test"]
                                     if s.labels[L.TOXICITY] == 0],
        "SMS ham, test part": [s.text for s in corpus.tests["sms_test"]
                               if s.labels[L.PHISHING] == 0],
        "OLID not offensive, val (development)": [
            s.text for s in corpus.development["olid_val"] if s.labels[L.TOXICITY] == 0],
        "SMS ham, development part": [s.text for s in corpus.development["sms_dev"]
                                      if s.labels[L.PHISHING] == 0],
    }


def harmless_table(model: spans.SpanModel, data: Path) -> list[tuple[str, int, float, float]]:
    """Per harmless set: its size, the share with any span from the model alone and as
    moderateText answers."""
    rows = []
    for name, texts in harmless_sets(data).items():
        found = answered(model, texts, review_line())
        rows.append((name, len(texts), float(np.mean([bool(a.spans) for a, _ in found])),
                     float(np.mean([bool(a.spans) and shown for a, shown in found]))))
    return rows


def sub_line_table(model: spans.SpanModel, data: Path
                   ) -> list[tuple[float, float, float, float, float]]:
    """SUB_LABEL_LINE candidates on development data only: the tune split's SemEval char F1,
    the harmless development sets' share with a span, and the mean char F1 over all of them
    (a harmless text counts as a post without a gold span: 1 when unmarked, else 0)."""
    posts, _ = T.load_posts(data)
    tune = [p for p in posts if p.split == "tune" and p.gold is not None]
    sets = harmless_sets(data)
    harmless = [*sets["OLID not offensive, val (development)"],
                *sets["SMS ham, development part"]]
    rows = []
    for sub_line in (0.1, 0.15, 0.2, 0.25, 0.3, 1.01):
        tuned = answered(model, [p.text for p in tune], review_line(), sub_line)
        f1 = [T.char_f1(T.predicted_offsets(a, L.TOXICITY) if shown else set(), set(p.gold))
              for (a, shown), p in zip(tuned, tune, strict=True)]
        marked = [bool(a.spans) and shown
                  for a, shown in answered(model, harmless, review_line(), sub_line)]
        rows.append((sub_line, float(np.mean(f1)), float(np.mean(marked)),
                     float(np.mean([*f1, *(1.0 - np.array(marked))]))))
    return rows


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
    parser.add_argument("--speed-only", action="store_true", help="only the speed (no data read)")
    args = parser.parse_args()
    data = data_dir(args.data_dir)
    model = spans.load(args.model_dir, load_engine().lexicon.word_entries())
    if args.speed_only:
        short, long = speed(model)
        print(f"speed: 100-char text p50 {short:.0f} µs; 1 MB text {long:.2f} s")
        return
    print("## Toxic spans: SemEval-2021 Task 5 char F1 on tsd_trial.csv (690 posts)\n")
    print("| system | char F1 |\n| --- | --- |")
    for name, f1 in span_table(model, data):
        print(f"| {name} | {f1:.4f} |")
    print(f"\n## Harmless texts with any span (review line {review_line():.4f})\n")
    print("| texts | n | span model alone | as moderateText answers |\n| --- | --- | --- | --- |")
    for name, n, alone, served in harmless_table(model, data):
        print(f"| {name} | {n} | {alone:.3f} | {served:.3f} |")
    print("\nSUB_LABEL_LINE on development data (1.01: toxicity alone):\n")
    print("| sub-label line | tune char F1 | harmless dev with a span | mean char F1, both |\n"
          "| --- | --- | --- | --- |")
    for sub_line, f1, marked, both in sub_line_table(model, data):
        print(f"| {sub_line} | {f1:.4f} | {marked:.3f} | {both:.4f} |")
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
