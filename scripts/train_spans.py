"""Train the toxic-span model on the toxic-spans data: writes spans.npz and its manifest.

    .venv/bin/python scripts/train_spans.py --data-dir ../shared/data [--out spectrum_rpc/models]
        [--recipe spans-1|spans-2]

Never reads tsd_trial.csv's labels (its texts only, to leave those posts out). Deterministic:
posts split by a hash of their comment id, lbfgs, hashed features.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from spectrum_rpc.engine import spans
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import spans as T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--out", type=Path, default=spans.MODEL_DIR, help="model directory")
    parser.add_argument("--recipe", choices=sorted(T.RECIPES), default=T.DEFAULT_RECIPE,
                        help="how the model is fitted (training/spans.py RECIPES)")
    args = parser.parse_args()
    started = time.monotonic()
    trained = T.train(data_dir(args.data_dir), recipe=T.RECIPES[args.recipe])
    meta = {
        "model": "toxic spans: per-token logistic regression over hashed features (token, "
                 "char 3-5-grams, case, lexicon, two tokens of context each side)",
        "labels": list(trained.model.labels),
        "sub_labels": list(trained.model.post_labels),
        "dim": T.DIM,
        "recipe": args.recipe,
        "positive_share": T.POSITIVE_SHARE,
        "sources": ["SemEval-2021 Task 5 tsd_train.csv (ipavlopoulos/toxic_spans, CC0)",
                    "toxic_spans comments/annotations/spans.csv typed spans (CC0)",
                    "surge-ai profanity lexicon (MIT), as shipped in lexicon.json"],
        **trained.report,
    }
    path = T.write(trained, args.out, meta)
    print(json.dumps(trained.report, indent=1))
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.2f} MB) in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
