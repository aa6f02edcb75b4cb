"""Benchmark the classification engine against alt-profanity-check; optionally record the figures.

Single-text latency (p50/p99) and batch throughput for short (~100 chars), medium (~2 KB) and
15 MB texts. Each figure is the median of --runs runs. The machine is shared and noisy, so
every figure is given twice: wall-clock, and this thread's CPU time (`time.thread_time`), which
other processes competing for the cores inflate far less.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from spectrum_rpc.analysis import AVAILABLE, Detection, Options
from spectrum_rpc.engine import Engine, MicroBatcher, load_engine

WORDS = ("the a you this meeting report is was great terrible idiot fucking love hate call now "
         "free prize win click link account password tomorrow project team budget stupid "
         "please thanks shit nice weather music video subscribe channel http://x.example.com "
         "09061701461 morning family friend work school").split()
SECTION = "## Classification engine"
DOC = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"


def text_of(chars: int, rng: random.Random) -> str:
    """Return a pseudo-sentence of about `chars` characters."""
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:chars]


def titled(text: str, rng: random.Random) -> str:
    """Return `text` with its first word and about one word in five capitalised."""
    words = text.split(" ")
    return " ".join(w.capitalize() if i == 0 or rng.random() < 0.2 else w
                    for i, w in enumerate(words))


def percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency(fn: Callable[[list[str]], object], texts: list[str]) -> tuple[float, ...]:
    """Return wall p50, wall p99, cpu p50, cpu p99 in ms of scoring one text at a time."""
    fn(texts[:10])
    wall, cpu = [], []
    for text in texts:
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn([text])
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return tuple(percentile(t, q) * 1e3 for t in (wall, cpu) for q in (0.5, 0.99))


def throughput(fn: Callable[[list[str]], object], texts: list[str],
               batch: int) -> tuple[float, float]:
    """Return texts per second (wall, cpu) scoring `texts` in batches of `batch`."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    for i in range(0, len(texts), batch):
        fn(texts[i:i + batch])
    cpu = time.thread_time() - start_cpu
    return len(texts) / (time.perf_counter() - start), len(texts) / cpu


def batcher_throughput(engine: Engine, texts: list[str], workers: int) -> tuple[float, float]:
    """Return texts per second (wall, process cpu) through a MicroBatcher, all texts at once."""

    async def run() -> float:
        async with MicroBatcher(engine, workers=workers) as batcher:
            start = time.perf_counter()
            await asyncio.gather(*(batcher.classify(t) for t in texts))
            return time.perf_counter() - start

    start_cpu = time.process_time()
    wall = asyncio.run(run())
    return len(texts) / wall, len(texts) / (time.process_time() - start_cpu)


def median_of(runs: int, measure: Callable[[], float | tuple[float, ...]]):
    """Return the per-component median of `runs` measurements."""
    results = [measure() for _ in range(runs)]
    if isinstance(results[0], tuple):
        return tuple(statistics.median(r[i] for r in results) for i in range(len(results[0])))
    return statistics.median(results)


