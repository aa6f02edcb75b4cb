"""Refit a trained model's phishing calibration with a second fit for long texts (a dev tool).

    .venv/bin/python scripts/calibrate_length.py --data-dir ../shared/data \
        --models var/enron-base --out var/len-256 --chars 256 --enron-training

`training.calibration.calibrate` on the model as it is served (its encoder tier off), for the
LONG_LABELS only, with `long_chars`: Platt on the development texts of at most `--chars`
characters and, apart, on the longer ones. The short fit is an affine map of the served logit,
so it is folded into the label's weight column and bias here; the long one is written as
engine.json's "long_calibration"; the label's default threshold is chosen again. Every other
label is left as it is. A label with a stack is refused (its stack terms are not folded here).
This compares several lengths on one trained model (docs/BENCHMARKS.md, "Enron-Spam with a
length-aware phishing calibration"); `make models` does the same inside training
(`calibration.LONG_CHARS`), from the raw logits, so its weights differ from these in the float32
rounding of the fold only.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from spectrum_rpc.engine import (
    ENGINE_FILE,
    LINEAR_FILE,
    LinearModel,
    load_engine,
    model_files,
    write_manifest,
)
from spectrum_rpc.training import (
    EVIDENCE_PRIOR,
    LONG_LABELS,
    calibrate,
    data_dir,
    load_corpus,
)


def main(argv: list[str] | None = None) -> None:
    """Parse flags, refit, write the model directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data")
    parser.add_argument("--models", type=Path, required=True, help="trained model directory")
    parser.add_argument("--out", type=Path, required=True, help="new model directory")
    parser.add_argument("--chars", type=int, required=True, help="longest short text")
    parser.add_argument("--enron-training", action="store_true",
                        help="the model was trained on the Enron rows (corpus.ENRON_TRAINING): "
                             "its development part then holds enron3 alone, as in training")
    args = parser.parse_args(argv)
    meta = json.loads((args.models / ENGINE_FILE).read_text())
    if "long_calibration" in meta or "encoder" in meta:
        raise SystemExit("needs a model with one calibration for every length, no encoder")
    engine = load_engine(args.models)
    # The short fit is folded into the weights and bias below, not into a stack's terms
    # (`calibration.fold` does both, inside training): a stacked label would be miscalibrated.
    stacked = sorted(set(LONG_LABELS) & set(engine.model.stack.labels if engine.model.stack
                                            else ()))
    if stacked:
        raise SystemExit(f"{', '.join(stacked)} has a stack in {args.models}: this tool folds "
                         "the short fit into the weights only; refit it with `make models`")
    # The development part must be the one the model was trained beside: with the Enron rows
    # in training, enron1 is training data and not a calibration source.
    corpus = load_corpus(data_dir(args.data_dir), enron_training=args.enron_training)
    fit = calibrate(engine, corpus.development, labels=LONG_LABELS, prior=EVIDENCE_PRIOR,
                    priors=(EVIDENCE_PRIOR,), long_chars=args.chars)
    files, _ = model_files(args.models)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copyfile(args.models / name, args.out / name)
    with np.load(args.models / LINEAR_FILE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    labels = arrays["labels"].tolist()
    weights = arrays["weights"].astype(np.float64)
    bias = arrays["bias"].astype(np.float64)
    for label, (a, c) in fit.platt.items():
        j = labels.index(label)
        weights[:, j] *= a
        bias[j] = bias[j] * a + c
    LinearModel.save(args.out / LINEAR_FILE, arrays["vocabulary"].tolist(), arrays["idf"],
                     weights, bias, labels)
    served = meta["served_calibration"]
    for label in LONG_LABELS:
        served["thresholds"][label] = fit.report["thresholds"][label]
        served.setdefault("refit", {})[label] = {"platt_on_served_logit": fit.report["platt"]
                                                 [label]}
    served["long"] = fit.report["long"]
    meta["long_calibration"] = fit.long_record()
    (args.out / ENGINE_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    write_manifest(args.out, list(files))
    print(f"wrote {args.out}: {json.dumps(fit.report['long'])}, threshold "
          f"{json.dumps({k: fit.report['thresholds'][k]['threshold'] for k in LONG_LABELS})}")


if __name__ == "__main__":
    main()
