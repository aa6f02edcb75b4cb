"""Evaluate the engine on the held-out test sets; compare with alt-profanity-check on toxicity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import Report, data_dir, load_corpus, report

HEADER = (f"| {'test set':<16} | {'label':<10} | {'model':<20} | {'n':>5} | {'pos':>5} | "
          f"{'ROC-AUC':>7} | {'prec':>5} | {'recall':>6} | {'F1':>5} | {'ECE':>5} |")


def row(test: str, label: str, model: str, r: Report) -> str:
    """Format one markdown table row."""
    return (f"| {test:<16} | {label:<10} | {model:<20} | {r.n:>5} | {r.positives:>5} | "
            f"{r.roc_auc:>7.3f} | {r.precision:>5.3f} | {r.recall:>6.3f} | {r.f1:>5.3f} | "
            f"{r.ece:>5.3f} |")


def evaluate(root: Path, model_dir: Path | None, threshold: float,
             compare: bool = True) -> list[str]:
    """Return markdown table lines for every (test set, label) the data annotates."""
    engine = load_engine(model_dir)
    corpus = load_corpus(root)
    lines = [f"engine {engine.version}, threshold {threshold}", "", HEADER, "|---" * 10 + "|"]
    for test, samples in corpus.tests.items():
        texts = [s.text for s in samples]
        scores = engine.classify(texts)
        baseline = _baseline(texts) if compare else None
        for label in L.ALL:
            have = [i for i, s in enumerate(samples) if label in s.labels]
            if not have:
                continue
            y = np.array([samples[i].labels[label] for i in have])
            p = np.array([scores[i][label] for i in have])
            lines.append(row(test, label, "spectrum-rpc", report(y, p, threshold)))
            if baseline is not None and label == L.TOXICITY:
                lines.append(row(test, label, "alt-profanity-check", report(y, baseline[have],
                                                                            threshold)))
    return lines


def _baseline(texts: list[str]) -> np.ndarray:
    from profanity_check import predict_prob

    return np.asarray(predict_prob(texts), dtype=float)


def main(argv: list[str] | None = None) -> None:
    """Print the evaluation table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, help="model directory (default: shipped)")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--no-compare", action="store_true", help="skip alt-profanity-check")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    lines = evaluate(data_dir(args.data_dir), args.models, args.threshold, not args.no_compare)
    print("\n".join(lines))
    if args.write:
        from bench_classify import write_section  # scripts/ is on sys.path when run as a script

        command = " ".join([".venv/bin/python scripts/evaluate.py", *(argv or sys.argv[1:])])
        write_section("Quality", lines, command)


if __name__ == "__main__":
    main()
