"""Start-up time and resident memory of `spectrum-rpc serve`, and what it loaded.

Starts the server on a fresh SQLite database in a temporary directory, times it until
`/healthz` answers, then reads from /proc the resident memory of the server and of its engine
processes, and whether any of them mapped scikit-learn or SciPy (serving must not load them).
Several runs, medians printed. To compare two checkouts in one run, pass each one's console
script, alternating:

    .venv/bin/python scripts/bench_startup.py --runs 5 \
        --command .venv/bin/spectrum-rpc --command ../before/.venv/bin/spectrum-rpc
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import SCRIPT, free_port  # noqa: E402


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def maps_any(pid: int, names: tuple[str, ...]) -> bool:
    text = Path(f"/proc/{pid}/maps").read_text()
    return any(f"/{name}/" in text for name in names)


def one_run(command: str, settle: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = Path(tmp) / "bench.db"
        subprocess.run([command, "keys", "create", "--name", "bench", "--db", str(db)],
                       check=True, capture_output=True)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [command, "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None:
                        code = proc.returncode
                        raise RuntimeError(f"{command} serve exited with {code}") from None
                    time.sleep(0.01)
            ready = time.perf_counter() - started
            time.sleep(settle)  # let the engine processes finish loading their models
            pids = [proc.pid, *children(proc.pid)]
            return {
                "ready_s": ready,
                "server_rss_mib": rss_kib(proc.pid) / 1024,
                "total_rss_mib": sum(rss_kib(p) for p in pids) / 1024,
                "processes": len(pids),
                "sklearn_or_scipy_loaded": float(any(maps_any(p, ("sklearn", "scipy"))
                                                     for p in pids)),
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--command", action="append", help="a spectrum-rpc console script "
                        "(repeat to compare; default: this interpreter's)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=3.0)
    args = parser.parse_args()
    commands = args.command or [str(SCRIPT)]
    results: dict[str, list[dict[str, float]]] = {c: [] for c in commands}
    for _ in range(args.runs):
        for command in commands:  # alternate, so drift of the machine hits each alike
            results[command].append(one_run(command, args.settle))
    print("| command | ready (s) | server RSS (MiB) | all processes RSS (MiB) | processes "
          "| sklearn/scipy mapped |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for command, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        span = f"{min(r['ready_s'] for r in runs):.2f}-{max(r['ready_s'] for r in runs):.2f}"
        loaded = "yes" if any(r["sklearn_or_scipy_loaded"] for r in runs) else "no"
        print(f"| `{os.path.relpath(command)}` | {med['ready_s']:.2f} ({span}) | "
              f"{med['server_rss_mib']:.0f} | {med['total_rss_mib']:.0f} | "
              f"{med['processes']:.0f} | {loaded} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
