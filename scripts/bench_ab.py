"""Time the full analysis of two checkouts of the project, A and B, rounds interleaved.

    git worktree add /tmp/before main
    .venv/bin/python scripts/bench_ab.py /tmp/before . --rounds 6

Each round runs `scripts/bench_classify.py --analysis --runs 1` of A then B (B then A on odd
rounds, so that neither always runs first), each in its own process with its own checkout first
on the import path, and the table prints the median over rounds of each step's CPU p50. On a
shared machine the load drifts during a run; interleaving puts A and B under the same drift.
With `--check`, each checkout first prints `scripts/analysis_digest.py`'s digest of every
detector's output on a fixed check set (this checkout's script, each checkout's code), and the
run stops if they differ: a speed-up must not change an answer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path


def run(root: Path, huge_mb: float) -> dict[str, float]:
    """Return each step's CPU p50 in µs from one run of the analysis bench in `root`."""
    out = subprocess.run(
        [sys.executable, "scripts/bench_classify.py", "--analysis", "--runs", "1",
         "--huge-mb", str(huge_mb)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
        check=True).stdout
    steps: dict[str, float] = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[3].endswith("µs"):
            steps[cells[0]] = float(cells[3].split()[0])
        if line.startswith("One "):
            break
    return steps


def digest(root: Path, data_dir: Path) -> str:
    """Return the analysis digest of the code in `root` (this checkout's digest script)."""
    script = Path(__file__).resolve().parent / "analysis_digest.py"
    return subprocess.run(
        [sys.executable, str(script), "--data-dir", str(data_dir.resolve())],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
        check=True).stdout.strip()


def main(argv: list[str] | None = None) -> None:
    """Print the medians of A and B side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="checkout A (before)")
    parser.add_argument("b", type=Path, help="checkout B (after)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--huge-mb", type=float, default=0.01, help="the huge text (not shown)")
    parser.add_argument("--check", action="store_true",
                        help="first compare the outputs of A and B (scripts/analysis_digest.py)")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"),
                        help="the shared data, for --check")
    args = parser.parse_args(argv)
    roots = {"A": args.a.resolve(), "B": args.b.resolve()}
    if args.check:
        digests = {name: digest(root, args.data_dir) for name, root in roots.items()}
        for name, found in digests.items():
            print(f"{name} outputs: {found}", file=sys.stderr)
        if digests["A"] != digests["B"]:
            sys.exit("A and B answer differently: not a like-for-like comparison")
    results: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for i in range(args.rounds):
        for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
            results[name].append(run(roots[name], args.huge_mb))
            print(f"round {i + 1} {name}: full analysis "
                  f"{results[name][-1].get('full analysis', float('nan')):.0f} µs", file=sys.stderr)
    steps = list(dict.fromkeys(s for r in results["B"] + results["A"] for s in r))
    print("| step | A cpu p50 | B cpu p50 |\n|---|---:|---:|")
    for step in steps:
        cells = []
        for name in ("A", "B"):
            values = [r[step] for r in results[name] if step in r]
            cells.append(f"{statistics.median(values):.0f} µs" if values else "-")
        print(f"| {step} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
