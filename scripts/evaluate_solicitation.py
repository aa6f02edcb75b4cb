"""Sexual scores of explicit requests and of ordinary text, model beside model (issue 20, part 2).

    .venv/bin/python scripts/evaluate_solicitation.py --data-dir ../shared/data \
        --models spectrum_rpc/models --models var/sexual-1

Prints, per model at its served sexual threshold (engine.json): the sexual score of a few hand
texts (explicit requests the issue names, and harmless requests of the same shape), then how
many ordinary texts are flagged sexual: the moderation samples' prompts annotated not sexual
(test and development parts; the training part is trained on), SMS ham (test and development
parts) and OLID test tweets (not annotated for sexual content: an upper bound); last, the
sexual ROC-AUC of each model on the moderation samples' development and test parts, with a
paired bootstrap (rows resampled, BOOTSTRAP rounds, seed 0) of its difference from the first
model's.
"""

from __future__ import annotations

import argparse
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

BOOTSTRAP = 2000
HAND = (
    ("send me nudes", 1), ("send nudes pls", 1), ("take off your clothes and send a pic", 1),
    ("I want to fuck you", 1), ("show me your boobs", 1), ("sext me when you are alone", 1),
    ("get naked on camera for me", 1),
    ("send me the report", 0), ("send me a pic of your dog", 0),
    ("can you send me the photos from the party?", 0), ("take off your shoes please", 0),
    ("I want to take you to dinner", 0), ("is it normal to bleed after sex?", 0),
    ("the nude painting in the gallery", 0), ("send me the file when you can", 0),
)


def main(argv: list[str] | None = None) -> None:
    """Parse flags, score, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, action="append", required=True,
                        help="a model directory (repeatable)")
    args = parser.parse_args(argv)
    corpus = load_corpus(data_dir(args.data_dir))
    ordinary = {
        **ordinary_texts(corpus, L.SEXUAL, "sexual"),
        "OLID test tweets (not annotated)": [s.text for s in corpus.tests["olid_test"]],
    }
    engines = [(path, load_engine(path), served_threshold(path, L.SEXUAL))
               for path in args.models]
    print("| text | expected | " + " | ".join(f"{p} ({t:.2f})" for p, _, t in engines) + " |")
    print("|---|---:|" + "---:|" * len(engines))
    texts = [t for t, _ in HAND]
    columns = [e.score(texts)[:, e.labels.index(L.SEXUAL)] for _, e, _ in engines]
    for i, (text, expected) in enumerate(HAND):
        print(f"| `{text}` | {expected} | " + " | ".join(
            f"{c[i]:.3f}{' *' if c[i] >= t else ''}" for c, (_, _, t) in zip(
                columns, engines, strict=True)) + " |")
    print("\n(* flagged at the model's served sexual threshold)\n")
    print("| ordinary texts | n | " + " | ".join(f"{p} flagged" for p, _, _ in engines) + " |")
    print("|---|---:|" + "---:|" * len(engines))
    for name, group in ordinary.items():
        cells = []
        for _, engine, threshold in engines:
            p = engine.score(group)[:, engine.labels.index(L.SEXUAL)]
            flagged = int(np.sum(p >= threshold))
            cells.append(f"{flagged} ({flagged / len(group):.1%})")
        print(f"| {name} | {len(group)} | " + " | ".join(cells) + " |")
    print("\n| moderation part | n | positives | " + " | ".join(
        f"{p} ROC-AUC" for p, _, _ in engines) + " |")
    print("|---|---:|---:|" + "---:|" * len(engines))
    parts = {"development": corpus.development["moderation_dev"],
             "test": corpus.tests["moderation_test"]}
    for name, samples in parts.items():
        rows = [s for s in samples if L.SEXUAL in s.labels]
        y = np.array([s.labels[L.SEXUAL] for s in rows])
        scores = [e.score([s.text for s in rows])[:, e.labels.index(L.SEXUAL)]
                  for _, e, _ in engines]
        cells = [f"{roc_auc_score(y, scores[0]):.3f}"]
        for other in scores[1:]:
            auc, low, high = paired_auc(y, scores[0], other, BOOTSTRAP)
            cells.append(f"{auc:.3f} (difference 95 %: {low:+.3f} to {high:+.3f})")
        print(f"| {name} | {len(y)} | {int(y.sum())} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
