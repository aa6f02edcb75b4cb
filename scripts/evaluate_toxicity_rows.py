"""Toxicity of contrastive and ordinary texts, model beside model (issue 20, contrast rows).

    .venv/bin/python scripts/evaluate_toxicity_rows.py --data-dir ../shared/data \
        --models spectrum_rpc/models --models var/tox-rows [--texts FILE.jsonl]

Prints, per model at its served toxicity threshold (engine.json): the development figures that
chose that threshold (mean F1 over the development sources, each source's F1); the toxicity
score of a few hand texts; how many ordinary texts are flagged toxic (the moderation samples'
prompts annotated not toxic, test and development parts, and SMS ham, test and development
parts); the toxicity ROC-AUC of each model on every development and test part that annotates
toxicity, with a paired bootstrap (rows resampled, BOOTSTRAP rounds, seed 0) of its difference
from the first model's; the contrast rows' development draw (never trained on) is one more
development part there, with each model's accuracy on it. `--texts`: a JSON-lines file of
texts with an expected toxicity (`{"text": ..., "toxicity": 0|1}`; `toxic`, `label`, `expected` or
`labels.toxicity` are read too, and an optional `category`) scored the same way: ROC-AUC,
flagged per class and per category, and how many decisions differ from the first model's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import (
    data_dir,
    load_corpus,
    ordinary_texts,
    paired_auc,
    served_threshold,
)
from spectrum_rpc.training.contrast import DEV_SOURCE, development_samples

BOOTSTRAP = 2000
HAND = (
    ("I will make you regret that", 1), ("I know where you live", 1),
    ("you are a waste of oxygen", 1), ("people like you should not be allowed to breed", 1),
    ("go back to your own country", 1), ("fuck you", 1),
    ("this pizza is fucking amazing", 0), ("holy shit, we won!", 0),
    ("it is false that immigrants are criminals", 0), ("he called me an idiot and I cried", 0),
    ("this workout is killing me", 0), ("I'm dying to see the new film", 0),
    ("a", 0), ("ok", 0), ("the minutes are at https://example.org/notes", 0),
)


def _development(path: Path) -> str:
    meta = json.loads((path / "engine.json").read_text())
    chosen = meta["served_calibration"]["thresholds"][L.TOXICITY]
    sources = ", ".join(f"{name} {v['f1']:.4f}" for name, v in sorted(
        chosen["per_source"].items()))
    low, high = chosen["mean_f1_bootstrap_95"]
    return (f"threshold {chosen['threshold']:.2f}, mean F1 {chosen['mean_f1']:.4f} "
            f"(bootstrap 95 % {low:.4f}-{high:.4f}); {sources}")


def _expected(row: dict) -> int:
    for key in ("toxicity", "toxic", "label", "expected"):
        if key in row:
            value = row[key]
            return int(value) if not isinstance(value, str) else int(
                value.lower() in ("1", "toxic", "true", "yes", "flag", "flagged"))
    return int(row["labels"][L.TOXICITY])


def read_texts(path: Path) -> list[tuple[str, int, str]]:
    """Return (text, expected toxicity, category) of each line of a JSON-lines file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [(r["text"], _expected(r), str(r.get("category", ""))) for r in rows]


def auc_cells(y: np.ndarray, scores: Sequence[np.ndarray]) -> list[str]:
    """Return the first model's ROC-AUC, then each other's with the 95 % interval of its
    difference from the first's (`training.paired_auc`)."""
    cells = [f"{roc_auc_score(y, scores[0]):.3f}"]
    for other in scores[1:]:
        auc, low, high = paired_auc(y, scores[0], other, BOOTSTRAP)
        cells.append(f"{auc:.3f} ({low:+.3f} to {high:+.3f})")
    return cells


