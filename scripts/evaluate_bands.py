"""Compare encoder bands on the development parts: what each model directory's served decision
scores there, per source, and the share of texts its band sends to the encoder.

Development data only (the parts the bands are fitted on, `training.encoder.band_development`,
with the contrastive sentences' development draw as one more source): for choosing among bands
fitted with `train_encoder.py stack` (`--asymmetric`, `--contrast-dev`) before any test part
or the functional table is read. Per label, for each model: F1 and flag rate per source at the
served threshold, the mean F1 over the sources every fit uses and with the draw, and the share
of the label's development texts inside its band (the encoder's cost; with and without the draw).

    .venv/bin/python scripts/evaluate_bands.py --data-dir ../shared/data \\
        --models spectrum_rpc/models --models var/candidate
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ENCODER_MAX_CHARS, ENGINE_FILE, SHIPPED_MODELS, load_engine
from spectrum_rpc.training import data_dir, f1_curve, load_corpus, pool
from spectrum_rpc.training.contrast import DEV_SOURCE
from spectrum_rpc.training.encoder import band_development

LABELS = (L.TOXICITY, L.PHISHING)


def lines_for(models: Path, development: dict, labels: tuple[str, ...] = LABELS) -> list[str]:
    """Return the markdown lines for one model directory."""
    meta = json.loads((models / ENGINE_FILE).read_text())
    record = meta.get("encoder") or {}
    bands = {b["label"]: b for b in record.get("bands", [])}
    engine = load_engine(models)
    linear = engine.without_encoder()
    out = [f"{models} ({meta['version']})", "",
           "| label | band | asked | source | n | pos | flagged | F1 |",
           "|---|---|---:|---|---:|---:|---:|---:|"]
    notes: list[str] = []
    for label in labels:
        sources = pool(development, label)
        texts = [t for s in sources for t in s.texts]
        column = engine.labels.index(label)
        threshold = meta["served_calibration"]["thresholds"][label]["threshold"]
        served = engine.score(texts)[:, column]
        band = bands.get(label)
        real = np.concatenate([np.full(len(s.y), s.name != DEV_SOURCE) for s in sources])
        asked, asked_real, span = 0.0, 0.0, "none"
        if band:
            p = linear.linear_scores(texts)[:, column]
            short = np.array([len(t) <= ENCODER_MAX_CHARS for t in texts])
            inside = short & (p >= band["low"]) & (p <= band["high"])
            asked, asked_real = float(np.mean(inside)), float(np.mean(inside[real]))
            span = f"{band['low']:.3f}-{band['high']:.3f}"
        start, f1s = 0, {}
        for s in sources:
            q = served[start:start + len(s.y)]
            start += len(s.y)
            f1 = float(f1_curve(q, s.y, np.array([threshold]))[0]) if s.y.sum() else None
            f1s[s.name] = f1
            out.append(f"| {label} | {span} | {asked:.1%} | {s.name} | {len(s.y)} | "
                       f"{int(s.y.sum())} | {np.mean(q >= threshold):.3f} | "
                       + (f"{f1:.4f}" if f1 is not None else "—") + " |")
        fitted = [v for k, v in f1s.items() if v is not None and k != DEV_SOURCE]
        every = [v for v in f1s.values() if v is not None]
        if not fitted:
            continue
        out.append(f"| {label} | {span} | {asked:.1%} | **mean without the draw** | | | | "
                   f"**{np.mean(fitted):.4f}** |")
        if len(every) > len(fitted):
            out.append(f"| {label} | {span} | {asked:.1%} | **mean with the draw** | | | | "
                       f"**{np.mean(every):.4f}** |")
        if not real.all():
            notes.append(f"{label}: {asked_real:.1%} of the development texts without the "
                         "draw asked")
    return [*out, *([""] + notes if notes else [])]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, action="append",
                        help=f"model directory (repeatable; default {SHIPPED_MODELS})")
    args = parser.parse_args(argv)
    development = band_development(load_corpus(data_dir(args.data_dir)).development,
                                   contrast=True)
    for models in args.models or [SHIPPED_MODELS]:
        print("\n".join(lines_for(models, development)), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
