"""Resident memory of one pytest process over a group of test files.

Runs `python -m pytest -q -p no:cacheprovider ARGS...` in a child process and reads its VmRSS
from /proc every `--interval` seconds (the pytest process only, not the engine processes or
servers it starts), then prints the peak and the last sample. Several runs, medians printed.
Everything after `--` goes to pytest:

    SPECTRUM_RPC_DATA_DIR=../shared/data nice -n 10 .venv/bin/python scripts/bench_test_memory.py \
        --runs 3 -- tests/api/test_moderationapi.py tests/api/test_moderate_text.py

To compare with another checkout, run its copy of the script with its own interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def rss_mib(pid: int) -> float:
    """The process's resident set in MiB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_run(pytest_args: list[str], interval: float) -> dict[str, float]:
    """Run pytest once; its peak and last sampled RSS, the samples taken and its exit code."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    samples = []
    while child.poll() is None:
        if (sample := rss_mib(child.pid)) > 0:
            samples.append(sample)
        time.sleep(interval)
    return {"peak": max(samples, default=0.0), "last": samples[-1] if samples else 0.0,
            "samples": len(samples), "seconds": time.monotonic() - started,
            "returncode": child.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("pytest_args", nargs="+", help="test files and pytest options (after --)")
    args = parser.parse_args()
    runs = []
    for number in range(1, args.runs + 1):
        run = one_run(args.pytest_args, args.interval)
        runs.append(run)
        print(f"run {number}: peak {run['peak']:.0f} MiB, last {run['last']:.0f} MiB, "
              f"{run['samples']} samples, {run['seconds']:.0f} s, pytest exit {run['returncode']}",
              flush=True)
    peaks = [run["peak"] for run in runs]
    print(f"median peak RSS of the pytest process: {statistics.median(peaks):.0f} MiB "
          f"(runs: {', '.join(f'{peak:.0f}' for peak in peaks)})")


if __name__ == "__main__":
    main()
