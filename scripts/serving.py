"""What the benchmark scripts share: start `spectrum-rpc serve` processes, drive them with wrk,
a local webhook receiver, a throwaway (or existing) PostgreSQL, and writing a section of
docs/BENCHMARKS.md. Imported by the scripts/bench_*.py that start servers or write sections.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("spectrum-rpc")
RPC_PATH = "/api/v1/classification"
TEXT = "you are a complete idiot and nobody here likes you"

LUA = r"""
local f = io.open("%(body)s", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Apikey %(key)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d,' ..
    ' "p50_us": %%d, "p99_us": %%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def bench_parser(description: str) -> argparse.ArgumentParser:
    """Return a parser with the options every benchmark of several servers on one store takes
    (scripts/bench_store.py, scripts/bench_scaleout.py); the script adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--receiver", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", metavar="URL", help="an existing database (emptied!)")
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    return parser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Process = subprocess.Popen[bytes]


def environment(**extra: str) -> dict[str, str]:
    """The servers' environment: private webhook addresses allowed, one engine worker."""
    return {**os.environ, "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
            "SPECTRUM_RPC_ENGINE_WORKERS": "1", **extra}  # fmt: skip


def receiver(port: int) -> None:
    """Answer every webhook delivery 200; count each event's copies and the copies of one
    event that arrive while another is still being answered (GET /stats); POST /hang?on=1
    holds the answers until /hang?on=0 (run as a script with --receiver PORT)."""
    import asyncio
    import collections

    from aiohttp import web

    received: collections.Counter[str] = collections.Counter()
    in_flight: collections.Counter[str] = collections.Counter()
    overlaps: list[str] = []
    times: list[float] = []
    open_ = asyncio.Event()
    open_.set()

    async def handle(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        event = str((body.get("meta") or {}).get("remoteId", ""))
        if request.query_string:  # one receiver for several webhooks: ?w=N tells them apart
            event += "@" + request.query_string
        received[event] += 1
        in_flight[event] += 1
        if in_flight[event] > 1:
            overlaps.append(event)
        try:
            await open_.wait()
        finally:
            in_flight[event] -= 1
        times.append(time.time())
        return web.Response(status=200)

    async def hang(request: web.Request) -> web.Response:
        if request.query.get("on") == "1":
            open_.clear()
        else:
            in_flight.clear()  # sends cut off by a kill never finish: they no longer count
            open_.set()
        return web.Response()

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"received": received, "overlaps": overlaps,
                                  "first": min(times, default=0), "last": max(times, default=0),
                                  "in_flight": sum(in_flight.values())})  # fmt: skip

    async def reset(request: web.Request) -> web.Response:
        received.clear()
        in_flight.clear()
        overlaps.clear()
        times.clear()
        open_.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    app.router.add_post("/hang", hang)
    app.router.add_post("/reset", reset)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class Receiver:
    """A receiver process (this module's `receiver`) and its controls."""

    def __init__(self, script: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.proc = subprocess.Popen([sys.executable, script, "--receiver", str(self.port)])
        wait_up(f"http://127.0.0.1:{self.port}/stats", self.proc)

    def _post(self, path: str) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=b"",
                                         method="POST")  # fmt: skip
        urllib.request.urlopen(request, timeout=10).close()

    def hang(self, on: bool) -> None:
        self._post(f"/hang?on={int(on)}")

    def reset(self) -> None:
        self._post("/reset")

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=30) as r:
            return json.loads(r.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def wait_up(url: str, proc: Process, any_status: bool = False) -> None:
    """Wait until `url` answers 2xx (any HTTP status with `any_status`); fail if `proc` exits."""
    for _ in range(900):
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the process exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            if any_status:
                return  # it answers
            time.sleep(0.1)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise SystemExit(f"{url} never answered")


def stop(proc: Process) -> None:
    """Terminate a process; kill it if it has not exited after a minute."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(args: list[str], ready_url: str, log: Path) -> Iterator[Process]:
    """Run a command (stderr to `log`) until the block ends, once `ready_url` answers at all."""
    with log.open("wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_up(ready_url, proc, any_status=True)
        yield proc
    finally:
        stop(proc)


def serve_command(location: str | Path, port: int) -> list[str]:
    """`spectrum-rpc serve` on a store and a loopback port, without an access log."""
    return [str(SCRIPT), "serve", "--db", str(location), "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "WARNING"]  # fmt: skip


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          check=True, timeout=120)  # fmt: skip
    return done.stdout


def make_key(location: str | Path, env: dict[str, str] | None = None, name: str = "bench",
             project: str | None = None) -> str:  # fmt: skip
    """Create an API key on a store (for `project`, else the default one); return it."""
    args = ["keys", "create", "--db", str(location), "--name", name]
    args += ["--project", project] if project else []
    return cli(*args, env=env).strip().splitlines()[-1]


def start_server(location: str | Path, work: Path,
                 env: dict[str, str] | None = None) -> tuple[Process, int]:  # fmt: skip
    """Start `spectrum-rpc serve` on a store, wait until it is healthy; return it, its port.
    Its stderr goes to work/serve-PORT.log; `env` (default: this process's) is its environment."""
    port = free_port()
    proc = subprocess.Popen(
        serve_command(location, port),
        env=env, stdout=subprocess.DEVNULL, stderr=(work / f"serve-{port}.log").open("ab"),
    )  # fmt: skip
    wait_up(f"http://127.0.0.1:{port}/healthz", proc)
    return proc, port


@contextlib.contextmanager
def servers(location: str | Path, count: int, work: Path,
            env: dict[str, str] | None = None) -> Iterator[list[tuple[Process, int]]]:  # fmt: skip
    """Run `count` server processes on one store; terminate them at the end."""
    started: list[tuple[Process, int]] = []
    try:
        for _ in range(count):
            started.append(start_server(location, work, env))
        yield started
    finally:
        for proc, _ in started:
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in started:
            stop(proc)


def start_wrk(url: str, lua: Path, connections: int, seconds: int,
              threads: int = 1) -> subprocess.Popen[str]:  # fmt: skip
    """Start wrk with a script whose `done` prints a `RESULT {json}` line."""
    return subprocess.Popen(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "30s", "-s", str(lua), url],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def run_wrk(port: int, key: str, body: Path, connections: int,
            seconds: int) -> subprocess.Popen[str]:  # fmt: skip
    """Start wrk (one thread) posting `body` to a server; `wrk_result` reads its figures."""
    lua = body.with_name(f"{body.stem}-{port}.lua")  # one each: wrk reads it as it starts
    lua.write_text(LUA % {"body": body, "key": key})
    return start_wrk(f"http://127.0.0.1:{port}{RPC_PATH}", lua, connections, seconds)


def wrk_result(run: subprocess.Popen[str]) -> dict | None:
    """Wait for a wrk run; return its RESULT line (None if it printed none)."""
    out, _ = run.communicate()
    match = re.search(r"^RESULT (.*)$", out, re.M)
    return json.loads(match.group(1)) if match else None


def wrk(url: str, lua: Path, connections: int, seconds: int, threads: int = 1) -> dict:
    """Run wrk to the end; return its RESULT line, or fail loudly with its output."""
    run = start_wrk(url, lua, connections, seconds, threads)
    out, _ = run.communicate()
    match = re.search(r"^RESULT (.*)$", out, re.M)
    if run.returncode or match is None:
        raise SystemExit(f"wrk exited {run.returncode} and printed no result:\n{out}")
    return json.loads(match.group(1))


def drive(ports: list[int], key: str, body: Path, connections: int,
          seconds: int) -> tuple[float, float]:  # fmt: skip
    """Drive every server with wrk at once (connections split); return (2xx/s, p99 ms)."""
    share = max(1, connections // len(ports))
    runs = [run_wrk(port, key, body, share, seconds) for port in ports]
    results = [wrk_result(run) for run in runs]
    if any(r is None for r in results):
        for port in ports:  # say what the servers answer now
            probe(port, key, body.read_bytes())
        raise SystemExit("wrk printed no result")
    ok = sum(r["requests"] - r["non2xx"] for r in results)  # type: ignore[index]
    elapsed = max(r["duration_us"] for r in results) / 1e6  # type: ignore[index]
    return ok / elapsed, max(r["p99_us"] for r in results) / 1000  # type: ignore[index]


def probe(port: int, key: str, body: bytes) -> bytes:
    """Post one request; fail loudly unless it is answered with a result."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{RPC_PATH}", data=body, method="POST",
        headers={"Authorization": f"Apikey {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            answer = resp.read()
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"port {port}: HTTP {exc.code}: {exc.read()[:500]!r}") from exc
    if b'"result"' not in answer:
        raise SystemExit(f"port {port}: {answer[:500]!r}")
    return answer


class Existing:
    """An existing PostgreSQL server given as a URL: one schema per measurement is not
    possible, so each measurement empties the tables first."""

    def __init__(self, url: str):
        self.url = url

    def create_database(self) -> str:
        import asyncio

        import asyncpg

        async def empty() -> None:
            conn = await asyncpg.connect(self.url)
            try:
                tables = [r[0] for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
                if tables:
                    await conn.execute(f"DROP TABLE {', '.join(tables)} CASCADE")
            finally:
                await conn.close()

        asyncio.run(empty())
        return self.url


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[object]:
    """Yield a server with `create_database()`: the one at `url` (emptied for each database),
    else a throwaway one in a temporary directory (initdb and pg_ctl, as in the tests)."""
    if url:
        yield Existing(url)
        return
    sys.path.insert(0, str(ROOT))
    from tests.helpers import postgres as throwaway

    started = throwaway.start(free_port())
    if isinstance(started, str):
        raise SystemExit(f"cannot start PostgreSQL: {started}")
    try:
        yield started
    finally:
        throwaway.stop(started)


def write_section(text: str, path: Path, section: str, whole: bool = False) -> None:
    """Replace a script's section of docs/BENCHMARKS.md (appended when missing): the generated
    top up to its first `###`, keeping the hand-written subsections below; with `whole`, all
    of it up to the next `## `."""
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    start = old.find(section + "\n")
    if start == -1:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        body = start + len(section)
        heads = ("\n## ",) if whole else ("\n### ", "\n## ")
        ends = [i for i in (old.find(head, body) for head in heads) if i != -1]
        end = min(ends) if ends else len(old)
        new = old[:start] + text.rstrip("\n") + "\n" + old[end:]
    path.write_text(new.rstrip("\n") + "\n")
