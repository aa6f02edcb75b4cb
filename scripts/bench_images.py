"""Image moderation: false positives, latency and memory on public-domain and CC0 images that
ship inside PyPI packages (no positives ship in any package we know of: see the output).

    make bench-images    # installs what it reads, then: scripts/bench_images.py --server
    .venv/bin/python scripts/bench_images.py [--runs 5] [--server] [--server-only]

Images: scikit-image's sample data (skimage/data/*: astronaut, camera, chelsea, coffee, rocket,
hubble_deep_field, ... and the animated no_time_for_that_tiny.gif) and matplotlib's sample
photograph (mpl-data/sample_data/grace_hopper.jpg), public domain or CC0; and, where the Debian
packages gnome-backgrounds and desktop-base are installed (`apt-get install gnome-backgrounds
desktop-base`), their raster wallpapers and theme images (CC BY-SA 3.0 and GPL: free, not public
domain). All are labelled safe. Latency: decode + score
per image in one thread (median of --runs), and the whole check (fetch from a loopback server,
decode, score) through ImageModerator. Memory: this process's resident set before the model is
loaded, after, and after scoring everything. With --server, a real `spectrum-rpc serve`: its
resident set (and peak) before any image and after discuse checked every image (the model loaded),
and classifyText's latency, sequential, alone and while two clients send discuse image checks.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spectrum_rpc.constants import DEFAULT_PROJECT, RPC_PATH  # noqa: E402
from spectrum_rpc.media import ImageModerator, MediaError, decode, detector  # noqa: E402
from spectrum_rpc.settings import ImageSettings, load_settings  # noqa: E402

SKIMAGE = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png",
           "coins.png", "color.png", "grass.png", "gravel.png", "horse.png",
           "hubble_deep_field.jpg", "ihc.png", "logo.png", "moon.png", "motorcycle_left.png",
           "page.png", "retina.jpg", "rocket.jpg", "text.png", "no_time_for_that_tiny.gif")


DEBIAN = ("/usr/share/backgrounds/gnome", "/usr/share/desktop-base")


sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import SCRIPT, free_port, make_key  # noqa: E402


def rss_mb(pid: str = "self", field: str = "VmRSS") -> float:
    """Return a process's resident set size (or its peak, VmHWM) in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return Path(next(iter(spec.submodule_search_locations))) if spec and \
        spec.submodule_search_locations else None


def images() -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    skimage = package_dir("skimage")
    for name in SKIMAGE:
        if skimage is not None and (skimage / "data" / name).is_file():
            found[f"skimage/{name}"] = (skimage / "data" / name).read_bytes()
    mpl = package_dir("matplotlib")
    hopper = mpl / "mpl-data/sample_data/grace_hopper.jpg" if mpl else None
    if hopper is not None and hopper.is_file():
        found["matplotlib/grace_hopper.jpg"] = hopper.read_bytes()
    for folder in DEBIAN:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
            if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp") and path.is_file() \
                    and not path.is_symlink():
                found[f"debian/{path.relative_to(Path(folder).parent)}"] = path.read_bytes()
    return found


async def serve_images(found: dict[str, bytes]) -> tuple[web.AppRunner, int]:
    """Serve the images on a loopback port; return the runner and the port."""
    app = web.Application()
    app.router.add_get("/{name:.+}", lambda r: web.Response(body=found[r.match_info["name"]]))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def end_to_end(found: dict[str, bytes], runs: int) -> float:
    """Return the median ms of a whole check (fetch over loopback, decode, score)."""
    runner, port = await serve_images(found)
    settings = load_settings(environ={}, overrides={"images": {"allow_private_addresses": True}})
    moderator = await ImageModerator(settings.images).open()
    await moderator.detector()
    times = []
    for _ in range(runs):
        for name in found:
            started = time.perf_counter()
            await moderator.check(f"http://127.0.0.1:{port}/{name}")
            times.append((time.perf_counter() - started) * 1000)
    await moderator.close()
    await runner.cleanup()
    return statistics.median(times)


async def classify_ms(session: aiohttp.ClientSession, url: str, key: str, count: int
                      ) -> list[float]:
    times = []
    for i in range(count):
        body = {"jsonrpc": "2.0", "id": i, "method": "classifyText",
                "params": {"text": f"you are a wonderful person {i}"}}
        started = time.perf_counter()
        async with session.post(url + RPC_PATH, json=body,
                                headers={"Authorization": f"Apikey {key}"}) as resp:
            assert "result" in await resp.json(), "classifyText failed"
        times.append((time.perf_counter() - started) * 1000)
    return times


async def discuse_all(session: aiohttp.ClientSession, url: str, key: str, port: int,
                      names: list[str], stop: asyncio.Event | None = None) -> int:
    """Check every image through discuse (one request each) until done, or until `stop`."""
    done = 0
    while True:
        for name in names:
            body = {"request": {"media": {"image_url": [f"http://127.0.0.1:{port}/{name}"]}}}
            async with session.post(url + "/api/v1/check", json=body, headers={
                    "x-client-id": DEFAULT_PROJECT, "x-client-secret": key}) as resp:
                answer = await resp.json()
            assert answer["images"]["status"] == "ok", answer["images"]
            done += 1
            if stop is not None and stop.is_set():
                return done
        if stop is None:
            return done


