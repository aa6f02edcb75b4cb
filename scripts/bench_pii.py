"""Benchmark the personal-data detectors: cost per 100-character comment, and long inputs.

- Per detector and mode, the mean CPU time (`time.thread_time`) of one call on 100-character
  slices of real comments: OLID test tweets (typical comments) and SMS spam (full of phone
  numbers and URLs, the expensive case). Each figure is the median of --runs runs.
- Seconds for 1 MB of pathological input per detector at PARANOID ("a@" repeated, a digit run,
  spaced digits, dots, "at dot") and for a 15 MB mixed text with every detector.

    python scripts/bench_pii.py --data-dir ../shared/data [--runs 5] [--long]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from spectrum_rpc.engine.pii import DETECTORS, Mode

PATHOLOGICAL = {
    "a@ repeats": "a@" * 500_000,
    "digit run": "1234567890" * 100_000,
    "spaced digits": "1 " * 500_000,
    "dots": "a." * 500_000,
    "at dot words": "x at y dot " * 90_000,
    "grouped digits": "1234 5678 " * 100_000,
}


def comments(data_dir: Path, count: int = 300) -> dict[str, list[str]]:
    """Return 100-character slices of OLID test tweets and of SMS spam messages."""
    olid = (data_dir / "toxicity" / "olid" / "test_text.txt").read_text(encoding="utf-8")
    tweets = [line[:100] for line in olid.splitlines() if len(line) >= 80][:count]
    with (data_dir / "spam" / "sms_spam_collection.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    spam = [text[:100] for label, text in rows if label == "spam" and len(text) >= 80][:count]
    return {"OLID tweets": tweets, "SMS spam": spam}


def cost(find: Callable[[str, Mode], object], texts: list[str], mode: Mode, runs: int) -> float:
    """Median over runs of the mean CPU microseconds of one call."""
    for text in texts[:20]:
        find(text, mode)  # warm caches (TLD list, phone metadata)
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        for text in texts:
            find(text, mode)
        samples.append((time.thread_time() - start) / len(texts) * 1e6)
    return statistics.median(samples)


def per_comment(sets: dict[str, list[str]], runs: int) -> list[str]:
    """Markdown table of per-detector cost per 100-character comment."""
    lines = ["| texts | detector | NORMAL µs | SUSPICIOUS µs | PARANOID µs |", "|---" * 5 + "|"]
    for name, texts in sets.items():
        totals = dict.fromkeys(Mode, 0.0)
        for kind, find in DETECTORS.items():
            figures = {mode: cost(find, texts, mode, runs) for mode in Mode}
            for mode, value in figures.items():
                totals[mode] += value
            lines.append(f"| {name} | {kind} | " + " | ".join(f"{figures[m]:.1f}" for m in Mode)
                         + " |")
        lines.append(f"| {name} | **all six** | " + " | ".join(f"**{totals[m]:.1f}**"
                                                             for m in Mode) + " |")
    return lines


def long_inputs(sets: dict[str, list[str]]) -> list[str]:
    """Markdown table of seconds for 1 MB pathological inputs and a 15 MB mixed text."""
    lines = ["| input | size | detector | seconds (PARANOID) |", "|---" * 4 + "|"]
    for name, text in PATHOLOGICAL.items():
        for kind, find in DETECTORS.items():
            start = time.thread_time()
            find(text, Mode.PARANOID)
            lines.append(f"| {name} | {len(text) / 1e6:.1f} MB | {kind} | "
                         f"{time.thread_time() - start:.2f} |")
    mixed = " ".join(t for texts in sets.values() for t in texts)
    big = (mixed + " ") * (15_000_000 // (len(mixed) + 1) + 1)
    for mode in Mode:
        start = time.thread_time()
        for find in DETECTORS.values():
            find(big, mode)
        lines.append(f"| comments repeated | {len(big) / 1e6:.1f} MB | all six, {mode.name} | "
                     f"{time.thread_time() - start:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--long", action="store_true", help="also time 1 MB and 15 MB inputs")
    args = parser.parse_args(argv)
    sets = comments(Path(args.data_dir))
    print("\n".join(per_comment(sets, args.runs)))
    if args.long:
        print()
        print("\n".join(long_inputs(sets)))


if __name__ == "__main__":
    main()
