"""Memory under large bodies: the audit's reproductions against a real server.

    .venv/bin/python scripts/bench_body_budget.py           # print the figures
    .venv/bin/python scripts/bench_body_budget.py --write   # ... and write docs/BENCHMARKS.md

Starts `spectrum-rpc serve` on a fresh database and runs, one after the other:
- gzip: 120 parallel classifyText requests whose gzip bodies (about 30 KB) decode to 15 MB;
- plain: 40 parallel classifyText requests of 15 MB each, uncompressed;
- login: 100 parallel POST /admin/login with 15 KB of gzip that decodes to 15 MB.
For each: the server process's peak RSS (VmRSS from /proc, sampled every 20 ms; the engine's
processes are not counted: the bodies never reach them whole), requests answered 200, refused
503 (the budget is full: Retry-After) or otherwise, and the latency p99.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import ROOT, SCRIPT, free_port, make_key, stop, wait_up, write_section  # noqa: E402

SECTION = "## Memory under large bodies"
SIZE = 15_000_000
SENTENCE = "the quick brown fox jumps over the lazy dog, and you are an idiot for thinking so. "


@dataclass
class Outcome:
    name: str
    requests: int
    statuses: Counter[str]
    p99: float
    peak_rss: int
    rss_before: int


def rpc_body(size: int) -> bytes:
    text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    return orjson.dumps({"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text},
                         "id": 1})


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Sample a process's RSS in a thread; `peak` is the highest since the last `reset`."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss(self.pid))

    def reset(self) -> int:
        self.peak = now = rss(self.pid)
        return now

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def server(work: Path, env: dict[str, str] | None = None
           ) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    """Serve a fresh database in `work` (with `env` added to the environment); yield the
    process, its URL and an API key."""
    db = work / "bench.db"
    key = make_key(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (work / "server.log").open("wb") as log:
        process = subprocess.Popen([str(SCRIPT), "serve", "--db", str(db), "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=log,
                                   env={**os.environ, **(env or {})})
    try:
        try:
            wait_up(url + "/healthz", process)
        except SystemExit as exc:
            raise SystemExit(f"{exc}: {(work / 'server.log').read_text()}") from None
        yield process, url, key
    finally:
        stop(process)


async def one(session: aiohttp.ClientSession, url: str, body: bytes,
              headers: dict[str, str]) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            await resp.read()
            status = str(resp.status)
    except aiohttp.ClientError as exc:
        status = type(exc).__name__
    return status, time.perf_counter() - start


async def burst(url: str, body: bytes, headers: dict[str, str], n: int) -> list[tuple[str, float]]:
    timeout = aiohttp.ClientTimeout(total=600)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        return await asyncio.gather(*(one(session, url, body, headers) for _ in range(n)))


def scenario(name: str, sampler: PeakRss, url: str, body: bytes, headers: dict[str, str],
             n: int) -> Outcome:
    time.sleep(2)  # let the previous scenario's memory settle
    before = sampler.reset()
    results = asyncio.run(burst(url, body, headers, n))
    latencies = sorted(t for _, t in results)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Outcome(name, n, Counter(s for s, _ in results), p99, sampler.peak, before)


def run(args: argparse.Namespace) -> list[Outcome]:
    big = rpc_body(args.size)
    squeezed = gzip.compress(big, 9)
    login = gzip.compress(b"name=" + b"a" * args.size, 9)
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp)) as (process, url, key):
        sampler = PeakRss(process.pid)
        auth = {"Authorization": f"Apikey {key}", "Content-Type": "application/json"}
        try:
            return [
                scenario(f"gzip: {args.gzip} x {len(squeezed) // 1000} KB gzip -> "
                         f"{args.size / 1e6:.0f} MB", sampler, url + "/api/v1/classification",
                         squeezed, {**auth, "Content-Encoding": "gzip"}, args.gzip),
                scenario(f"plain: {args.plain} x {args.size / 1e6:.0f} MB", sampler,
                         url + "/api/v1/classification", big, auth, args.plain),
                scenario(f"login: {args.login} x {len(login) // 1000} KB gzip -> "
                         f"{args.size / 1e6:.0f} MB", sampler, url + "/admin/login", login,
                         {"Content-Encoding": "gzip",
                          "Content-Type": "application/x-www-form-urlencoded"}, args.login),
            ]
        finally:
            sampler.stop()


def table(outcomes: list[Outcome]) -> str:
    lines = ["| scenario | RSS before | peak RSS | answered | p99 |",
             "| --- | --: | --: | --- | --: |"]
    for o in outcomes:
        answered = ", ".join(f"{n} x {s}" for s, n in sorted(o.statuses.items()))
        lines.append(f"| {o.name} | {o.rss_before / 2**20:.0f} MiB | {o.peak_rss / 2**20:.0f} MiB"
                     f" | {answered} | {o.p99:.1f} s |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gzip", type=int, default=120)
    parser.add_argument("--plain", type=int, default=40)
    parser.add_argument("--login", type=int, default=100)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = parser.parse_args()
    load = os.getloadavg()
    outcomes = run(args)
    report = (f"{table(outcomes)}\n\nDefault settings (server.max_pending_body_bytes 128 MiB, "
              f"server.body_wait 30 s, admin.max_body_bytes 64 KiB); {os.cpu_count()} CPUs, "
              f"load average {load[0]:.1f} at the start, Python {sys.version.split()[0]}.")
    print(report)
    if args.write:
        command = "python scripts/bench_body_budget.py --write"
        write_section(f"{SECTION}\n\nCommand: `{command}`\n\n{report}\n",
                      ROOT / "docs/BENCHMARKS.md", SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
