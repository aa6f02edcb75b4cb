"""Train the shipped models from ../shared/data (deterministic): `make models` runs this."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from spectrum_rpc.engine import SHIPPED_MODELS
from spectrum_rpc.training import (
    SEED,
    data_dir,
    load_corpus,
    read_surge_lexicon,
    recalibrate,
    train,
    write_models,
)

VERSION = "2026.12.06-spamkind-1"


def main(argv: list[str] | None = None) -> None:
    """Parse flags, train every label, write the model directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--out", type=Path, default=SHIPPED_MODELS, help="model directory")
    parser.add_argument("--version", default=VERSION, help="model version string")
    args = parser.parse_args(argv)
    root = data_dir(args.data_dir)
    started = time.perf_counter()
    lexicon = read_surge_lexicon(root / "lexicons" / "surge_profanity_en.csv")
    corpus = load_corpus(root)
    vocabulary, idf, fitted, stack = train(corpus, lexicon)
    meta = {"seed": SEED, **({"stack": stack.report} if stack else {})}
    served = stack.stack if stack else None
    fitted, served, meta, _ = recalibrate(corpus.development, args.version, vocabulary, idf,
                                          fitted, lexicon, meta, served)
    write_models(args.out, args.version, vocabulary, idf, fitted, lexicon, meta, served)
    print(f"wrote {args.out} ({args.version}) in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
