"""Fine-tuning on long corrections under a long texts' calibration: how the served score of the
corrections comes out with and without fitting the map serving applies (training/fit.py).

A tiny three-label model (tests/helpers/training.py) is given the shipped model's kind of long
map for phishing (engine.json "long_calibration", [0.934, -2.33] above 400 characters) and
fine-tuned on 40 spam and 40 ham phishing corrections of about 550 characters. "ignoring the
map" fits sigmoid(z) as fine-tuning did before it learnt the map (the map removed from the base
model's meta for the fit, kept in the candidate written), "fitting the map" is the current code.
Prints, per correction weight, the served scores of the candidate (the map applied).

    .venv/bin/python scripts/finetune_long.py --weights 1 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from spectrum_rpc.engine import load_engine  # noqa: E402
from spectrum_rpc.training import (  # noqa: E402
    fit_candidate,
    load_base,
    read_model,
    write_candidate,
)
from tests.helpers.training import padded_corrections, write_base, write_model  # noqa: E402

LONG = {"chars": 400, "labels": {"phishing": [0.934, -2.33]}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 10.0],
                        help="correction weights (training.feedback_weight) to fit with")
    parser.add_argument("--padding", type=int, default=80, help="small-talk words per text")
    args = parser.parse_args(argv)
    fixes = padded_corrections("phishing", args.padding)
    texts = [s.text for s in fixes]
    lengths = [len(t) for t in texts]
    print(f"{len(fixes)} corrections of {min(lengths)}-{max(lengths)} characters")
    print("| weight | fit | spam served >= 0.5 | spam mean served | ham served < 0.5 "
          "| ham mean served |")
    print("|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_model(root / "model", write_base(root / "base"))
        base = load_base(root / "base")
        for weight in args.weights:
            for fitting in (False, True):
                model = read_model(root / "model")
                if fitting:
                    model.meta["long_calibration"] = LONG
                candidate = fit_candidate(model, base, fixes, ["phishing"], weight,
                                          lambda _: None, method="finetune")
                model.meta["long_calibration"] = LONG  # the candidate serves the map either way
                out = root / f"candidate-{weight:g}-{int(fitting)}"
                write_candidate(out, "tiny-2", model, candidate, {})
                engine = load_engine(out)
                served = engine.score(texts)[:, engine.labels.index("phishing")]
                spam, ham = served[:40], served[40:]
                print(f"| {weight:g} | {'fitting' if fitting else 'ignoring'} the map "
                      f"| {(spam >= 0.5).sum()}/40 | {spam.mean():.3f} "
                      f"| {(ham < 0.5).sum()}/40 | {ham.mean():.3f} |")


if __name__ == "__main__":
    main()
