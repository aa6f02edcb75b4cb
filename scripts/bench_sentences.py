"""Benchmark splitting a long text into sentences for moderateText's `sentences` (at most
MAX_SPANS runs): memory and CPU of `sentences.grouped` (two passes, holding MAX_SPANS runs)
next to listing every sentence first (what it did before), on hostile inputs.

Each case runs in a fresh child process (its peak RSS growth is its own): seconds are the median
of --runs runs, memory the largest growth of the process's peak RSS over the text itself.

    python scripts/bench_sentences.py [--mb 15] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

from spectrum_rpc.analysis import SENTENCE_RUNS as MAX_SPANS
from spectrum_rpc.analysis import group_sentences as grouped
from spectrum_rpc.analysis import split_sentences as split

CASES = {
    "a. ": "a. ",
    "a\\n": "a\n",
    "prose": "This is a fairly ordinary sentence of text. ",
}
WAYS = ("grouped", "listed")


def one(case: str, way: str, mb: float) -> tuple[float, float]:
    """Return (seconds, MB of peak RSS growth) of one way over `mb` MB of one case."""
    unit = CASES[case]
    text = unit * int(mb * (1 << 20) // len(unit))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    if way == "grouped":
        runs = grouped(text, MAX_SPANS)
    else:
        spans = list(split(text))
        size = -(-len(spans) // MAX_SPANS)
        runs = [(spans[i][0], spans[min(i + size, len(spans)) - 1][1])
                for i in range(0, len(spans), size)]
    seconds = time.process_time() - started
    assert len(runs) == MAX_SPANS
    return seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("CASE", "WAY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(*one(*args.one, args.mb))
        return
    print(f"| text ({args.mb:g} MB) | way | CPU s (median of {args.runs}) | peak RSS growth MB |")
    print("| --- | --- | --- | --- |")
    for case in CASES:
        for way in WAYS:
            found = [subprocess.run([sys.executable, __file__, "--mb", str(args.mb),
                                     "--one", case, way], capture_output=True, text=True,
                                    check=True).stdout.split() for _ in range(args.runs)]
            seconds = statistics.median(float(s) for s, _ in found)
            grown = max(float(m) for _, m in found)
            print(f"| `{case}` | {way} | {seconds:.1f} | {grown:.0f} |")


if __name__ == "__main__":
    main()
