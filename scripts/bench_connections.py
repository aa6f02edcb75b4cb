"""Connection floods: the audit's reproduction against a real server with a low file limit.

    .venv/bin/python scripts/bench_connections.py           # print the figures
    .venv/bin/python scripts/bench_connections.py --write   # ... and write docs/BENCHMARKS.md

Starts `spectrum-rpc serve` with an open-file limit of 1,024 (as a default Linux login), then
opens 1,100 TCP connections that never send a byte and 200 that send their headers a byte per
second (slowloris); once they are open, one real client calls GET /healthz in a loop for 20 s,
on a new connection each time. Reports the
real client's requests answered and failed, its p99 latency, and the server's log: lines and
bytes written during the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import ROOT, SCRIPT, free_port, stop, wait_up  # noqa: E402
from serving import write_section as write_doc_section  # noqa: E402

SECTION = "## Connection floods"
FILE_LIMIT = 1024


def lower_file_limit() -> None:  # in the server's process, before exec
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (FILE_LIMIT, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


async def idle(host: str, port: int, n: int, opened: asyncio.Event,
               hold: asyncio.Event) -> None:
    """Open `n` connections that send nothing, keep them until `hold` is set."""
    async def connect() -> asyncio.StreamWriter | None:
        try:
            return (await asyncio.wait_for(asyncio.open_connection(host, port), 5))[1]
        except (OSError, TimeoutError):
            return None

    writers = []
    for start in range(0, n, 100):  # in waves: a server out of descriptors stalls each a while
        wave = await asyncio.gather(*(connect() for _ in range(min(100, n - start))))
        writers += [writer for writer in wave if writer is not None]
    opened.set()
    await hold.wait()
    for writer in writers:
        writer.close()


async def slowloris(host: str, port: int, hold: asyncio.Event) -> None:
    """Send a request's headers a byte per second until `hold` is set or the server closes."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, TimeoutError):
        return
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
    try:
        for byte in head:
            if hold.is_set() or reader.at_eof():
                break
            writer.write(bytes([byte]))
            await asyncio.sleep(1)
    except OSError:
        pass
    writer.close()


async def real_client(url: str, seconds: float) -> tuple[int, int, list[float]]:
    answered = failed = 0
    latencies = []
    end = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=10)
    # A new connection per request, as most clients of a moderation API under attack would
    # need: one kept alive from before the attack would not show whether new ones get in.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        while time.monotonic() < end:
            start = time.perf_counter()
            try:
                async with session.get(url + "/healthz") as resp:
                    await resp.read()
                    answered += resp.status == 200
                    failed += resp.status != 200
            except (aiohttp.ClientError, TimeoutError):
                failed += 1
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(0.1)
    return answered, failed, latencies


async def attack(host: str, port: int, args: argparse.Namespace) -> tuple[int, int, float]:
    opened, hold = asyncio.Event(), asyncio.Event()
    flood = [*(asyncio.create_task(slowloris(host, port, hold)) for _ in range(args.slow)),
             asyncio.create_task(idle(host, port, args.idle, opened, hold))]
    await opened.wait()
    answered, failed, latencies = await real_client(f"http://{host}:{port}", args.seconds)
    hold.set()
    await asyncio.gather(*flood)
    latencies.sort()
    return answered, failed, latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(SCRIPT), "serve", "--db", str(Path(tmp) / "s.db"), "--port", str(port)],
                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=lower_file_limit)
        try:
            wait_up(f"http://127.0.0.1:{port}/healthz", process)
            before = log_path.stat().st_size
            answered, failed, p99 = asyncio.run(attack("127.0.0.1", port, args))
            written = log_path.read_bytes()[before:]
        finally:
            stop(process)
    noise = [line for line in written.splitlines() if b" INFO aiohttp.access " not in line]
    return ("| attack | real requests answered | failed | p99 | log besides the access log |\n"
            "| --- | --: | --: | --: | --: |\n"
            f"| {args.idle} idle + {args.slow} slowloris connections, file limit {FILE_LIMIT}, "
            f"{args.seconds:.0f} s | {answered} | {failed} | {p99 * 1000:.0f} ms | "
            f"{len(noise)} lines, {sum(map(len, noise)) / 1000:.1f} KB |")


def write_section(text: str, path: Path) -> None:
    """Replace this script's section of docs/BENCHMARKS.md up to its first `###` heading;
    append it when missing."""
    write_doc_section(text, path, SECTION)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=1100)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = parser.parse_args()
    load = os.getloadavg()
    report = (f"{run(args)}\n\nDefault settings (server.max_connections derived from the file "
              f"limit, server.idle_timeout 75 s); {os.cpu_count()} CPUs, load average "
              f"{load[0]:.1f} at the start, Python {sys.version.split()[0]}.")
    print(report)
    if args.write:
        write_section(f"{SECTION}\n\nCommand: `python scripts/bench_connections.py --write`\n\n"
                      f"{report}\n", ROOT / "docs/BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
