"""Benchmark the JSON-RPC server against a bare aiohttp ceiling, with wrk in its own process.

    .venv/bin/python scripts/bench_rpc.py                    # 3 runs, print the median table
    .venv/bin/python scripts/bench_rpc.py --runs 3 --write   # ... and write docs/BENCHMARKS.md
    .venv/bin/python scripts/bench_rpc.py --metrics on       # the server with /metrics enabled

Workloads: the bare handler, classifyText, OpenAI's /v1/moderations and Perspective's
comments:analyze (TOXICITY, no `languages`: the language is detected, as in Perspective's
Python sample) with one text back to back at each level; then /v1/moderations with an array of
16 texts, and recordUserClassification alone and in batches. Every request sends
`Authorization: Apikey KEY` (/v1/moderations takes it as it takes `Bearer KEY`);
comments:analyze gets the key as Perspective's clients send it, `?key=KEY`. Starts, on free
loopback ports: a real `spectrum-rpc serve`
(database in a temporary directory, key made with `spectrum-rpc keys create`, --log-level
WARNING so there is no access log) and a bare aiohttp server (this script with --bare-server:
parse the body with orjson, answer a fixed JSON-RPC result). wrk drives each workload at each
concurrency; figures are medians over runs.
Needs `wrk` on the PATH (apt-get install wrk). --write replaces the generated top of the
"## JSON-RPC server" section (up to its first "###" subsection) and keeps the hand-written
subsections below it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from serving import LUA, ROOT, RPC_PATH, free_port, make_key, running, serve_command, wrk
from serving import TEXT as SHORT_TEXT
from serving import write_section as write_doc_section

MODERATIONS_PATH = "/v1/moderations"
MODERATIONS = "/v1/moderations (OpenAI)"
ANALYZE_PATH = "/v1alpha1/comments:analyze"
ANALYZE = "comments:analyze (Perspective)"
INPUTS = 16  # texts in the array workload of /v1/moderations
SECTION = "## JSON-RPC server"
BARE = "bare aiohttp (ceiling)"


@dataclass(frozen=True)
class Workload:
    name: str
    target: str  # "bare" or "server"
    body: bytes
    items: int  # durable writes or classifications per request
    path: str = RPC_PATH  # may hold {key}: the API key, in the query string


@dataclass(frozen=True)
class Cell:
    workload: str
    concurrency: int
    rps: float
    items_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # CPU time of the server and its engine processes per request


def rpc(method: str, params: object, id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "method": method, "params": params, "id": id}


def workloads(batch: int) -> list[Workload]:
    classify = json.dumps(rpc("classifyText", {"text": SHORT_TEXT})).encode()
    record = rpc("recordUserClassification", {"content": SHORT_TEXT, "shouldBlock": True})
    batched = [{**record, "id": i} for i in range(batch)]
    return [
        Workload(BARE, "bare", classify, 1),
        Workload("classifyText", "server", classify, 1),
        Workload(MODERATIONS, "server", json.dumps({"model": "omni-moderation-latest",
                                                    "input": SHORT_TEXT}).encode(), 1,
                 MODERATIONS_PATH),
        Workload(ANALYZE, "server", json.dumps({"comment": {"text": SHORT_TEXT},
                                                "requestedAttributes": {"TOXICITY": {}}}).encode(),
                 1, ANALYZE_PATH + "?key={key}"),
        Workload(f"{MODERATIONS} x{INPUTS} inputs", "server",
                 json.dumps({"input": [SHORT_TEXT] * INPUTS}).encode(), INPUTS,
                 MODERATIONS_PATH),
        Workload("recordUserClassification", "server", json.dumps(record).encode(), 1),
        Workload(
            f"recordUserClassification x{batch} batch",
            "server",
            json.dumps(batched).encode(),
            batch,
        ),
    ]


# -- the bare ceiling ----------------------------------------------------------------------------


def bare_server(port: int) -> None:
    """Serve a fixed JSON-RPC answer after parsing the body: the cost of aiohttp + orjson."""
    import orjson
    from aiohttp import web

    result = {
        "toxic": True,
        "toxicityConfidence": 0.86,
        "sexual": False,
        "sexualConfidence": 0.23,
        "phishing": False,
        "phishingConfidence": 0.01,
        "modelVersion": "bare",
    }

    async def handle(request: web.Request) -> web.Response:
        doc = orjson.loads(await request.read())
        body = orjson.dumps({"jsonrpc": "2.0", "result": result, "id": doc.get("id")})
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post(RPC_PATH, handle)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- processes -----------------------------------------------------------------------------------


def post(url: str, key: str, body: bytes) -> object:
    request = urllib.request.Request(url, data=body, headers={"Authorization": f"Apikey {key}"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def check_answers(base: str, key: str, loads: list[Workload]) -> None:
    """Fail loudly if a workload does not get the answer it should (wrk only sees statuses)."""
    for load in loads:
        answer = post(base + load.path.format(key=key), key, load.body)
        if load.path.startswith(ANALYZE_PATH):
            answers = [answer] if "attributeScores" in answer else []  # type: ignore[operator]
        elif load.path == MODERATIONS_PATH:
            answers = answer["results"] if isinstance(answer, dict) else []  # type: ignore[index]
        else:
            answers = answer if isinstance(answer, list) else [answer]
            answers = [a for a in answers if "result" in a]
        if len(answers) != load.items:
            raise SystemExit(f"{load.name}: unexpected answer {str(answer)[:300]}")


# -- measuring -----------------------------------------------------------------------------------


def run_wrk(url: str, key: str, body: Path, concurrency: int, seconds: float, work: Path) -> dict:
    lua = work / "bench.lua"
    lua.write_text(LUA % {"body": body, "key": key})
    return wrk(url, lua, concurrency, max(1, round(seconds)), threads=min(concurrency, 2))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its child processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def measure(
    url: str, key: str, load: Workload, concurrency: int, seconds: float, work: Path, pid: int
) -> Cell:
    body = work / "body.json"
    body.write_bytes(load.body)
    run_wrk(url, key, body, concurrency, 1.0, work)  # warm-up: caches, micro-batcher, pages
    cpu = tree_cpu(pid)
    r = run_wrk(url, key, body, concurrency, seconds, work)
    cpu = tree_cpu(pid) - cpu
    rps = r["requests"] / (r["duration_us"] / 1e6)
    return Cell(
        load.name,
        concurrency,
        rps,
        rps * load.items,
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
        r["non2xx"] + r["socket_errors"],
        cpu / max(1, r["requests"]) * 1e6,
    )


def one_run(
    levels: list[int], batch_levels: list[int], seconds: float, batch: int
) -> tuple[list[Cell], dict]:
    loads = workloads(batch)
    cells: list[Cell] = []
    extra: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-rpc-") as tmp:
        work = Path(tmp)
        db = work / "bench.db"
        key = make_key(db)
        bare_port, port = free_port(), free_port()
        bare_url = f"http://127.0.0.1:{bare_port}{RPC_PATH}"
        base = f"http://127.0.0.1:{port}"
        bare = [sys.executable, __file__, "--bare-server", str(bare_port)]
        serve = serve_command(db, port)
        with (
            running(bare, f"http://127.0.0.1:{bare_port}/", work / "bare.log") as bare_process,
            running(serve, f"http://127.0.0.1:{port}/healthz", work / "serve.log") as server,
        ):
            check_answers(base, key, loads[1:])
            # Ceiling, classifyText, /v1/moderations and comments:analyze back to back at each
            # level: they share the machine's mood.
            for c in levels:
                cells.append(measure(bare_url, key, loads[0], c, seconds, work, bare_process.pid))
                for load in loads[1:4]:
                    cells.append(measure(base + load.path.format(key=key), key, load, c,
                                         seconds, work, server.pid))
            for c in batch_levels:  # an array of inputs, scored concurrently in the server
                cells.append(measure(base + loads[4].path, key, loads[4], c, seconds, work,
                                     server.pid))
            for load in loads[5:]:
                before = count_rows(db)
                started = time.monotonic()
                # A batch holds `batch` requests already: fewer connections keep it unsaturated.
                for c in batch_levels if load.items > 1 else levels:
                    cells.append(measure(base + load.path, key, load, c, seconds, work,
                                         server.pid))
                rows = count_rows(db) - before
                extra[load.name] = rows / (time.monotonic() - started)
        extra["fsync"] = fsync_rate(work)
    return cells, extra


def count_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    finally:
        conn.close()


def fsync_rate(work: Path, n: int = 200) -> float:
    """fsyncs per second on this disk: the floor under any durable write."""
    path = work / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        started = time.perf_counter()
        for _ in range(n):
            os.write(fd, b"x")
            os.fsync(fd)
        return n / (time.perf_counter() - started)
    finally:
        os.close(fd)


# -- reporting -----------------------------------------------------------------------------------


def medians(runs: list[list[Cell]]) -> list[Cell]:
    out = []
    for cells in zip(*runs, strict=True):
        out.append(
            Cell(
                cells[0].workload,
                cells[0].concurrency,
                statistics.median(c.rps for c in cells),
                statistics.median(c.items_per_s for c in cells),
                statistics.median(c.p50_ms for c in cells),
                statistics.median(c.p99_ms for c in cells),
                sum(c.errors for c in cells),
                statistics.median(c.cpu_us for c in cells),
            )
        )
    return out


def table(cells: list[Cell]) -> str:
    first: dict[str, int] = {}
    for c in cells:
        first.setdefault(c.workload, len(first))
    cells = sorted(cells, key=lambda c: (first[c.workload], c.concurrency))
    lines = [
        "| workload | connections | requests/s | items/s | p50 ms | p99 ms | errors "
        "| server CPU µs/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        lines.append(
            f"| {c.workload} | {c.concurrency} | {c.rps:,.0f} | {c.items_per_s:,.0f} |"
            f" {c.p50_ms:.2f} | {c.p99_ms:.2f} | {c.errors} | {c.cpu_us:,.0f} |"
        )
    return "\n".join(lines)


def ratios(cells: list[Cell]) -> dict[int, float]:
    """classifyText throughput over the bare ceiling measured right before it, per level."""
    bare = {c.concurrency: c.rps for c in cells if c.workload == BARE}
    return {
        c.concurrency: c.rps / bare[c.concurrency] for c in cells if c.workload == "classifyText"
    }


def peak_ratio(cells: list[Cell]) -> float:
    """Best classifyText throughput at any level over the bare handler's best at any level:
    the ceiling read as the most the bare handler serves on this machine."""
    best = {w: max(c.rps for c in cells if c.workload == w) for w in (BARE, "classifyText")}
    return best["classifyText"] / best[BARE]


def ratio_lines(by_level: dict[int, float]) -> str:
    return "\n".join(
        f"- classifyText / bare aiohttp at {c} connections: {r:.0%}" for c, r in by_level.items()
    )


def environment() -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} "
        f"at the start, Python {sys.version.split()[0]}, {wrk_version()}"
    )


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (out.stdout or out.stderr).split()[1] if (out.stdout or out.stderr) else "wrk"


def write_section(text: str, path: Path) -> None:
    """Replace the generated part of this script's section of docs/BENCHMARKS.md.

    The generated part runs from the section's heading to the first `###` heading under it;
    the hand-written subsections after it (how it was run, targets, notes) are kept. A missing
    section is appended."""
    write_doc_section(text, path, SECTION)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--levels", default="1,16,64,256", help="connections per workload")
    parser.add_argument("--batch-levels", default="1,4,16", help="connections for batches")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    parser.add_argument("--metrics", choices=("on", "off"),
                        help="serve with metrics.enabled on or off (default: the config's)")
    parser.add_argument("--recent-scores", choices=("on", "off"),
                        help="off: serve with admin.recent_scores = 0 (no recent scores kept "
                             "for the flag-rate view; default: the config's)")
    args = parser.parse_args()
    if args.metrics:  # the server inherits the environment
        os.environ["SPECTRUM_RPC_METRICS_ENABLED"] = "true" if args.metrics == "on" else "false"
    if args.recent_scores == "off":
        os.environ["SPECTRUM_RPC_ADMIN_RECENT_SCORES"] = "0"
    if args.bare_server:
        bare_server(args.bare_server)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    levels = [int(x) for x in args.levels.split(",")]
    batch_levels = [int(x) for x in args.batch_levels.split(",")]
    env = environment() + (f", metrics {args.metrics}" if args.metrics else "") + (
        f", recent scores {args.recent_scores}" if args.recent_scores else "")
    runs, extras = [], []
    for i in range(args.runs):
        cells, extra = one_run(levels, batch_levels, args.seconds, args.batch)
        runs.append(cells)
        extras.append(extra)
        print(
            f"run {i + 1}/{args.runs}\n{table(cells)}\n{ratio_lines(ratios(cells))}\n"
            f"- best classifyText / best bare aiohttp over all levels: {peak_ratio(cells):.0%}\n",
            flush=True,
        )
    result = medians(runs)
    per_run = [ratios(cells) for cells in runs]
    ratio = {c: statistics.median(r[c] for r in per_run) for c in per_run[0]}
    peak = statistics.median(peak_ratio(cells) for cells in runs)
    rows = {k: statistics.median(e[k] for e in extras) for k in extras[0]}
    report = (
        f"Median of {args.runs} runs, {args.seconds:g} s per cell after 1 s warm-up; "
        f"{env}.\n\n{table(result)}\n\nMedians of the per-run ratios:\n\n{ratio_lines(ratio)}\n"
        f"- best classifyText / best bare aiohttp over all levels: {peak:.0%}\n"
        + "".join(
            f"- rows committed per second over the whole {k} series (from the database): {v:,.0f}\n"
            for k, v in rows.items()
            if k != "fsync"
        )
        + f"- raw fsync rate of the disk (one byte + fsync, 200 times): "
        f"{rows['fsync']:,.0f}/s\n"
    )
    print(report)
    if args.write:
        command = " ".join(["python scripts/bench_rpc.py", *sys.argv[1:]])
        write_section(f"{SECTION}\n\nCommand: `{command}`\n\n{report}", ROOT / "docs/BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
