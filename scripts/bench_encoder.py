"""What the encoder tier costs: the share of texts it is asked about and classification throughput
with and without it, in the same run.

Two text sets: the development parts of the shared data (realistic sources, never a test
split) and bench_classify.py's short word salads (swearing, spam words and ordinary words
drawn at random: many land near a threshold, so a worst case for the band). Throughput is
measured (a) in this process, `Engine.score` in batches of 64, and (b) as served, through a
MicroBatcher with the engine in its child process (`engine.processes = true`), all texts
submitted at once. Medians of --runs runs; wall-clock, on a shared and noisy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable

from bench_classify import show, text_of  # scripts/ is on sys.path as a script

from spectrum_rpc.engine import Engine, MicroBatcher, load_engine
from spectrum_rpc.training import data_dir, load_corpus


def development_texts(limit: int) -> list[str]:
    """Return up to `limit` development texts, an even mix of the sources (fixed order)."""
    corpus = load_corpus(data_dir())
    sources = [[s.text for s in samples] for samples in corpus.development.values()]
    rng = random.Random(5)
    for texts in sources:
        rng.shuffle(texts)
    out: list[str] = []
    while len(out) < limit and any(sources):
        for texts in sources:
            if texts and len(out) < limit:
                out.append(texts.pop())
    return out


def in_process(engine: Engine, texts: list[str]) -> float:
    """Texts per second through `Engine.score` in batches of 64."""
    start = time.perf_counter()
    for i in range(0, len(texts), 64):
        engine.score(texts[i:i + 64])
    return len(texts) / (time.perf_counter() - start)


def served(engine: Engine, texts: list[str]) -> float:
    """Texts per second through a MicroBatcher scoring in its child process."""

    async def run() -> float:
        async with MicroBatcher(engine, processes=True) as batcher:
            await asyncio.gather(*(batcher.classify(t) for t in texts[:200]))  # warm up
            start = time.perf_counter()
            await asyncio.gather(*(batcher.classify(t) for t in texts))
            return time.perf_counter() - start

    return len(texts) / asyncio.run(run())


def median(runs: int, measure: Callable[[], float]) -> float:
    """Return the median of `runs` measurements."""
    return statistics.median(measure() for _ in range(runs))


def main(argv: list[str] | None = None) -> None:
    """Print (and with --write record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    engine = load_engine()
    if engine.encoder is None:
        sys.exit("the model has no encoder tier")
    linear = engine.without_encoder()
    rng = random.Random(7)
    sets = {"development texts": development_texts(args.texts),
            "word salads (~100 chars)": [text_of(100, rng) for _ in range(args.texts)]}
    engine.score(["warm up the encoder's session"] * 2)
    lines = [f"Model {engine.version}; {args.texts} texts per set; medians of {args.runs} runs.",
             "", "| texts | share asked | tier | in-process texts/s | served texts/s |",
             "|---|---:|---|---:|---:|"]
    for name, texts in sets.items():
        rows = linear.score(texts)
        share = len(engine.encoder.in_band(texts, rows, engine.labels)) / len(texts)
        for tier, e in (("linear only", linear), ("with encoder", engine)):
            local = median(args.runs, lambda e=e, t=texts: in_process(e, t))
            remote = median(args.runs, lambda e=e, t=texts: served(e, t))
            lines.append(f"| {name} | {share:.1%} | {tier} | {local:,.0f} | {remote:,.0f} |")
            print(lines[-1], flush=True)
    show(lines, "Encoder tier cost", "bench_encoder.py", argv, args.write)


if __name__ == "__main__":
    main()
