"""Evaluate the person-name detector per mode: entity-level precision / recall / F1 (exact spans).

    .venv/bin/python scripts/evaluate_names.py --data-dir ../shared/data [--speed]

Scorings (a predicted entity counts only with its exact span, as CoNLL's conlleval scores it):
- `names`: what `find()` returns, decoded the same way (NORMAL's capitalised names, then each
  higher tier's names that overlap none found lower): person names, @mentions ("@" and the
  handle: usernames) left out of gold and prediction alike.
- `btc-PER`: the tagger against the corpus's own PER tags, @mentions included (the corpus tags "@"
  and the handle as two PER entities), at the same thresholds, no casing rule.
- `names, lower-cased`: the split lower-cased, to show what SUSPICIOUS adds.
- presidio: `find()` on the raw text of the held-out half of presidio_generated_small.json,
  against its PERSON spans (character offsets).
Reference: no NER model can run here without downloading one (spaCy's and Presidio's need a
model download), so the reference is a capitalised-run baseline: maximal runs of title-case
words, the first word of a sentence excluded.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np

from spectrum_rpc.engine.pii import Mode, name_model, names
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import names as T

find, default_model = names.find, names.default_model

BASELINE = "capitalised runs"


def baseline_probabilities(sentences: Sequence[T.Sentence]) -> list[tuple[np.ndarray, np.ndarray]]:
    """P(person) = 1 for title-case words not opening a sentence; each run one entity."""
    out = []
    for s in sentences:
        p = np.zeros(len(s.tokens))
        for i, token in enumerate(s.tokens):
            previous = s.tokens[i - 1] if i else name_model.BOS
            if (name_model.kind(token) == "word" and name_model.casing(token) == "title"
                    and not name_model.sentence_initial(previous)):
                p[i] = 1.0
        out.append((p, np.zeros(len(s.tokens))))
    return out


def btc_rows(split: str, sentences, probs, settings: dict[str, float], who: str) -> list[str]:
    low = T.lowered(sentences, 1.0)
    rows = []
    for mode in Mode:
        t = settings[f"threshold_{mode.name}"]
        scorings = {
            "names": T.score_names(sentences, probs[0], settings, mode),
            "btc-PER": T.score_btc(sentences, probs[0], t, names_only=False, capitalised=False),
        }
        if mode is not Mode.NORMAL:  # NORMAL keeps capitalised names only: 0 by rule
            scorings["names, lower-cased"] = T.score_names(low, probs[1], settings, mode)
        for scoring, s in scorings.items():
            rows.append(_row(f"btc.{split}", scoring, mode.name, who, s))
    return rows


def baseline_rows(split: str, sentences, probs) -> list[str]:
    return [
        _row(f"btc.{split}", "names", "-", BASELINE,
             T.score_btc(sentences, probs, 0.5, names_only=True, capitalised=False)),
        _row(f"btc.{split}", "btc-PER", "-", BASELINE,
             T.score_btc(sentences, probs, 0.5, names_only=False, capitalised=False)),
    ]


def presidio_rows(rows: list[dict], mode: Mode | None, who: str) -> str:
    score = T.Score()
    for row in rows:
        text = row["full_text"]
        gold = {(s["start_position"], s["end_position"]) for s in row["spans"]
                if s["entity_type"] == "PERSON"}
        if who == BASELINE:
            sentence = T.presidio_sentence(row)
            (p, b), = baseline_probabilities([sentence])
            pred = {(sentence.offsets[i][0], sentence.offsets[j - 1][1])
                    for i, j in T.predicted_entities(p, b, 0.5)}
        else:
            pred = {(m.begin, m.end) for m in find(text, mode)}
        score.add(gold, pred)
    return _row("presidio held-out", "names", mode.name if mode else "-", who, score)


def _row(data: str, scoring: str, mode: str, who: str, s: T.Score) -> str:
    return (f"| {data} | {scoring} | {mode} | {who} | {s.tp + s.fn} | {s.precision:.3f} | "
            f"{s.recall:.3f} | {s.f1:.3f} |")


def speed(repeats: int = 3000) -> str:
    """Median wall and CPU time of find() (PARANOID) on ~90-character comments, warm cache;
    one 15 MB text at NORMAL. CPU time is this process's: the wall clock of a shared machine
    counts other people's work too."""
    texts = [
        "Honestly I think Sarah Connor was right about this, talk to me tomorrow at the office ok",
        "my name is albus dumbledore and i teach at hogwarts, ask for me at the front desk pls!",
        "Great game last night!!! Messi was unreal, the Barcelona defence had no answer to him",
    ]
    model = default_model()
    for t in texts:
        find(t, Mode.PARANOID, model=model)
    wall, cpu = [], []
    for i in range(repeats):
        w, c = time.perf_counter(), time.thread_time()
        find(texts[i % len(texts)], Mode.PARANOID, model=model)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    paragraph = ("The committee met on Tuesday to discuss the budget, and after a long debate "
                 "the proposal from Maria Lopez was accepted. Everyone agreed that the new plan "
                 "would save money next year, although some members asked for more details. ")
    big = (paragraph * (15 * 10**6 // len(paragraph) + 1))[: 15 * 10**6]
    w, c = time.perf_counter(), time.thread_time()
    n = len(find(big, Mode.NORMAL, model=model))
    long_wall, long_cpu = time.perf_counter() - w, time.thread_time() - c
    ms = 1e3
    return (f"find() on ~90-character comments, warm token cache: wall p50 "
            f"{statistics.median(wall) * ms:.3f} ms (p90 {np.percentile(wall, 90) * ms:.3f}), "
            f"cpu p50 {statistics.median(cpu) * ms:.3f} ms (p90 {np.percentile(cpu, 90) * ms:.3f})"
            f"\none 15 MB text (NORMAL): wall {long_wall:.1f} s, cpu {long_cpu:.1f} s, {n} "
            f"matches, "
            f"peak RSS of the whole script {_peak_rss_mb():.0f} MB")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--speed", action="store_true", help="also time find()")
    args = parser.parse_args()
    root = data_dir(args.data_dir)
    model = default_model()
    thresholds = {m: model.settings[f"threshold_{m.name}"] for m in Mode}
    print("thresholds (P(person) per token, chosen on dev):",
          {m.name: t for m, t in thresholds.items()})
    print("| data | scoring | mode | system | gold | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for split in ("dev", "test"):
        sentences = T.read_btc(root, split)
        low = T.lowered(sentences, 1.0)
        ours = (T.sentence_probabilities(model, sentences), T.sentence_probabilities(model, low))
        for row in btc_rows(split, sentences, ours, model.settings, "spectrum-rpc"):
            print(row)
        for row in baseline_rows(split, sentences, baseline_probabilities(sentences)):
            print(row)
    held_out = T.presidio_rows(root)[1]
    for mode in Mode:
        print(presidio_rows(held_out, mode, "spectrum-rpc"))
    print(presidio_rows(held_out, None, BASELINE))
    if args.speed:
        print(speed())


if __name__ == "__main__":
    main()
