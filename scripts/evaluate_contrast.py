"""Where the encoder tier stands on its own contrastive training sentences (`training.contrast`).

Not an evaluation (these are training rows of `--recipe mix2`): a diagnosis of why the tier
does or does not carry what the encoder learnt. Per kind of row, for each model directory: the
share the served decision flags as toxic, where the linear tier puts the rows against the
toxicity band (above it, the encoder is never asked), and the share the encoder alone flags
(logit > 0).

`--development` reads the development draw instead (`contrast.development_rows`: frames and
words the encoder never trained on, which `train_encoder.py stack --contrast-dev` may fit the
bands on): development data, for choosing among bands, never the functional table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ENGINE_FILE, SHIPPED_MODELS, Encoder, load_engine
from spectrum_rpc.training import served_threshold
from spectrum_rpc.training.contrast import KINDS, contrast_rows, development_rows


def lines_for(models: Path, development: bool = False) -> list[str]:
    """Return the markdown table for one model directory (of the development draw's rows with
    `development`)."""
    rows = development_rows() if development else contrast_rows()
    texts = [text for _, text in rows]
    kinds = np.array([kind for kind, _ in rows])
    meta = json.loads((models / ENGINE_FILE).read_text())
    record = meta.get("encoder") or {}
    engine = load_engine(models)
    column = engine.labels.index(L.TOXICITY)
    threshold = served_threshold(models, L.TOXICITY)
    served = np.array([row[L.TOXICITY] for row in engine.classify(texts)]) >= threshold
    linear = engine.without_encoder().linear_scores(texts)[:, column]
    band = next((b for b in record.get("bands", []) if b["label"] == L.TOXICITY), None)
    alone = None
    if record and L.TOXICITY in record.get("heads", []):
        alone = Encoder(models, record).logits(texts)[:, record["heads"].index(L.TOXICITY)] > 0
    out = [f"{meta['version']}: toxicity at {threshold}; band "
           + (f"{band['low']:.3f}-{band['high']:.3f}" if band else "none"), "",
           "| kind | toxic? | rows | flagged | linear above band | in band | encoder alone flags |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, target in KINDS.items():
        m = kinds == kind
        above = inside = "—"
        if band:
            above = f"{np.mean(linear[m] > band['high']):.2f}"
            inside = f"{np.mean((linear[m] >= band['low']) & (linear[m] <= band['high'])):.2f}"
        enc = f"{np.mean(alone[m]):.2f}" if alone is not None else "—"
        out.append(f"| {kind} | {target} | {int(m.sum())} | {np.mean(served[m]):.2f} | {above} "
                   f"| {inside} | {enc} |")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, action="append",
                        help=f"model directory (repeatable; default {SHIPPED_MODELS})")
    parser.add_argument("--development", action="store_true",
                        help="the development draw's rows instead of the training rows")
    args = parser.parse_args(argv)
    for models in args.models or [SHIPPED_MODELS]:
        print("\n".join(lines_for(models, args.development)), end="\n\n")


if __name__ == "__main__":
    main()
