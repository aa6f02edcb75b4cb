"""Benchmark the REST dialects (contentmod, discuse, blueprint basic and advanced) beside
classifyText on a real server: latency of one request at a time, and throughput with wrk.

    .venv/bin/python scripts/bench_dialects.py                    # 3 runs, print the table
    .venv/bin/python scripts/bench_dialects.py --runs 3 --write   # ... and write docs/BENCHMARKS.md

Starts a real `spectrum-rpc serve` on a free loopback port (database in a temporary directory,
key made with `spectrum-rpc keys create`, --log-level WARNING: no access log). Each endpoint is
checked for its answer, warmed up, then timed: `--requests` sequential requests on one
keep-alive connection (p50/p99 of each), then wrk at `--connections` for `--seconds`. Endpoints
are measured back to back within a run, so they share the machine's mood; figures are medians
over runs. Needs `wrk` on the PATH (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import serving
from serving import ROOT, TEXT, free_port, serve_command, wrk

PROJECT = "default"
SECTION = "## REST dialects: contentmod, discuse, blueprint"
NUMBERED = TEXT + " #__N__"  # each request numbered: no two texts the same

# Each request's text ends with a counter of its own (no cache anywhere can answer it).
LUA = r"""
wrk.method = "POST"
local f = io.open("%(body)s", "rb")
local template = f:read("*a")
f:close()
%(headers)s
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, (template:gsub("__N__", tostring(n))))
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "errors": %%d}\n',
    summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    body: dict
    expect: str  # a key the answer must have
    bearer: bool = True  # else discuse's x-client-* headers


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("classifyText (JSON-RPC)", "/api/v1/classification",
                 {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": NUMBERED},
                  "id": 1},
                 "result"),
        Endpoint("contentmod POST /text", "/text", {"text": NUMBERED}, "isSafe"),
        Endpoint("discuse POST /api/v1/check", "/api/v1/check",
                 {"request": {"media": {"text": NUMBERED}}}, "hits", bearer=False),
        Endpoint("blueprint advanced", "/api/v2/blueprint/review/text",
                 {"text": NUMBERED, "useAdvanced": True}, "offensiveToxic"),
        Endpoint("blueprint basic (useAdvanced: false)", "/api/v2/blueprint/review/text",
                 {"text": NUMBERED, "useAdvanced": False}, "hasProfanity"),
    ]


def headers(endpoint: Endpoint, key: str) -> dict[str, str]:
    if endpoint.bearer:
        return {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    return {"Content-Type": "application/json", "x-client-id": PROJECT, "x-client-secret": key}


def make_key(db: Path) -> str:
    return serving.make_key(db, project=PROJECT)


def sequential(port: int, key: str, endpoint: Endpoint, n: int) -> list[float]:
    """Time `n` requests one after another on one connection; return milliseconds each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    template = json.dumps(endpoint.body)
    sent = headers(endpoint, key)
    times = []
    try:
        for i in range(n + 5):  # the first 5 warm up
            body = template.replace("__N__", f"s{i}").encode()
            started = time.perf_counter()
            conn.request("POST", endpoint.path, body, sent)
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status != 200 or endpoint.expect not in answer:
                raise SystemExit(f"{endpoint.name}: unexpected answer {str(answer)[:300]}")
            if i >= 5:
                times.append(elapsed)
    finally:
        conn.close()
    return times


def throughput(port: int, key: str, endpoint: Endpoint, connections: int, seconds: int,
               work: Path) -> float:
    body = work / "body.json"
    body.write_text(json.dumps(endpoint.body))
    lua = work / "bench.lua"
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers(endpoint, key).items())
    lua.write_text(LUA % {"body": body, "headers": lines})
    result = wrk(f"http://127.0.0.1:{port}{endpoint.path}", lua, connections, seconds,
                 threads=min(2, connections))  # fmt: skip
    if result["errors"]:
        raise SystemExit(f"{endpoint.name}: {result['errors']} errors under wrk")
    return result["requests"] / (result["duration_us"] / 1e6)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_run(requests: int, connections: int, seconds: int) -> dict[str, tuple[float, ...]]:
    with tempfile.TemporaryDirectory(prefix="bench-dialects-") as tmp:
        work = Path(tmp)
        db = work / "bench.db"
        key = make_key(db)
        port = free_port()
        out = {}
        with serving.running(serve_command(db, port), f"http://127.0.0.1:{port}/healthz",
                             work / "serve.log"):  # fmt: skip
            for endpoint in endpoints():
                times = sequential(port, key, endpoint, requests)
                rps = throughput(port, key, endpoint, connections, seconds, work)
                out[endpoint.name] = (statistics.median(times), percentile(times, 0.99), rps)
    return out


def table(runs: list[dict[str, tuple[float, ...]]], connections: int) -> str:
    rows = [f"| endpoint | p50 ms (one at a time) | p99 ms | requests/s at {connections} "
            "connections |", "| --- | --- | --- | --- |"]
    medians = {}
    for name in runs[0]:
        p50, p99, rps = (statistics.median(run[name][i] for run in runs) for i in range(3))
        medians[name] = (p50, p99, rps)
        rows.append(f"| {name} | {p50:.2f} | {p99:.2f} | {rps:.0f} |")
    basic = medians["blueprint basic (useAdvanced: false)"]
    advanced = medians["blueprint advanced"]
    rows.append("")
    rows.append(f"blueprint basic vs advanced: p50 {advanced[0] / basic[0]:.2f}x faster "
                f"one at a time, {basic[2] / advanced[2]:.2f}x the throughput.")
    return "\n".join(rows) + "\n"


def environment() -> str:
    cpus = len(os.sched_getaffinity(0))
    return f"Python {platform.python_version()}, {platform.machine()}, {cpus} CPUs"


def write_section(text: str, path: Path) -> None:
    """Replace this script's section of docs/BENCHMARKS.md (appended when missing)."""
    serving.write_section(text, path, SECTION, whole=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = parser.parse_args()
    runs = [one_run(args.requests, args.connections, args.seconds) for _ in range(args.runs)]
    result = table(runs, args.connections)
    print(result)
    if args.write:
        command = (f".venv/bin/python scripts/bench_dialects.py --runs {args.runs} --requests "
                   f"{args.requests} --connections {args.connections} --seconds {args.seconds} "
                   "--write")
        intro = (f"One short text (`{TEXT}`, numbered per request so that no two are the "
                 f"same), each endpoint with its own auth style, medians of {args.runs} runs "
                 f"({environment()}; the machine is shared and noisy: compare rows, not "
                 "machines).")
        write_section(f"{SECTION}\n\n{intro}\n\n{result}\nProduced by `{command}`.\n",
                      ROOT / "docs" / "BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
