"""Check that two model directories differ only in the given labels (e.g. a sexual-only change).

    .venv/bin/python scripts/compare_labels.py spectrum_rpc/models var/sexual-1 --changed sexual \
        --data-dir ../shared/data

Compares, for every label but the `--changed` ones, bit for bit: the linear tier's weight column
and bias (and the shared vocabulary and idf), the stack's rows (and its shared word table), the
served calibration, default threshold and encoder band recorded in engine.json, and the served
scores of a sample of texts (the held-out test parts' first rows and the functional table).
Prints each check; exits 1 when any unchanged label differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import data_dir, functional, load_corpus

PER_TEST = 400


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _rows(arrays: dict[str, np.ndarray], keep: list[int], names: tuple[str, ...]
          ) -> dict[str, np.ndarray]:
    return {k: arrays[k][keep] for k in names}


def compare(a: Path, b: Path, changed: set[str], texts: list[str]) -> list[tuple[str, bool]]:
    """Return (check, identical) for every check."""
    checks: list[tuple[str, bool]] = []
    la, lb = _arrays(a / "linear.npz"), _arrays(b / "linear.npz")
    labels = [str(x) for x in la["labels"]]
    checks.append(("linear: labels", labels == [str(x) for x in lb["labels"]]))
    for key in ("vocabulary", "idf"):
        checks.append((f"linear: {key}", np.array_equal(la[key], lb[key])))
    for j, label in enumerate(labels):
        if label in changed:
            continue
        checks.append((f"linear: {label} weights and bias",
                       np.array_equal(la["weights"][:, j], lb["weights"][:, j])
                       and la["bias"][j] == lb["bias"][j]))
    if (a / "stack.npz").is_file() or (b / "stack.npz").is_file():
        sa, sb = _arrays(a / "stack.npz"), _arrays(b / "stack.npz")
        for key in ("labels", "words", "embedding", "lexicon_category"):
            checks.append((f"stack: {key}", np.array_equal(sa[key], sb[key])))
        for i, label in enumerate(str(x) for x in sa["labels"]):
            if label in changed:
                continue
            same = all(np.array_equal(sa[k][i], sb[k][i])
                       for k in ("embedding_weights", "reference_weights", "lexicon_weights"))
            checks.append((f"stack: {label} row", same))
    ea = json.loads((a / "engine.json").read_text())
    eb = json.loads((b / "engine.json").read_text())
    ca, cb = ea.get("served_calibration", {}), eb.get("served_calibration", {})
    for label in sorted(set(ca.get("platt", {})) - changed):
        checks.append((f"engine.json: {label} served Platt", ca["platt"][label]
                       == cb.get("platt", {}).get(label)))
        checks.append((f"engine.json: {label} default threshold",
                       ca["thresholds"][label] == cb.get("thresholds", {}).get(label)))
    for label in sorted(set(ea.get("calibration", {})) - changed):
        checks.append((f"engine.json: {label} calibration note",
                       ea["calibration"][label] == eb.get("calibration", {}).get(label)))
    bands_a = [x for x in ea.get("encoder", {}).get("bands", []) if x.get("label") not in changed]
    bands_b = [x for x in eb.get("encoder", {}).get("bands", []) if x.get("label") not in changed]
    checks.append(("engine.json: encoder bands of the other labels", bands_a == bands_b))
    first, second = load_engine(a), load_engine(b)
    pa, pb = first.score(texts), second.score(texts)
    for j, label in enumerate(first.labels):
        if label in changed:
            continue
        k = second.labels.index(label)
        checks.append((f"scores: {label} on {len(texts)} texts", np.array_equal(pa[:, j],
                                                                                 pb[:, k])))
    return checks


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the checks, print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--changed", default="sexual", help="labels allowed to differ")
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    args = parser.parse_args(argv)
    corpus = load_corpus(data_dir(args.data_dir))
    texts = [s.text for test in corpus.tests.values() for s in test[:PER_TEST]]
    texts += [case.text for case in functional.build_table()]
    changed = set(filter(None, args.changed.split(",")))
    checks = compare(args.before, args.after, changed, texts)
    for name, same in checks:
        print(f"{'identical' if same else 'DIFFERS  '}  {name}")
    return 0 if all(same for _, same in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
