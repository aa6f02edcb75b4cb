"""Print a digest of the shipped engine's scores, so a refactoring can prove scores unchanged.

Scores a fixed sample of texts from ../shared/data (short comments, SMS, e-mails, a few long
texts that go through the windowed path) three ways: each text alone, in batches of 17, and all
at once; checks that the three agree bit for bit; and prints one SHA-256 over the raw float64
bytes. Run it before and after a change and compare the digests:

    .venv/bin/python scripts/score_digest.py --data-dir ../shared/data

Texts longer than one window are scored at several window scales (engine/windows.py SCALES);
`--first-scale-only` scores them at the first alone, as before the other scales were added
(the long texts' scores of those revisions, and every short text's score, bit for bit), and
prints the digest of the shorter texts alone as well (which no scale changes).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from spectrum_rpc.engine import fits_one_window, load_engine


def sample_texts(root: Path, per_source: int) -> list[str]:
    """Return a deterministic mix of texts: every k-th row of several sources, plus long ones."""
    texts: list[str] = []
    olid = (root / "toxicity/olid/test_text.txt").read_text(encoding="utf-8").splitlines()
    texts += olid[:: max(1, len(olid) // per_source)][:per_source]
    with open(root / "spam/sms_spam_collection.tsv", encoding="utf-8") as f:
        rows = [r[1] for r in csv.reader(f, delimiter="\t") if len(r) > 1][1:]
    texts += rows[:: max(1, len(rows) // per_source)][:per_source]
    lines = (root / "moderation/openai_moderation_dev.jsonl").read_text().splitlines()
    prompts = [json.loads(line)["prompt"] for line in lines]
    texts += prompts[:: max(1, len(prompts) // per_source)][:per_source]
    texts += ["", "a", "ok", "f*ck you", "send me nudes", "😀" * 3]
    long_base = " ".join(prompts[:40])
    texts += [long_base * 30, (olid[0] + " ") * 2000]  # windowed path, tens of kilobytes
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("SPECTRUM_RPC_DATA_DIR",
                                                             "../shared/data"))
    parser.add_argument("--per-source", type=int, default=100)
    parser.add_argument("--first-scale-only", action="store_true",
                        help="score long texts at the first window scale only")
    args = parser.parse_args()
    texts = sample_texts(Path(args.data_dir), args.per_source)
    engine = load_engine()
    if args.first_scale_only:
        engine.scales = engine.scales[:1]
    alone = np.vstack([engine.score([t]) for t in texts])
    batched = np.vstack([engine.score(texts[i:i + 17]) for i in range(0, len(texts), 17)])
    together = engine.score(texts)
    if not (np.array_equal(alone, batched) and np.array_equal(alone, together)):
        print("scores differ between alone, batches of 17 and all at once", file=sys.stderr)
        return 1
    digest = hashlib.sha256(np.ascontiguousarray(alone, dtype=np.float64).tobytes()).hexdigest()
    print(f"{len(texts)} texts, {alone.shape[1]} scores each, model {engine.version}: {digest}")
    short = np.array([fits_one_window(t) for t in texts])
    digest = hashlib.sha256(np.ascontiguousarray(alone[short], dtype=np.float64).tobytes())
    print(f"the {short.sum()} texts that fit one window: {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
