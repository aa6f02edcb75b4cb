"""Benchmark webhooks: outbox events per second, and deliveries per second to a local receiver.

Usage: .venv/bin/python scripts/bench_webhooks.py [--events 5000] [--webhooks 2] [--callers 64]
Prints the figures and writes them to the "## Webhooks" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from pathlib import Path

from aiohttp import web

from spectrum_rpc.analysis import Classification
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import Dispatcher, Outbox, create_session
from spectrum_rpc.webhooks import management as ops

RESULT = {
    "toxic": True,
    "toxicityConfidence": 0.9,
    "sexual": False,
    "sexualConfidence": 0.1,
    "phishing": False,
    "phishingConfidence": 0.0,
    "modelVersion": "bench",
}
DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


async def receiver() -> tuple[web.AppRunner, str, list[int]]:
    count = [0]

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        count[0] += 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hook", count


async def bench(events: int, webhooks: int, callers: int) -> dict[str, float]:
    settings = load_settings(environ={}, overrides={"webhooks": {"allow_private_addresses": True}})
    runner, url, received = await receiver()
    with tempfile.TemporaryDirectory() as tmp:
        async with Store(Path(tmp) / "bench.db") as store:
            for _ in range(webhooks):
                await ops.add_webhook(store, url, allow_private_addresses=True)
            outbox = Outbox(store)
            queue = list(range(events))

            async def caller() -> None:
                while queue:
                    i = queue.pop()
                    await outbox(
                        Classification("default", "k", RESULT, {"remoteId": str(i)}, "text", False)
                    )

            t0 = time.perf_counter()
            await asyncio.gather(*(caller() for _ in range(callers)))
            enqueue_s = time.perf_counter() - t0

            async with create_session(settings.webhooks) as session:
                dispatcher = Dispatcher(store, session, settings.webhooks)
                t0 = time.perf_counter()
                await dispatcher.start()
                while dispatcher.delivered < events * webhooks:
                    await asyncio.sleep(0.01)
                deliver_s = time.perf_counter() - t0
                await dispatcher.close()
    await runner.cleanup()
    return {
        "events": events,
        "webhooks": webhooks,
        "callers": callers,
        "enqueue_per_s": events / enqueue_s,
        "deliveries_per_s": events * webhooks / deliver_s,
        "received": received[0],
    }


def write_doc(figures: dict[str, float]) -> None:
    section = (
        "## Webhooks\n\n"
        f"`scripts/bench_webhooks.py` on {platform.machine()} ({platform.python_version()}), "
        "SQLite synchronous=FULL, receiver on 127.0.0.1 answering 204, default settings "
        "(concurrency 32, 4 per webhook).\n\n"
        "| events | webhooks | concurrent callers | outbox events/s | deliveries/s |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"| {figures['events']} | {figures['webhooks']} | {figures['callers']} | "
        f"{figures['enqueue_per_s']:.0f} | {figures['deliveries_per_s']:.0f} |\n"
    )
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start = text.find("## Webhooks")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--webhooks", type=int, default=2)
    parser.add_argument("--callers", type=int, default=64)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/BENCHMARKS.md")
    args = parser.parse_args()
    figures = asyncio.run(bench(args.events, args.webhooks, args.callers))
    for name, value in figures.items():
        print(f"{name:>18}: {value:.0f}")
    if not args.no_write:
        write_doc(figures)


if __name__ == "__main__":
    main()