async def server_figures(found: dict[str, bytes], calls: int, concurrency: int) -> None:
    """Measure a real server: memory before and after images, classifyText beside them."""
    runner, image_port = await serve_images(found)
    work = Path(tempfile.mkdtemp(prefix="bench-images-"))
    db = work / "bench.db"
    key = make_key(db)
    port = free_port()
    env = {**os.environ, "SPECTRUM_RPC_IMAGES_ALLOW_PRIVATE_ADDRESSES": "true"}
    if concurrency:
        env["SPECTRUM_RPC_IMAGES_CONCURRENCY"] = str(concurrency)
    with (work / "serve.log").open("wb") as log:
        server = subprocess.Popen([str(SCRIPT), "serve", "--db", str(db), "--port", str(port),
                                   "--log-level", "WARNING"], stdout=subprocess.DEVNULL,
                                  stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(1200):
                try:
                    async with session.get(url + "/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            await classify_ms(session, url, key, 20)  # warm
            pid = str(server.pid)
            before, peak_before = rss_mb(pid), rss_mb(pid, "VmHWM")
            alone = await classify_ms(session, url, key, calls)
            names = list(found)
            await discuse_all(session, url, key, image_port, names)
            after, peak_after = rss_mb(pid), rss_mb(pid, "VmHWM")
            stop = asyncio.Event()  # two clients sending images, one request at a time each
            loops = [asyncio.create_task(discuse_all(session, url, key, image_port,
                                                     names[i::2], stop)) for i in range(2)]
            beside = await classify_ms(session, url, key, calls)
            stop.set()
            checked = sum(await asyncio.gather(*loops))
    finally:
        server.terminate()
        server.wait(timeout=60)
        await runner.cleanup()
    print(f"\nserver (main process, images.concurrency {concurrency or 'default'}): "
          f"RSS {before:.0f} MiB (peak {peak_before:.0f}) before any "
          f"image; {after:.0f} MiB (peak {peak_after:.0f}) after discuse checked all "
          f"{len(found)} (the model loaded)")
    print(f"classifyText, {calls} sequential calls: median {statistics.median(alone):.2f} ms "
          f"alone, {statistics.median(beside):.2f} ms while discuse checked {checked} images "
          f"beside it (p90 {sorted(alone)[int(calls * 0.9)]:.2f} / "
          f"{sorted(beside)[int(calls * 0.9)]:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", action="store_true",
                        help="also measure a real `spectrum-rpc serve` (memory, classifyText)")
    parser.add_argument("--calls", type=int, default=200, help="classifyText calls (--server)")
    parser.add_argument("--server-only", action="store_true", help="only the --server figures")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="the server's images.concurrency (default: its own default)")
    args = parser.parse_args()
    found = images()
    if not found:
        sys.exit("no sample images: pip install -e '.[bench,bench-images]' (matplotlib, "
                 "scikit-image)")
    if args.server_only:
        asyncio.run(server_figures(found, args.calls, args.concurrency))
        return
    settings = ImageSettings()
    before = rss_mb()
    started = time.perf_counter()
    model = detector.load()
    load_ms = (time.perf_counter() - started) * 1000
    loaded = rss_mb()
    print(f"{len(found)} images, all safe; threshold {settings.threshold} (* over it)\n")
    print(f"{'image':40} {'size':>11} {'frames':>6} {'porn':>6} {'sexual':>6} {'ms':>7}")
    medians, flagged, refused = [], 0, 0
    for name, data in list(found.items()):
        times = []
        try:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                frames = decode(data, settings)
                scores = model.score(frames.pixels)
                times.append((time.perf_counter() - t0) * 1000)
        except MediaError as error:  # over a limit: said, and left out of the figures
            print(f"{name:40} refused: {error.message}")
            refused += 1
            del found[name]
            continue
        porn = max(s.porn for s in scores)
        sexual = max(s.sexual for s in scores)
        flagged += max(porn, sexual) >= settings.threshold
        medians.append(statistics.median(times))
        size = f"{frames.size[0]}x{frames.size[1]}"
        if max(porn, sexual) >= settings.threshold:
            name = "* " + name
        print(f"{name:40} {size:>11} {frames.frames:>6} {porn:6.3f} {sexual:6.3f} "
              f"{medians[-1]:7.1f}")
    after = rss_mb()
    whole = asyncio.run(end_to_end(found, args.runs))
    print(f"\nfalse positives at {settings.threshold}: {flagged} of {len(found)} "
          f"({refused} refused by the limits)")
    print(f"decode + score per image: median {statistics.median(medians):.1f} ms "
          f"(max {max(medians):.1f} ms); whole check over loopback: median {whole:.1f} ms")
    print(f"model load: {load_ms:.0f} ms; RSS before the model {before:.0f} MiB, with it "
          f"{loaded:.0f} MiB (+{loaded - before:.0f}), after scoring {after:.0f} MiB "
          f"(+{after - before:.0f}); peak {rss_mb('self', 'VmHWM'):.0f} MiB")
    if args.server:
        asyncio.run(server_figures(found, args.calls, args.concurrency))


if __name__ == "__main__":
    main()
