"""Benchmark scale-out on PostgreSQL: one and two server processes beside SQLite, webhook
dispatchers, takeover of a dead or frozen process's claims, a kill soak, change propagation.

    .venv/bin/python scripts/bench_scaleout.py                    # 3 runs, print the medians
    .venv/bin/python scripts/bench_scaleout.py --runs 3 --write   # ... and write docs/BENCHMARKS.md
    .venv/bin/python scripts/bench_scaleout.py --only soak        # one part (quick checks)

Parts (all in one run, each on a fresh database):
- throughput: wrk (its own process, one thread per server) at --connections connections split
  over the servers: classifyText (no webhook, no limits: nothing written), with one webhook on
  (an event and a delivery written durably per call), by a key with a rate limit never reached
  (10,000/s, burst 100: on PostgreSQL tokens leased from its shared bucket, ten a lease),
  recordUserClassification (one durable row per call) and batches of 100 of them (rows/s);
  SQLite with 1 process, PostgreSQL with 1 and 2. PostgreSQL's transactions/s and WAL bytes/s
  during the run come from pg_stat_database and the WAL position.
- deliveries: --events events for 8 webhooks enqueued at once (one transaction), all to a local
  aiohttp receiver (a process of its own); deliveries/s from its first to its last answer, with
  1 and 2 dispatchers (server processes).
- takeover: two processes, the receiver holding every answer; the process that claimed
  deliveries is killed (-9), or frozen (SIGSTOP: its connections stay open), and the answers
  released; the time until every delivery it held is claimed again or delivered.
- soak: two processes under load (classifyText with a webhook, recordUserClassification), one
  of them killed -9 and restarted --kills times; then every acknowledged feedback row and event
  must be stored, every acknowledged event delivered, and no event sent twice at once (the
  receiver counts copies arriving while another copy is still being answered).
- propagation: two processes with their caches set to an hour (so only LISTEN/NOTIFY can tell
  them); a project's thresholds, a model promotion, a key revocation and a new webhook, made
  through this script's own store (or the CLI, for the webhook); the time until the change shows
  in the other processes' answers (polled every few milliseconds).

Without --postgres a throwaway PostgreSQL server runs in a temporary directory (initdb and
pg_ctl, as in the tests). Needs `wrk`. The machine's cores are shared by the servers,
PostgreSQL, wrk, the receiver and this script: see the core count printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from serving import (
    ROOT,
    RPC_PATH,
    TEXT,
    Receiver,
    bench_parser,
    cli,
    drive,
    environment,
    make_key,
    postgres,
    probe,
    receiver,
    servers,
    start_server,
    write_section,
)

sys.path.insert(0, str(ROOT))
from spectrum_rpc.auth import hash_key  # noqa: E402
from spectrum_rpc.store import KeyLimits, Store  # noqa: E402

SECTION = "## Scale-out on PostgreSQL: processes, dispatchers, takeover, propagation"
BATCH = 100
HOOKS = 8  # webhooks per event in the delivery runs (each at most 4 sends in flight)
CACHED = {"SPECTRUM_RPC_AUTH_KEY_CACHE_TTL": "3600", "SPECTRUM_RPC_WEBHOOKS_CACHE_TTL": "3600",
          "SPECTRUM_RPC_TRAINING_POLL_INTERVAL": "3600"}  # fmt: skip
QUICK_POLL = {"SPECTRUM_RPC_WEBHOOKS_POLL_INTERVAL": "0.2"}


def rpc_body(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}


FEEDBACK = {"content": TEXT, "shouldBlock": True}
WORKLOADS: dict[str, Any] = {
    "classifyText": rpc_body("classifyText", {"text": TEXT}),
    "classifyText, webhook on": rpc_body("classifyText", {"text": TEXT}),
    "classifyText, rate-limited key": rpc_body("classifyText", {"text": TEXT}),
    "recordUserClassification": rpc_body("recordUserClassification", FEEDBACK),
    f"recordUserClassification, batches of {BATCH}": [
        {**rpc_body("recordUserClassification", FEEDBACK), "id": i} for i in range(BATCH)],
}
CONFIGS = [("SQLite, 1 process", "sqlite", 1), ("PostgreSQL, 1 process", "postgresql", 1),
           ("PostgreSQL, 2 processes", "postgresql", 2)]  # fmt: skip
PARTS = ("throughput", "deliveries", "takeover", "soak", "propagation")


class Bench:
    def __init__(self, server: Any, work: Path, hook: Receiver, args: argparse.Namespace):
        self.server, self.work, self.hook, self.args = server, work, hook, args
        self.count = 0

    def fresh(self, kind: str = "postgresql") -> str:
        self.count += 1
        if kind == "sqlite":
            return str(self.work / f"bench-{self.count}.db")
        return str(self.server.create_database())


# -- throughput ------------------------------------------------------------------------------

def throughput(b: Bench) -> dict[tuple[str, str], dict[str, float]]:
    """(workload, config) -> {"rps", "p99", "tps", "wal"} of one run."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    for workload, payload in WORKLOADS.items():
        for name, kind, processes in CONFIGS:
            location = b.fresh(kind)
            env = environment()
            key = make_key(location, env)
            if "webhook" in workload:
                cli("webhooks", "add", "--db", location, "--url", b.hook.url, env=env)
            if "rate-limited" in workload:  # a limit never reached: the cost of checking it
                asyncio.run(set_limits(location, key, KeyLimits(rate=1e4, burst=100)))
            body = b.work / f"body-{b.count}.json"
            body.write_text(json.dumps(payload))
            with servers(location, processes, b.work, env) as started:
                ports = [port for _, port in started]
                for port in ports:
                    probe(port, key, body.read_bytes())
                before = asyncio.run(pg_counters(location)) if kind == "postgresql" else None
                t0 = time.perf_counter()
                rps, p99 = drive(ports, key, body, b.args.connections, b.args.seconds)
                elapsed = time.perf_counter() - t0
                figures = {"rps": rps * (BATCH if "batches" in workload else 1), "p99": p99}
                if before is not None:
                    after = asyncio.run(pg_counters(location))
                    figures["tps"] = (after[0] - before[0]) / elapsed
                    figures["wal"] = (after[1] - before[1]) / elapsed
            out[(workload, name)] = figures
            print(f"  {workload} / {name}: {fmt_figures(figures)}", flush=True)
    return out


