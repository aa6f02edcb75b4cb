"""What a large text's full analysis costs everyone else: classifyText latency on a real server
while one moderateText of a large text runs every detector, with the detectors in a thread
(`engine.detector_process_chars = 0`) and in the child process (the default), same run.

    .venv/bin/python scripts/bench_large_analysis.py [--mb 15] [--rounds 3] [--write]

For each setting and round: a fresh `spectrum-rpc serve`; one client sends classifyText
requests of ~100 characters one after another (one connection) from when the large request is
sent until it is answered; the figures are the medians over rounds of that client's p50, p99
and requests answered per second, and of the large request's time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_body_budget import server  # noqa: E402
from serving import ROOT, write_section  # noqa: E402

SECTION = "## Large texts and everyone else"
SENTENCE = ("Mail me at someone@example.com or call 020 7946 0958, you idiot; "
            "the meeting moved to Tuesday at our office. ")
SHORT = "thanks for the update, see you at the meeting tomorrow morning"
DETECT = ["pii", "profanity", "language", "sentiment"]
SETTINGS = {"thread": {"SPECTRUM_RPC_ENGINE_DETECTOR_PROCESS_CHARS": "0"},
            "child process": {}}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(url: str, key: str, large: bytes) -> tuple[float, float, float, float]:
    """Return (p50 ms, p99 ms, small requests per second, large request seconds)."""
    headers = {"Authorization": f"Apikey {key}", "Content-Type": "application/json"}
    small = orjson.dumps({"jsonrpc": "2.0", "method": "classifyText", "id": 1,
                          "params": {"text": SHORT}})
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async def post(body: bytes) -> None:
            async with session.post(url + "/api/v1/classification", data=body,
                                    headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status

        for _ in range(20):  # warm: engine, connection
            await post(small)
        started = time.perf_counter()
        big = asyncio.ensure_future(post(large))
        latencies: list[float] = []
        while not big.done():
            t = time.perf_counter()
            await post(small)
            latencies.append(time.perf_counter() - t)
        await big
        took = time.perf_counter() - started
    return (percentile(latencies, 0.5) * 1e3, percentile(latencies, 0.99) * 1e3,
            len(latencies) / took, took)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = SENTENCE * int(args.mb * 1e6 / len(SENTENCE))
    large = orjson.dumps({"jsonrpc": "2.0", "method": "moderateText", "id": 2,
                          "params": {"text": text, "options": {"detect": DETECT}}})
    load = os.getloadavg()[0]
    rows = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, env in SETTINGS.items():  # interleaved: both see the same machine
            with tempfile.TemporaryDirectory() as work, server(Path(work), env) as (_, url, key):
                rows[name].append(asyncio.run(measure(url, key, large)))
    lines = ["| detectors of the large text | classifyText p50 | p99 | classifyText/s | "
             "large request |", "|---|--:|--:|--:|--:|"]
    for name, runs in rows.items():
        p50, p99, rate, took = (statistics.median(r[i] for r in runs) for i in range(4))
        lines.append(f"| {name} | {p50:.1f} ms | {p99:.1f} ms | {rate:.0f} | {took:.1f} s |")
    report = "\n".join(lines) + (
        f"\n\nOne moderateText of {len(text) / 1e6:.1f} MB (detectors {', '.join(DETECT)}), "
        f"medians of {args.rounds} rounds; {os.cpu_count()} CPUs, load average {load:.1f} at "
        f"the start, Python {sys.version.split()[0]}.")
    print(report)
    if args.write:
        command = f"python scripts/bench_large_analysis.py --mb {args.mb:g} --rounds {args.rounds}"
        write_section(f"{SECTION}\n\nCommand: `{command} --write`\n\n{report}\n",
                      ROOT / "docs/BENCHMARKS.md", SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
