"""Measure how well our labels score OpenAI's moderation categories, on OpenAI's own prompts.

The moderation samples (openai/moderation-api-release) carry OpenAI's category labels: S, H, V,
HR, SH, S3, H2, V2. This scores their TEST part, split by `training.moderation_rows` exactly as
`training.moderation` splits them for training (same seed, fraction and strata), so no row the
shipped model was trained on is used, and prints each candidate mapping's ROC-AUC with its
positive count. `/v1/moderations` scores a category only where this table supports it
(`api/openai.py`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import data_dir, moderation_rows, report

# (OpenAI's data key, OpenAI category, our candidate label); a sub-category's candidate is its
# parent's label: we have no label of our own for threats, gore or minors.
CANDIDATES = (
    ("S", "sexual", L.SEXUAL),
    ("S3", "sexual/minors", L.SEXUAL),
    ("H", "hate", L.HATE),
    ("H2", "hate/threatening", L.HATE),
    ("HR", "harassment", L.HARASSMENT),
    ("V", "violence", L.VIOLENCE),
    ("V2", "violence/graphic", L.VIOLENCE),
    ("SH", "self-harm", L.SELF_HARM),
    # toxicity (offensive language, trained on these categories' training rows among others)
    # as the alternative for the categories it overlaps
    ("H", "hate", L.TOXICITY),
    ("HR", "harassment", L.TOXICITY),
    ("V", "violence", L.TOXICITY),
)
HEADER = (f"| {'key':<3} | {'OpenAI category':<17} | {'our label':<10} | {'n':>4} | "
          f"{'pos':>4} | {'ROC-AUC':>7} | {'prec@0.5':>8} | {'recall@0.5':>10} |")


def test_rows(root: Path) -> list[dict]:
    """Return the raw rows of the moderation test part (the rows training never saw)."""
    return moderation_rows(root)[1]


def evaluate(root: Path, model_dir: Path | None) -> list[str]:
    """Return markdown table lines: one per candidate mapping."""
    engine = load_engine(model_dir)
    rows = test_rows(root)
    scores = engine.classify([r["prompt"] for r in rows])
    lines = [f"engine {engine.version}, moderation test part: {len(rows)} prompts", "",
             HEADER, "|---" * 8 + "|"]
    for key, category, label in CANDIDATES:
        have = [i for i, r in enumerate(rows) if key in r]
        y = np.array([int(rows[i][key]) for i in have])
        p = np.array([scores[i][label] for i in have])
        r = report(y, p, 0.5)
        lines.append(f"| {key:<3} | {category:<17} | {label:<10} | {r.n:>4} | {r.positives:>4} | "
                     f"{r.roc_auc:>7.3f} | {r.precision:>8.3f} | {r.recall:>10.3f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print the mapping table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, help="model directory (default: shipped)")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    argv = argv if argv is not None else sys.argv[1:]
    args = parser.parse_args(argv)
    lines = evaluate(data_dir(args.data_dir), args.models)
    from bench_classify import show  # scripts/ is on sys.path when run as a script

    show(lines, "OpenAI moderation categories", "evaluate_openai.py", argv, args.write)


if __name__ == "__main__":
    main()