def bench(runs: int, huge_mb: float, compare: bool, models: Path | None = None,
          linear: bool = False) -> list[str]:
    """Run every measurement (the engine of `models`, default the shipped one; `linear`:
    without its encoder tier) and return markdown lines."""
    rng = random.Random(7)
    engine = load_engine(models)
    if linear:
        engine = engine.without_encoder()
    short = [text_of(100, rng) for _ in range(5000)]
    medium = [text_of(2048, rng) for _ in range(400)]
    huge = text_of(int(huge_mb * 1e6), rng)
    rows = [("spectrum-rpc " + engine.version, engine.classify)]
    if compare:
        from profanity_check import predict_prob

        rows.append(("alt-profanity-check", predict_prob))
    lines = [f"| {'engine':<34} | {'measure':<34} | {'wall':>12} | {'cpu':>12} |",
             "|---|---|---:|---:|"]

    def add(name: str, what: str, wall: str, cpu: str) -> None:
        lines.append(f"| {name:<34} | {what:<34} | {wall:>12} | {cpu:>12} |")

    for name, fn in rows:
        p50, p99, c50, c99 = median_of(runs, lambda fn=fn: latency(fn, short[:2000]))
        add(name, "short text latency p50", f"{p50:.3f} ms", f"{c50:.3f} ms")
        add(name, "short text latency p99", f"{p99:.3f} ms", f"{c99:.3f} ms")
        m50, _, mc50, _ = median_of(runs, lambda fn=fn: latency(fn, medium[:200]))
        add(name, "2 KB text latency p50", f"{m50:.3f} ms", f"{mc50:.3f} ms")
        for batch in (64, 1000):
            tps, cps = median_of(runs, lambda fn=fn, b=batch: throughput(fn, short, b))
            add(name, f"short texts/s, batches of {batch}", f"{tps:,.0f}", f"{cps:,.0f}")
        tps, cps = median_of(runs, lambda fn=fn: throughput(fn, medium, 64))
        add(name, "2 KB texts/s, batches of 64", f"{tps:,.0f}", f"{cps:,.0f}")
        tps, cps = median_of(max(1, runs // 2), lambda fn=fn: throughput(fn, [huge], 1))
        add(name, f"one {huge_mb:g} MB text", f"{1 / tps:.2f} s", f"{1 / cps:.2f} s")
    for workers in (1, 2):
        tps, cps = median_of(runs, lambda w=workers: batcher_throughput(engine, short, w))
        add("spectrum-rpc MicroBatcher", f"short texts/s, {workers} worker thread(s)",
            f"{tps:,.0f}", f"{cps:,.0f}")
    return lines


def analysis_bench(runs: int, huge_mb: float) -> list[str]:
    """The full analysis (every detector this server runs, at NORMAL) of a 100-character text in
    one process: p50/p99 of the whole and each detector's share; then one huge text."""
    import resource

    rng = random.Random(11)
    engine = load_engine()
    detection = Detection(engine.lexicon)
    # `quality` is read off the engine's labels: no detector of its own.
    detectors = sorted(set(AVAILABLE) - {"labels", "quality"})
    short = [text_of(100, rng) for _ in range(1000)]
    every = Options(detect=frozenset(detectors))
    detection.run(short[0], every)  # builds each detector once (the speller takes seconds)
    steps: list[tuple[str, Callable[[list[str]], object]]] = [
        ("labels (the engine)", engine.classify)]
    for name in detectors:
        alone = Options(detect=frozenset({name}))
        steps.append((name, lambda texts, o=alone: [detection.run(t, o) for t in texts]))

    def full(texts: list[str]) -> None:
        engine.classify(texts)
        for text in texts:
            detection.run(text, every)

    steps.append(("full analysis", full))
    # The texts above are lower-case, and NORMAL finds capitalised names only: the name tagger
    # is skipped on them. The same texts with a capital opening each sentence and on about one
    # word in five show what a text that needs the tagger costs.
    cased = [titled(t, rng) for t in short]
    steps.append(("full analysis, capitals", full))
    lines = [f"| {'step':<22} | {'wall p50':>10} | {'wall p99':>10} | {'cpu p50':>10} "
             f"| {'cpu p99':>10} |", "|---|---:|---:|---:|---:|"]
    for name, fn in steps:
        texts = cased if name.endswith("capitals") else short
        p50, p99, c50, c99 = median_of(runs, lambda fn=fn, t=texts: latency(fn, t))
        lines.append(f"| {name:<22} | {p50 * 1e3:>7.0f} µs | {p99 * 1e3:>7.0f} µs "
                     f"| {c50 * 1e3:>7.0f} µs | {c99 * 1e3:>7.0f} µs |")
    lines += ["", *shares(engine, detection, detectors, {"lower-case": short, "capitals": cased},
                          runs)]
    huge = text_of(int(huge_mb * 1e6), rng)
    lines += ["", f"One {huge_mb:g} MB text, each step once:", "",
              "| step | wall | cpu |", "|---|---:|---:|"]
    for name, fn in steps:
        if name.endswith("capitals"):
            continue
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn([huge])
        lines.append(f"| {name} | {time.perf_counter() - start:.1f} s "
                     f"| {time.thread_time() - start_cpu:.1f} s |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak resident memory of the process: {peak:,.0f} MiB."]
    return lines


def shares(engine: Engine, detection: Detection, detectors: list[str],
           sets: dict[str, list[str]], runs: int) -> list[str]:
    """Each step's CPU p50 and share when the steps run in turn on each text, as the full
    analysis runs them (so each pays for the caches the others evict, unlike alone)."""
    alone = {name: Options(detect=frozenset({name})) for name in detectors}

    def one_pass(texts: list[str]) -> dict[str, float]:
        times: dict[str, list[float]] = {name: [] for name in ["labels", *detectors]}
        for text in texts:
            start = time.thread_time()
            engine.classify([text])
            times["labels"].append(time.thread_time() - start)
            for name, options in alone.items():
                start = time.thread_time()
                detection.run(text, options)
                times[name].append(time.thread_time() - start)
        return {name: statistics.median(values) * 1e6 for name, values in times.items()}

    medians = {label: [one_pass(texts) for _ in range(runs)] for label, texts in sets.items()}
    p50 = {label: {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
           for label, rounds in medians.items()}
    labels = list(sets)
    lines = ["Each step in turn on the same text (the full analysis' order of cache use), "
             "CPU p50 and share of their sum:", "",
             "| step | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for name in p50[labels[0]]:
        cells = [f"{p50[label][name]:.0f} µs ({p50[label][name] / sum(p50[label].values()):.0%})"
                 for label in labels]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| sum | " + " | ".join(f"{sum(p50[label].values()):.0f} µs" for label in labels)
                 + " |")
    return lines


def write_section(title: str, lines: list[str], command: str) -> None:
    """Replace (or add) `### title` under `## Classification engine` in docs/BENCHMARKS.md,
    leaving every other section alone."""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end < 0 else end + 1
    section = text[start:end]
    heading = f"### {title}"
    body = "\n".join([
        heading, "",
        f"`{command}` — {platform.machine()}, {os.cpu_count()} cores (shared, noisy), "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.", "",
        *lines, "",
    ]) + "\n"
    at = section.find(heading)
    if at < 0:
        section = section.rstrip("\n") + "\n\n" + body
    else:
        following = section.find("\n### ", at + len(heading))
        section = section[:at] + body + ("" if following < 0 else section[following + 1:])
    DOC.write_text(text[:start] + section.rstrip("\n") + "\n\n" + text[end:].lstrip("\n")
                   if end < len(text) else text[:start] + section)


def show(lines: list[str], title: str, script: str, argv: list[str] | None,
         write: bool) -> None:
    """Print a script's table; with `write`, record it as `### title` with the command that
    made it (`script` run with `argv`, default the process's own arguments)."""
    print("\n".join(lines))
    if write:
        given = argv if argv is not None else sys.argv[1:]
        write_section(title, lines, " ".join([f".venv/bin/python scripts/{script}", *given]))


def main(argv: list[str] | None = None) -> None:
    """Print (and with --write, record) the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median taken)")
    parser.add_argument("--huge-mb", type=float, default=15.0, help="size of the huge text")
    parser.add_argument("--no-compare", action="store_true", help="skip alt-profanity-check")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    parser.add_argument("--models", type=Path, help="model directory (default: the shipped one)")
    parser.add_argument("--linear", action="store_true",
                        help="the linear tier alone (the encoder tier switched off)")
    parser.add_argument("--analysis", action="store_true",
                        help="measure the full analysis (every detector) instead of the engine")
    args = parser.parse_args(argv)
    if args.analysis:
        lines = analysis_bench(args.runs, args.huge_mb)
    else:
        lines = bench(args.runs, args.huge_mb, not args.no_compare, args.models, args.linear)
    show(lines, "Full analysis" if args.analysis else "Speed", "bench_classify.py", argv,
         args.write)


if __name__ == "__main__":
    main()