def fmt_figures(f: dict[str, float]) -> str:
    text = f"{f['rps']:,.0f}/s, p99 {f['p99']:.0f} ms"
    if "tps" in f:
        text += f", {f['tps']:,.0f} transactions/s, WAL {f['wal'] / 1e6:.1f} MB/s"
    return text


async def set_limits(location: str, key: str, limits: KeyLimits) -> None:
    async with Store(location) as store:
        record = await store.keys.find(hash_key(key))
        assert record is not None
        await store.usage.set_limits(record.id, limits)


async def pg_counters(url: str) -> tuple[int, int]:
    """Return the database's committed transactions and the server's WAL position (bytes)."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),"
            " pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


# -- webhook deliveries ------------------------------------------------------------------------

def deliveries(b: Bench) -> dict[int, float]:
    """dispatchers -> deliveries/s of one run."""
    out = {}
    for count in (1, 2):
        location = b.fresh()
        env = environment(**QUICK_POLL)
        for w in range(HOOKS):
            cli("webhooks", "add", "--db", location, "--url", f"{b.hook.url}?w={w}", env=env)
        b.hook.reset()
        total = b.args.events * HOOKS
        with servers(location, count, b.work, env):
            asyncio.run(enqueue(location, b.args.events))
            deadline = time.time() + 900
            while len((stats := b.hook.stats())["received"]) < total:
                if time.time() > deadline:
                    raise SystemExit(f"only {len(stats['received'])} of {total} delivered")
                time.sleep(0.2)
        rate = total / max(1e-6, stats["last"] - stats["first"])
        out[count] = rate
        print(f"  {count} dispatcher(s): {rate:,.0f} deliveries/s", flush=True)
    return out


async def enqueue(location: str, events: int) -> None:
    """Enqueue `events` events for every webhook in one transaction."""
    async with Store(location) as store:
        hooks = [w.id for w in await store.webhooks.list()]
        t = time.time()
        statements = []
        for i in range(events):
            body = json.dumps({"meta": {"remoteId": f"e{i}"}, "toxic": True,
                               "toxicityConfidence": 0.9, "text": TEXT}).encode()
            statements += store.webhooks.event_statements(uuid.uuid4().hex, "default", t, body,
                                                          hooks)  # fmt: skip
        await store.write(statements)


# -- takeover ---------------------------------------------------------------------------------

def takeover(b: Bench, how: signal.Signals) -> float:
    """Seconds from killing (or freezing) the process holding claims until they are taken."""
    location = b.fresh()
    env = environment(**QUICK_POLL, SPECTRUM_RPC_STORE_LIVENESS_TIMEOUT=str(b.args.liveness))
    key = make_key(location, env)
    cli("webhooks", "add", "--db", location, "--url", b.hook.url, env=env)
    b.hook.reset()
    b.hook.hang(True)
    one, port = start_server(location, b.work, env)
    try:
        for i in range(20):
            probe(port, key, json.dumps(rpc_body("classifyText", {
                "text": TEXT, "meta": {"remoteId": f"t{i}"}})).encode())
        with servers(location, 1, b.work, env):  # the other process, up while one holds claims
            held = asyncio.run(sending(location))
            assert held, "nothing claimed"
            one.send_signal(how)
            t0 = time.perf_counter()
            b.hook.hang(False)
            asyncio.run(until_taken(location, held))
            taken = time.perf_counter() - t0
    finally:
        if how == signal.SIGSTOP:
            one.send_signal(signal.SIGCONT)
        one.kill()
        one.wait()
    print(f"  {how.name}: claims taken over after {taken:.2f} s", flush=True)
    return taken


async def sending(url: str) -> dict[int, str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT id, lease_token FROM webhook_deliveries"
                                " WHERE state = 'sending'")  # fmt: skip
        return {r[0]: r[1] for r in rows}
    finally:
        await conn.close()


async def until_taken(url: str, held: dict[int, str]) -> None:
    """Poll until every delivery held is delivered or claimed under another token."""
    conn = await asyncpg.connect(url)
    try:
        while True:
            rows = await conn.fetch("SELECT id, state, lease_token FROM webhook_deliveries"
                                    " WHERE id = ANY($1::BIGINT[])", list(held))  # fmt: skip
            if all(r[1] == "delivered" or (r[1] == "sending" and r[2] != held[r[0]])
                   for r in rows):
                return
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


# -- the kill soak ------------------------------------------------------------------------------

async def soak(b: Bench) -> dict[str, Any]:
    location = b.fresh()
    env = environment(**QUICK_POLL)
    key = make_key(location, env)
    cli("webhooks", "add", "--db", location, "--url", b.hook.url, env=env)
    b.hook.reset()
    procs = [await asyncio.to_thread(start_server, location, b.work, env) for _ in range(2)]
    acked_events: set[str] = set()
    acked_rows: set[str] = set()
    sent = [0]
    stop = asyncio.Event()

    async def load(session: aiohttp.ClientSession, worker: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            port = procs[random.randrange(2)][1]
            tag = f"s{worker}-{i}"
            if i % 2:
                payload = rpc_body("classifyText", {"text": f"{TEXT} {tag}",
                                                    "meta": {"remoteId": tag}})
            else:
                payload = rpc_body("recordUserClassification", {"content": tag,
                                                                "shouldBlock": True})
            sent[0] += 1
            try:
                async with session.post(f"http://127.0.0.1:{port}{RPC_PATH}", json=payload,
                                        headers={"Authorization": f"Apikey {key}"}) as resp:
                    answer = await resp.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, ValueError):
                await asyncio.sleep(0.05)
                continue
            if resp.status == 200 and "result" in answer:
                (acked_events if i % 2 else acked_rows).add(tag)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        workers = [asyncio.create_task(load(session, w)) for w in range(16)]
        try:
            for kill in range(b.args.kills):
                await asyncio.sleep(3)
                victim = kill % 2
                procs[victim][0].kill()
                await asyncio.to_thread(procs[victim][0].wait)
                procs[victim] = await asyncio.to_thread(start_server, location, b.work, env)
            await asyncio.sleep(3)
        finally:
            stop.set()
            await asyncio.gather(*workers)
    try:
        started = time.time()
        while True:  # drained: every delivery delivered (or a bound of ten minutes)
            states = await delivery_states(location)
            if set(states) <= {"delivered"} or time.time() - started > 600:
                break
            await asyncio.sleep(0.5)
    finally:
        for proc, _ in procs:
            proc.terminate()
            await asyncio.to_thread(proc.wait)
    stored_rows, stored_events = await stored(location)
    stats = b.hook.stats()
    result = {
        "requests": sent[0], "acked_rows": len(acked_rows), "acked_events": len(acked_events),
        "rows_lost": len(acked_rows - stored_rows),
        "events_lost": len(acked_events - stored_events),
        "undelivered": len(acked_events - set(stats["received"])),
        "sent_twice_at_once": len(stats["overlaps"]),
        "sent_again": sum(1 for n in stats["received"].values() if n > 1),
        "states": states,
    }  # fmt: skip
    print(f"  soak: {result}", flush=True)
    return result


async def delivery_states(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state")
        return {r[0]: r[1] for r in rows}
    finally:
        await conn.close()


async def stored(url: str) -> tuple[set[str], set[str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = {r[0] for r in await conn.fetch("SELECT content FROM feedback")}
        events = {json.loads(r[0])["meta"]["remoteId"]
                  for r in await conn.fetch("SELECT body FROM webhook_events")}
        return rows, events
    finally:
        await conn.close()


# -- propagation ---------------------------------------------------------------------------------

async def propagation(b: Bench, repeats: int) -> dict[str, list[float]]:
    """kind -> seconds until a change made elsewhere shows in both server processes."""
    location = b.fresh()
    env = environment(**CACHED, **QUICK_POLL)
    key = make_key(location, env)
    model = await asyncio.to_thread(tiny_model, b.work)
    with servers(location, 2, b.work, env) as started:
        ports = [port for _, port in started]
        async with Store(location) as store, aiohttp.ClientSession() as session:
            await store.models.add(version="tiny-1", project="default", origin="bench",
                                   parent=None, path=str(model), status="candidate",
                                   report={})  # fmt: skip
            shipped = (await store.models.active())[""]
            times: dict[str, list[float]] = {}

            async def answer(port: int, tag: str = "", who: str = key) -> dict[str, Any]:
                params = {"text": TEXT, **({"meta": {"remoteId": tag}} if tag else {})}
                async with session.post(f"http://127.0.0.1:{port}{RPC_PATH}",
                                        json=rpc_body("classifyText", params),
                                        headers={"Authorization": f"Apikey {who}"}) as resp:
                    return await resp.json(content_type=None)  # type: ignore[no-any-return]

            async def seen(kind: str, test: Any) -> None:
                t0 = time.perf_counter()
                await asyncio.gather(*(wait_for(port, test) for port in ports))
                times.setdefault(kind, []).append(time.perf_counter() - t0)

            async def wait_for(port: int, test: Any) -> None:
                async with asyncio.timeout(60):
                    while not test(await answer(port)):
                        await asyncio.sleep(0.002)

            for i in range(repeats):
                threshold = 0.999 if i % 2 == 0 else 0.21
                toxic = threshold < 0.5
                for port in ports:
                    await answer(port)  # cached before the change
                await store.projects.update_settings("default",
                                                     {"thresholds": {"toxicity": threshold}})
                await seen("project settings (thresholds)",
                           lambda a, toxic=toxic: a["result"]["toxic"] is toxic)
                version = "tiny-1" if i % 2 == 0 else shipped
                await store.models.activate("default", version, "bench")
                await seen("model promotion",
                           lambda a, v=version: a["result"]["modelVersion"] == v)
                doomed = await asyncio.to_thread(make_key, location, env, f"doomed-{i}")
                for port in ports:
                    assert "result" in await answer(port, who=doomed)
                record = await store.keys.find(hash_key(doomed))
                assert record is not None
                await store.keys.revoke(record.id)
                t0 = time.perf_counter()
                for port in ports:
                    async with asyncio.timeout(60):
                        while "result" in await answer(port, who=doomed):
                            await asyncio.sleep(0.002)
                times.setdefault("key revocation", []).append(time.perf_counter() - t0)
            times["webhook added"] = await webhook_added(b, location, ports, answer, repeats)
    for kind, values in times.items():
        print(f"  {kind}: median {statistics.median(values) * 1000:.0f} ms,"
              f" max {max(values) * 1000:.0f} ms", flush=True)  # fmt: skip
    return times


async def webhook_added(b: Bench, location: str, ports: list[int], answer: Any,
                        repeats: int) -> list[float]:  # fmt: skip
    """Seconds from a webhook's creation (another process: the CLI) until both servers'
    events reach it (the delivery included)."""
    out = []
    env = environment()
    for i in range(repeats):
        b.hook.reset()
        for port in ports:
            await answer(port)  # every cache holds the webhooks before the change
        await asyncio.to_thread(cli, "webhooks", "add", "--db", location, "--url",
                                f"{b.hook.url}?n={i}", env=env)  # fmt: skip
        t0 = time.perf_counter()
        for port in ports:
            n = 0
            async with asyncio.timeout(60):
                while not any(r.startswith(f"p{port}-") for r in b.hook.stats()["received"]):
                    n += 1
                    await answer(port, f"p{port}-{n}")
        out.append(time.perf_counter() - t0)
        async with Store(location) as store:
            for hook in await store.webhooks.list():
                await store.webhooks.delete(hook.id)
    return out


def tiny_model(work: Path) -> Path:
    from tests.helpers.training import write_base, write_model

    return write_model(work / "tiny-1", write_base(work / "tiny-base"))


# -- the run ---------------------------------------------------------------------------------------

def main() -> int:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500, help="events per delivery run")
    parser.add_argument("--kills", type=int, default=5, help="kills in the soak")
    parser.add_argument("--liveness", type=float, default=10.0,
                        help="store.liveness_timeout of the takeover runs (the default)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    args = parser.parse_args()
    if args.receiver:
        receiver(args.receiver)
        return 0
    parts = args.only or PARTS
    runs: dict[str, list[Any]] = {part: [] for part in parts}
    with postgres(args.postgres) as server, tempfile.TemporaryDirectory(prefix="scaleout-") as tmp:
        hook = Receiver(__file__)
        try:
            b = Bench(server, Path(tmp), hook, args)
            for run in range(args.runs):
                print(f"run {run + 1} of {args.runs}", flush=True)
                if "throughput" in parts:
                    runs["throughput"].append(throughput(b))
                if "deliveries" in parts:
                    runs["deliveries"].append(deliveries(b))
                if "takeover" in parts:
                    runs["takeover"].append({how.name: takeover(b, how)
                                             for how in (signal.SIGKILL, signal.SIGSTOP)})
                if "propagation" in parts:
                    runs["propagation"].append(asyncio.run(propagation(b, 5)))
                print(report(runs, args), flush=True)  # so far (a run cut short keeps them)
            if "soak" in parts:  # once: it is long, and its figures are counts
                runs["soak"].append(asyncio.run(soak(b)))
        finally:
            hook.close()
    text = report(runs, args)
    print(text)
    if args.write:
        write_section(text, ROOT / "docs" / "BENCHMARKS.md", SECTION)
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(runs: dict[str, list[Any]], args: argparse.Namespace) -> str:
    cores = os.cpu_count()
    lines = [SECTION, "",
             f"`.venv/bin/python scripts/bench_scaleout.py --runs {args.runs} --seconds "
             f"{args.seconds} --connections {args.connections} --events {args.events} --kills "
             f"{args.kills}`: medians of {args.runs} runs on a machine with {cores} cores shared "
             "by everything (the servers with one engine worker each, PostgreSQL, wrk, the "
             "receiver, this script) and by other work: two server processes cannot have a core "
             "each here, so the 2-process figures measure contention, not scale-out.", ""]
    if runs.get("throughput"):
        lines += ["| workload | " + " | ".join(n for n, _, _ in CONFIGS) + " |",
                  "| --- |" + " --- |" * len(CONFIGS)]
        for workload in WORKLOADS:
            cells = []
            for name, _, _ in CONFIGS:
                cell = [r[(workload, name)] for r in runs["throughput"]]
                unit = "rows/s" if "batches" in workload else "req/s"
                text = (f"{median([c['rps'] for c in cell]):,.0f} {unit}"
                        f" (p99 {median([c['p99'] for c in cell]):.0f} ms")
                if "tps" in cell[0]:
                    text += f"; {median([c['tps'] for c in cell]):,.0f} tx/s"
                cells.append(text + ")")
            lines.append(f"| {workload} | " + " | ".join(cells) + " |")
        lines += ["", "tx/s: transactions committed per second in the database during the run "
                  "(pg_stat_database.xact_commit: group commits, reads, token-bucket updates).",
                  ""]
    if runs.get("deliveries"):
        one = median([r[1] for r in runs["deliveries"]])
        two = median([r[2] for r in runs["deliveries"]])
        lines += [f"Webhook deliveries to a local aiohttp receiver, {args.events} events for "
                  f"{HOOKS} webhooks queued at once (webhooks.per_webhook_concurrency 4, "
                  f"concurrency 32): 1 dispatcher {one:,.0f}/s, 2 dispatchers {two:,.0f}/s "
                  f"({two / one:.2f}x).", ""]
    if runs.get("takeover"):
        kill = median([r["SIGKILL"] for r in runs["takeover"]])
        stop = median([r["SIGSTOP"] for r in runs["takeover"]])
        lines += [f"Takeover of a dispatcher's claims (all of them delivered or claimed again by "
                  f"the other process): after kill -9, {kill:.2f} s (the connection closes, the "
                  f"liveness lock goes at once); after SIGSTOP (the connections stay open), "
                  f"{stop:.1f} s with store.liveness_timeout = {args.liveness:g} s. The claims' "
                  "own lease is about two minutes.", ""]
    if runs.get("propagation"):
        lines += ["Propagation of a change made through another process to both server "
                  "processes (LISTEN/NOTIFY; their caches set to an hour, so no TTL helps), "
                  "median and worst of 5 changes per run:", "",
                  "| change | median | worst |", "| --- | --- | --- |"]
        kinds = runs["propagation"][0].keys()
        for kind in kinds:
            values = [v for r in runs["propagation"] for v in r[kind]]
            lines.append(f"| {kind} | {median(values) * 1000:.0f} ms |"
                         f" {max(values) * 1000:.0f} ms |")
        lines.append("")
    if runs.get("soak"):
        s = runs["soak"][0]
        lines += [f"Kill soak, 2 processes under load (16 clients), {args.kills} kills -9 with "
                  f"restarts: {s['requests']:,} requests, {s['acked_rows']:,} feedback rows and "
                  f"{s['acked_events']:,} events acknowledged; lost rows {s['rows_lost']}, lost "
                  f"events {s['events_lost']}, undelivered events {s['undelivered']}, events "
                  f"sent twice at once {s['sent_twice_at_once']}, events sent again after a "
                  f"kill (at least once) {s['sent_again']}.", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