def _existing_file(value: str) -> Path:
    # Checked while parsing: the file is read before the shared data, so a wrong path found
    # only then would cost the models' loading and end in a traceback.
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def main(argv: list[str] | None = None) -> None:
    """Parse flags, score, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, action="append", required=True,
                        help="a model directory (repeatable; the first is the reference)")
    parser.add_argument("--texts", type=_existing_file,
                        help="JSON lines of texts with expected toxicity")
    parser.add_argument("--development", action="store_true",
                        help="development parts only (no test part, no test ordinary texts)")
    parser.add_argument("--no-data", action="store_true",
                        help="skip the shared data (hand texts and --texts only)")
    args = parser.parse_args(argv)
    engines = [(path, load_engine(path), served_threshold(path, L.TOXICITY))
               for path in args.models]

    def toxicity(texts: Sequence[str]) -> list[np.ndarray]:
        return [e.score(list(texts))[:, e.labels.index(L.TOXICITY)] for _, e, _ in engines]

    for path, _, _ in engines:
        print(f"- {path}: {_development(path)}")
    print("\n| text | expected | " + " | ".join(f"{p} ({t:.2f})" for p, _, t in engines) + " |")
    print("|---|---:|" + "---:|" * len(engines))
    columns = toxicity([t for t, _ in HAND])
    for i, (text, expected) in enumerate(HAND):
        print(f"| `{text}` | {expected} | " + " | ".join(
            f"{c[i]:.3f}{' *' if c[i] >= t else ''}" for c, (_, _, t) in zip(
                columns, engines, strict=True)) + " |")
    print("\n(* flagged at the model's served toxicity threshold)")
    if args.texts:
        _texts(args.texts, engines, toxicity)
    if args.no_data:
        return
    corpus = load_corpus(data_dir(args.data_dir))
    ordinary = ordinary_texts(corpus, L.TOXICITY, "toxic")
    if args.development:
        ordinary = {k: v for k, v in ordinary.items() if "dev" in k}
    print("\n| ordinary texts | n | " + " | ".join(f"{p} flagged" for p, _, _ in engines) + " |")
    print("|---|---:|" + "---:|" * len(engines))
    for name, group in ordinary.items():
        cells = [f"{int(np.sum(p >= t))} ({np.mean(p >= t):.1%})"
                 for p, (_, _, t) in zip(toxicity(group), engines, strict=True)]
        print(f"| {name} | {len(group)} | " + " | ".join(cells) + " |")
    print("\n| part | n | positives | " + " | ".join(f"{p} ROC-AUC" for p, _, _ in engines)
          + " |")
    print("|---|---:|---:|" + "---:|" * len(engines))
    # the contrast rows' development draw (frames and words of its own, never trained on)
    parts = {**corpus.development, DEV_SOURCE: development_samples(),
             **({} if args.development else corpus.tests)}
    for name, samples in parts.items():
        rows = [s for s in samples if L.TOXICITY in s.labels]
        y = np.array([s.labels[L.TOXICITY] for s in rows])
        if len(rows) == 0 or y.min() == y.max():
            continue
        scores = toxicity([s.text for s in rows])
        cells = auc_cells(y, scores)
        if name == DEV_SOURCE:
            cells = [f"{c}, accuracy {np.mean((p >= t) == y):.3f}"
                     for c, p, (_, _, t) in zip(cells, scores, engines, strict=True)]
        print(f"| {name} | {len(y)} | {int(y.sum())} | " + " | ".join(cells) + " |", flush=True)


def _texts(path: Path, engines: list, toxicity) -> None:
    rows = read_texts(path)
    y = np.array([e for _, e, _ in rows])
    scores = toxicity([t for t, _, _ in rows])
    flagged = [p >= t for p, (_, _, t) in zip(scores, engines, strict=True)]
    print(f"\n{path}: {len(rows)} texts, {int(y.sum())} expected toxic\n")
    print("| figure | " + " | ".join(str(p) for p, _, _ in engines) + " |")
    print("|---|" + "---:|" * len(engines))
    if y.min() != y.max():
        print("| ROC-AUC (paired difference 95 %) | " + " | ".join(auc_cells(y, scores)) + " |")
    print(f"| toxic flagged (of {int(y.sum())}) | "
          + " | ".join(str(int(f[y == 1].sum())) for f in flagged) + " |")
    print(f"| harmless flagged (of {int((y == 0).sum())}) | "
          + " | ".join(str(int(f[y == 0].sum())) for f in flagged) + " |")
    print("| right | " + " | ".join(str(int((f == y).sum())) for f in flagged) + " |")
    categories = sorted({c for _, _, c in rows if c})
    for category in categories:
        pick = np.array([c == category for _, _, c in rows])
        print(f"| {category} (n {int(pick.sum())}) right | " + " | ".join(
            str(int((f[pick] == y[pick]).sum())) for f in flagged) + " |")
    for k in range(1, len(engines)):
        changed = np.flatnonzero(flagged[k] != flagged[0])
        better = int(np.sum(flagged[k][changed] == y[changed]))
        print(f"\n{engines[k][0]} against {engines[0][0]}: {len(changed)} decisions differ, "
              f"{better} now right, {len(changed) - better} now wrong")


if __name__ == "__main__":
    main()
