"""Benchmark the two store backends in one run: SQLite (1 process) beside PostgreSQL (1 and 2).

    .venv/bin/python scripts/bench_store.py                       # 3 runs, print the medians
    .venv/bin/python scripts/bench_store.py --runs 3 --write      # ... and write docs/BENCHMARKS.md
    .venv/bin/python scripts/bench_store.py --postgres URL        # an existing, empty database
    .venv/bin/python scripts/bench_store.py --drivers             # asyncpg beside psycopg 3

--drivers compares the two asyncio PostgreSQL drivers on one connection (needs
`pip install "psycopg[binary]>=3.2,<4"`, not a dependency): an autocommitted INSERT (a commit
each), a SELECT by key, and executemany of INSERTs in one transaction (how group commit writes).

Workloads, each driven by wrk (its own process, 2 threads) at --connections connections split
over the server processes: classifyText with one webhook on (every call writes its event
and a delivery durably; a local receiver, a bare aiohttp process, answers each delivery 200),
and recordUserClassification (one durable feedback row per call). Configurations:
`spectrum-rpc serve` on a SQLite file in a temporary directory, on PostgreSQL with one
process, and with two processes on the same database. Without --postgres, a throwaway
PostgreSQL server is started in a temporary directory (initdb and pg_ctl, as in the tests;
as root it runs as the `postgres` account). Figures are medians over runs. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serving import (
    ROOT,
    TEXT,
    bench_parser,
    cli,
    drive,
    environment,
    free_port,
    make_key,
    postgres,
    probe,
    receiver,
    servers,
    write_section,
)

SECTION = "## Store backends: SQLite and PostgreSQL"

WORKLOADS = {
    "classifyText, webhook on": {"jsonrpc": "2.0", "method": "classifyText",
                                 "params": {"text": TEXT}, "id": 1},
    "recordUserClassification": {"jsonrpc": "2.0", "method": "recordUserClassification",
                                 "params": {"content": TEXT, "shouldBlock": True}, "id": 1},
}  # fmt: skip


def measure(location: str, processes: int, workload: str, args: argparse.Namespace,
            work: Path, hook_url: str) -> tuple[float, float]:  # fmt: skip
    """Serve on `location` with N processes, drive the workload; return (req/s, p99 ms)."""
    env = environment()
    key = make_key(location, env)
    if workload.startswith("classifyText"):
        cli("webhooks", "add", "--db", location, "--url", hook_url, env=env)
    with servers(location, processes, work, env) as started:
        body = work / f"{workload.split(',')[0]}.json"
        body.write_text(json.dumps(WORKLOADS[workload]))
        ports = [port for _, port in started]
        for port in ports:  # a refusal here would make every figure meaningless
            probe(port, key, body.read_bytes())
        return drive(ports, key, body, args.connections, args.seconds)


def measure_retrying(kind: str, processes: int, workload: str, args: argparse.Namespace,
                     work: Path, server: object, counter: list[int],
                     hook_port: int) -> tuple[float, float]:  # fmt: skip
    """Measure on a fresh database; once more if wrk came back without a result."""
    for attempt in (1, 2):
        location = fresh(kind, work, server, counter)
        try:
            return measure(location, processes, workload, args, work,
                           f"http://127.0.0.1:{hook_port}/hook")  # fmt: skip
        except SystemExit as failed:
            if attempt == 2:
                raise
            print(f"measuring again: {str(failed).splitlines()[0]}", flush=True)
    raise AssertionError("unreachable")


def fresh(kind: str, work: Path, server: object, counter: list[int]) -> str:
    counter[0] += 1
    if kind == "sqlite":
        return str(work / f"bench-{counter[0]}.db")
    return server.create_database()  # type: ignore[attr-defined]


DRIVER_ROWS = 2000


async def _asyncpg_loop(url: str) -> tuple[float, float, float]:
    import asyncpg

    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE IF NOT EXISTS a (id SERIAL PRIMARY KEY, v TEXT, x FLOAT8)")
    t0 = time.perf_counter()
    for _ in range(DRIVER_ROWS):
        await conn.execute("INSERT INTO a(v, x) VALUES ($1, $2)", "hello", 1.0)
    t1 = time.perf_counter()
    for i in range(DRIVER_ROWS):
        await conn.fetch("SELECT id, v, x FROM a WHERE id = $1", i)
    t2 = time.perf_counter()
    async with conn.transaction():
        await conn.executemany("INSERT INTO a(v, x) VALUES ($1, $2)", [("b", 2.0)] * DRIVER_ROWS)
    t3 = time.perf_counter()
    await conn.close()
    return t1 - t0, t2 - t1, t3 - t2


async def _psycopg_loop(url: str) -> tuple[float, float, float]:
    import psycopg

    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    await conn.execute("CREATE TABLE IF NOT EXISTS p (id SERIAL PRIMARY KEY, v TEXT, x FLOAT8)")
    t0 = time.perf_counter()
    for _ in range(DRIVER_ROWS):
        await conn.execute("INSERT INTO p(v, x) VALUES (%s, %s)", ("hello", 1.0))
    t1 = time.perf_counter()
    for i in range(DRIVER_ROWS):
        await (await conn.execute("SELECT id, v, x FROM p WHERE id = %s", (i,))).fetchall()
    t2 = time.perf_counter()
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany("INSERT INTO p(v, x) VALUES (%s, %s)", [("b", 2.0)] * DRIVER_ROWS)
    t3 = time.perf_counter()
    await conn.close()
    return t1 - t0, t2 - t1, t3 - t2


def drivers(server: object, runs: int) -> str:
    """Time asyncpg and psycopg 3 on the same loops; return a Markdown table of medians."""
    import asyncio

    url = server.create_database()  # type: ignore[attr-defined]
    times: dict[str, list[tuple[float, float, float]]] = {"asyncpg": [], "psycopg 3": []}
    for _ in range(runs):
        times["asyncpg"].append(asyncio.run(_asyncpg_loop(url)))
        times["psycopg 3"].append(asyncio.run(_psycopg_loop(url)))  # libpq reads the URL too
    lines = ["| driver | INSERT, autocommit | SELECT by key | executemany in a transaction |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for name, got in times.items():
        cells = [statistics.median(t[i] for t in got) / DRIVER_ROWS * 1e6 for i in range(3)]
        lines.append(f"| {name} | {cells[0]:,.0f} µs | {cells[1]:,.0f} µs |"
                     f" {cells[2]:,.1f} µs a row |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--drivers", action="store_true", help="asyncpg beside psycopg 3")
    args = parser.parse_args()
    if args.receiver:
        receiver(args.receiver)
        return 0
    with postgres(args.postgres) as server:
        if args.drivers:
            print(drivers(server, args.runs))
            return 0
        figures = measure_all(server, args)
    text = report(figures, CONFIGS, args)
    print(text)
    if args.write:
        write_section(text, ROOT / "docs" / "BENCHMARKS.md", SECTION)
    return 0


CONFIGS = [("SQLite, 1 process", "sqlite", 1), ("PostgreSQL, 1 process", "postgresql", 1),
           ("PostgreSQL, 2 processes", "postgresql", 2)]  # fmt: skip


def measure_all(server: object, args: argparse.Namespace) -> dict:
    """Every workload in every configuration, `args.runs` times."""
    hook_port = free_port()
    hook = subprocess.Popen([sys.executable, __file__, "--receiver", str(hook_port)])
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    counter = [0]
    try:
        time.sleep(1)
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            work = Path(tmp)
            for run in range(args.runs):
                for workload in WORKLOADS:
                    for name, kind, processes in CONFIGS:
                        rps, p99 = measure_retrying(kind, processes, workload, args, work,
                                                    server, counter, hook_port)  # fmt: skip
                        figures.setdefault((workload, name), []).append((rps, p99))
                        print(f"run {run + 1}: {workload} / {name}: {rps:,.0f} req/s,"
                              f" p99 {p99:.1f} ms", flush=True)  # fmt: skip
    finally:
        hook.terminate()
        hook.wait(timeout=30)
    return figures


def report(figures: dict, configs: list, args: argparse.Namespace) -> str:
    lines = [SECTION, "",
             f"`.venv/bin/python scripts/bench_store.py --runs {args.runs} --seconds "
             f"{args.seconds} --connections {args.connections}` (medians of {args.runs} runs; "
             f"{os.cpu_count()} cores shared by the servers, PostgreSQL, wrk and the webhook "
             "receiver; one engine worker per server process).", "",
             "| workload | " + " | ".join(name for name, _, _ in configs) + " |",
             "| --- |" + " --- |" * len(configs)]  # fmt: skip
    for workload in WORKLOADS:
        cells = []
        for name, _, _ in configs:
            runs = figures[(workload, name)]
            rps = statistics.median(r for r, _ in runs)
            p99 = statistics.median(p for _, p in runs)
            cells.append(f"{rps:,.0f} req/s (p99 {p99:.0f} ms)")
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
