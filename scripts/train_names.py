"""Train the person-name tagger on the Broad Twitter Corpus: writes names.npz and its manifest.

    .venv/bin/python scripts/train_names.py --data-dir ../shared/data [--out spectrum_rpc/models]

Needs the `models` extra: `names` for the census name lists, `python-crfsuite` for the CRF.
Deterministic: fixed split seed, L-BFGS, hash-order-free features.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from spectrum_rpc.engine.pii.names import MODEL_DIR
from spectrum_rpc.training import data_dir, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model directory")
    args = parser.parse_args()
    started = time.monotonic()
    trained = names.train(data_dir(args.data_dir))
    meta = {
        "model": "person-name tagger: linear-chain CRF over hashed token features and "
                 "neighbour-pair features",
        "tags": list(trained.model.tags),
        "n_buckets": trained.model.n_buckets,
        "pair_words": len(trained.model.pair_words),
        "seed": names.SEED,
        "lower_fraction": names.LOWER_FRACTION,
        "suspicious_precision": names.SUSPICIOUS_PRECISION,
        "paranoid_precision": names.PARANOID_PRECISION,
        "sources": ["Broad Twitter Corpus btc.train (CC-BY-4.0)",
                    "presidio_generated_small.json, seeded training half (MIT)",
                    "US 1990 census name lists via the `names` package (MIT; public domain)",
                    *(f"word statistics: {rel}" for rel in names.UNLABELLED)],
        **trained.report,
    }
    path = names.write(trained, args.out, meta)
    print(f"thresholds {trained.settings}")
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.2f} MB) in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
