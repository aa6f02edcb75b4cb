"""Measure each Perspective attribute comments:analyze answers, on the shared labelled data.

An attribute's `summaryScore.value` is our label's score (`api/perspective.py`, ATTRIBUTES), so
this scores the label on every held-out test set that annotates it (`training.load_corpus`: OLID
test, Davidson test, the moderation samples' test part, SMS and YouTube spam), and on the
Civil Comments posts of the toxic-spans data set, which the models are not trained on. Those
posts carry the annotation Perspective's own attributes come from: each rater marks the post
toxic or not and types the spans they find (Insult, Identity based Attack, Profane/Obscene,
Threat), so a post is positive for an attribute when at least half its raters say so, as
Perspective's data counts "a reader would perceive it". Attributes whose label the served
model does not score are listed as such, with no figures.

spanScores: the same posts split into sentences as comments:analyze splits them
(`analysis.sentences`), each sentence scored alone; a sentence is positive for TOXICITY when at
least half the post's raters marked a span (of any type) that overlaps it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import split_sentences
from spectrum_rpc.api.perspective import ATTRIBUTES
from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import Report, data_dir, load_corpus, report

# The toxic-spans span types -> the Perspective attributes they annotate; TOXICITY is the
# rater's "toxic or not".
SPAN_TYPES = {"Insult": ("INSULT",), "Identity based Attack": ("IDENTITY_ATTACK",),
              "Profane/Obscene": ("PROFANITY", "OBSCENE"), "Threat": ("THREAT",)}
HEADER = (f"| {'attribute':<17} | {'our label':<15} | {'test set':<24} | {'n':>5} | "
          f"{'pos':>5} | {'ROC-AUC':>7} | {'prec':>5} | {'recall':>6} | {'F1':>5} | "
          f"{'ECE':>5} |")


def row(attribute: str, label: str, test: str, r: Report) -> str:
    """Format one markdown table row."""
    return (f"| {attribute:<17} | {label:<15} | {test:<24} | {r.n:>5} | {r.positives:>5} | "
            f"{r.roc_auc:>7.3f} | {r.precision:>5.3f} | {r.recall:>6.3f} | {r.f1:>5.3f} | "
            f"{r.ece:>5.3f} |")


def civil_comments(root: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Return the toxic-spans posts and, per attribute, 1 where half its raters or more said so."""
    texts, raters, toxic, typed, _ = _toxic_spans(root)
    posts = [p for p in texts if raters[p]]
    labels = {"TOXICITY": np.array([2 * toxic[p] >= raters[p] for p in posts], dtype=int)}
    for kind, attributes in SPAN_TYPES.items():
        marked = np.array([2 * sum(t == kind for _, t in typed[p]) >= raters[p]
                           for p in posts], dtype=int)
        for attribute in attributes:
            labels[attribute] = marked
    return [texts[p] for p in posts], labels


def civil_sentences(root: Path) -> tuple[list[str], np.ndarray]:
    """Return the toxic-spans posts' sentences and 1 where half the post's raters or more
    marked a span overlapping the sentence."""
    texts, raters, _, _, marked = _toxic_spans(root)
    sentences, labels = [], []
    for post, text in texts.items():
        if not raters[post]:
            continue
        for begin, end in split_sentences(text):
            overlapping = sum(any(b < end and begin < e for b, e in spans)
                              for spans in marked[post].values())
            sentences.append(text[begin:end])
            labels.append(2 * overlapping >= raters[post])
    return sentences, np.array(labels, dtype=int)


def _toxic_spans(root: Path) -> tuple[dict[str, str], dict[str, int], dict[str, int],
                                      dict[str, set[tuple[str, str]]],
                                      dict[str, dict[str, list[tuple[int, int]]]]]:
    base = root / "toxicity" / "toxic_spans"
    with (base / "comments.csv").open(newline="") as f:
        texts = {row["comment_id"]: row["comment_text"] for row in csv.DictReader(f)}
    raters: dict[str, int] = defaultdict(int)
    toxic: dict[str, int] = defaultdict(int)
    post_of = {}
    with (base / "annotations.csv").open(newline="") as f:
        for a in csv.DictReader(f):
            post_of[a["annotation"]] = a["comment_id"]
            raters[a["comment_id"]] += 1
            toxic[a["comment_id"]] += a["not toxic"] == "False"
    typed: dict[str, set[tuple[str, str]]] = defaultdict(set)  # post -> {(annotation, type)}
    # post -> annotation -> its spans (any type)
    marked: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    with (base / "spans.csv").open(newline="") as f:
        for s in csv.DictReader(f):
            post = post_of.get(s["annotation"])
            if post is None:
                continue
            if s["type"] in SPAN_TYPES:
                typed[post].add((s["annotation"], s["type"]))
            if s["start"].isdigit() and s["end"].isdigit():
                marked[post][s["annotation"]].append((int(s["start"]), int(s["end"])))
    return texts, raters, toxic, typed, marked


def evaluate(root: Path, model_dir: Path | None, threshold: float) -> list[str]:
    """Return markdown lines: one table row per (attribute, test set)."""
    engine = load_engine(model_dir)
    served = set(engine.classify(["hello"])[0])
    lines = [f"engine {engine.version}, threshold {threshold}", "", HEADER, "|---" * 10 + "|"]
    sets: list[tuple[str, list[str], dict[str, np.ndarray]]] = []
    for test, samples in load_corpus(root).tests.items():
        by_label = defaultdict(list)
        for i, s in enumerate(samples):
            for label in s.labels:
                by_label[label].append(i)
        sets.append((test, [s.text for s in samples],
                     {label: np.array([(i, samples[i].labels[label]) for i in have])
                      for label, have in by_label.items()}))
    civil_texts, civil = civil_comments(root)
    scores = {test: engine.classify(texts) for test, texts, _ in sets}
    civil_scores = engine.classify(civil_texts)
    missing = []
    by_spans = []
    for attribute, label in ATTRIBUTES.items():
        if label in L.SPAN_LABELS:  # the toxic-span model's sub-labels, not the engine's
            by_spans.append(attribute)
            continue
        if label is None or label not in served:
            missing.append(attribute)
            continue
        for test, _, annotated in sets:
            if label in annotated:
                have, y = annotated[label][:, 0], annotated[label][:, 1]
                p = np.array([scores[test][i][label] for i in have])
                lines.append(row(attribute, label, test, report(y, p, threshold)))
        if attribute in civil:
            p = np.array([s[label] for s in civil_scores])
            lines.append(row(attribute, label, "civil_comments_spans", report(civil[attribute], p,
                                                                              threshold)))
    lines += ["", "Scored by the toxic-span model (measured in \"Toxic spans and sub-labels\"): "
              + ", ".join(by_spans) + ".",
              "", "Not scored by this model (a 400 naming the attribute): " + ", ".join(missing)
              + "."]
    sentences, y = civil_sentences(root)
    p = np.array([s[ATTRIBUTES["TOXICITY"]] for s in engine.classify(sentences)])
    lines += ["", "spanScores (each sentence scored alone):", "", HEADER, "|---" * 10 + "|",
              row("TOXICITY", ATTRIBUTES["TOXICITY"] or "", "civil_comments_sentences",
                  report(y, p, threshold))]
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, help="model directory (default: shipped)")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    print("\n".join(evaluate(data_dir(args.data_dir), args.models, args.threshold)))


if __name__ == "__main__":
    main()
