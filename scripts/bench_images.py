"""Image moderation: false positives, latency and memory on public-domain and CC0 images that
ship inside PyPI packages (no positives ship in any package we know of: see the output).

    .venv/bin/python scripts/bench_images.py [--runs 5]

Images: scikit-image's sample data (skimage/data/*: astronaut, camera, chelsea, coffee, rocket,
hubble_deep_field, ... and the animated no_time_for_that_tiny.gif) and matplotlib's sample
photograph (mpl-data/sample_data/grace_hopper.jpg), public domain or CC0; and, where the Debian
packages gnome-backgrounds and desktop-base are installed (`apt-get install gnome-backgrounds
desktop-base`), their raster wallpapers and theme images (CC BY-SA 3.0 and GPL: free, not public
domain). All are labelled safe. Latency: decode + score
per image in one thread (median of --runs), and the whole check (fetch from a loopback server,
decode, score) through ImageModerator. Memory: this process's resident set before the model is
loaded, after, and after scoring everything.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spectrum_rpc.media import ImageModerator, MediaError, detector  # noqa: E402
from spectrum_rpc.media.decode import decode  # noqa: E402
from spectrum_rpc.settings import ImageSettings, load_settings  # noqa: E402

SKIMAGE = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png",
           "coins.png", "color.png", "grass.png", "gravel.png", "horse.png",
           "hubble_deep_field.jpg", "ihc.png", "logo.png", "moon.png", "motorcycle_left.png",
           "page.png", "retina.jpg", "rocket.jpg", "text.png", "no_time_for_that_tiny.gif")


DEBIAN = ("/usr/share/backgrounds/gnome", "/usr/share/desktop-base")


def rss_mb() -> float:
    """Return this process's resident set size in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
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


async def end_to_end(found: dict[str, bytes], runs: int) -> float:
    """Return the median ms of a whole check (fetch over loopback, decode, score)."""
    from aiohttp import web

    app = web.Application()
    app.router.add_get("/{name:.+}", lambda r: web.Response(body=found[r.match_info["name"]]))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    found = images()
    if not found:
        sys.exit("no sample images: pip install -e '.[bench]' (scikit-image, matplotlib)")
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
          f"(+{after - before:.0f})")


if __name__ == "__main__":
    main()
