"""Micro-batching in front of the engine: gather concurrent requests, score them off the loop.

Short texts are collected into batches (flushed at `max_batch` texts or after `max_delay`
seconds) and scored in a thread pool; texts of `long_text` characters or more go to their own
lane so one 15 MB request never holds up small ones. `engine` is read once per batch, so
assigning `batcher.engine = new_engine` swaps models atomically between batches.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .engine import Engine
from .worker import EngineProcess

log = logging.getLogger(__name__)

Scores = dict[str, float]


@dataclass
class BatcherStats:
    """Counters for monitoring (one writer: the event loop thread)."""

    batches: int = 0
    texts: int = 0
    long_texts: int = 0
    failures: int = 0
    # Batches by size.bit_length(): power-of-two buckets (1, 2-3, 4-7, ...), a few keys however
    # many batches, read by the metrics at scrape time.
    sizes: Counter[int] = field(default_factory=Counter)


class MicroBatcher:
    """Score texts through `engine` in batches on worker threads.

    Batching adapts to load: while a worker is free, whatever arrived during the current turn
    of the event loop is sent at once (no fixed wait, so a lone request pays no batching
    delay); while all workers are busy, arrivals queue up and leave as one batch (up to
    `max_batch`) the moment a worker frees. A batch therefore never waits longer than one
    batch's scoring time, and `max_delay` bounds the wait when the pool is saturated.
    """

    def __init__(self, engine: Engine, max_batch: int = 64, max_delay: float = 0.002,
                 workers: int | None = None, long_text: int = 64 * 1024,
                 long_workers: int = 1, processes: bool = False):
        if max_batch < 1 or max_delay < 0:
            raise ValueError("max_batch must be >= 1 and max_delay >= 0")
        self.engine = engine
        self.max_batch = max_batch
        self.max_delay = max_delay
        # Pure-Python featurisation holds the GIL, so threads beyond the cores only steal
        # time from the event loop; one per spare core is the sweet spot.
        self.workers = workers or max(1, min(4, (os.cpu_count() or 2) - 1))
        self.long_text = long_text
        self.long_workers = long_workers
        # processes=True: score in child processes (one for short batches, one for long texts)
        # instead of threads; `workers` is then the number of batches in flight to the child.
        self.processes = processes
        self._process: EngineProcess | None = None
        self._long_process: EngineProcess | None = None
        self.stats = BatcherStats()
        self._pending: list[tuple[str, asyncio.Future]] = []
        self._busy = 0
        self._flush_handle: asyncio.Handle | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._inflight: set[asyncio.Future] = set()
        # Short batches go to dedicated threads through a plain queue and come back with one
        # call_soon_threadsafe: half the CPU per hand-off of run_in_executor's future chaining.
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._long_pool: ThreadPoolExecutor | None = None
        self._running = False
        self._closing = False

    async def start(self) -> None:
        """Start the worker pools."""
        if self._running:
            raise RuntimeError("MicroBatcher already started")
        if self.processes:
            if self.engine.source is None:
                raise ValueError("an engine process needs an engine loaded from a directory")
            encoder = self.engine.encoder is not None
            self._process = EngineProcess(self.engine.source, self.engine.version, "engine",
                                          encoder=encoder)
            self._long_process = EngineProcess(self.engine.source, self.engine.version,
                                               "engine-long", encoder=encoder)
            try:
                await asyncio.gather(self._process.start(), self._long_process.start())
            except BaseException:
                await asyncio.gather(self._process.close(), self._long_process.close())
                raise
            self._running = True
            log.info("micro-batcher started: engine processes, %d batches in flight, "
                     "max_batch=%d", self.workers, self.max_batch)
            return
        loop = asyncio.get_running_loop()
        self._threads = [
            threading.Thread(target=self._work, args=(loop,), name=f"spectrum-engine-{i}",
                             daemon=True)
            for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()
        self._long_pool = ThreadPoolExecutor(self.long_workers,
                                             thread_name_prefix="spectrum-engine-long")
        self._running = True
        log.info("micro-batcher started: %d workers, max_batch=%d, max_delay=%.4fs",
                 self.workers, self.max_batch, self.max_delay)

    async def close(self) -> None:
        """Stop accepting texts, finish everything already submitted, stop the pools."""
        if not self._running or self._closing:
            return
        self._closing = True
        while self._pending or self._busy or self._inflight:
            self._flush()
            await self._idle.wait()
            await asyncio.gather(*self._inflight, return_exceptions=True)
        for process in (self._process, self._long_process):
            if process is not None:
                await process.close()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        if self._long_pool is not None:
            self._long_pool.shutdown(wait=True)
        log.info("micro-batcher closed after %d batches, %d texts", self.stats.batches,
                 self.stats.texts)

    @property
    def queue_depth(self) -> int:
        """Texts waiting for a free worker (not counting the batches being scored)."""
        return len(self._pending)

    @property
    def busy(self) -> int:
        """Batches being scored now."""
        return self._busy

    async def __aenter__(self) -> MicroBatcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def classify(self, text: str) -> Scores:
        """Return the engine's scores for one text."""
        if not self._running or self._closing:
            raise RuntimeError("MicroBatcher is not running")
        if len(text) >= self.long_text:
            return await self._classify_long(text)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Scores] = loop.create_future()
        self._pending.append((text, future))
        if self._flush_handle is None:
            # Free worker: leave at the end of this loop turn, with whatever else arrived in
            # it. Busy pool: a finishing batch flushes; the timer only bounds the wait.
            if self._busy < self.workers:
                self._flush_handle = loop.call_soon(self._flush)
            else:
                self._flush_handle = loop.call_later(self.max_delay, self._flush)
        return await future

    async def _classify_long(self, text: str) -> Scores:
        loop = asyncio.get_running_loop()
        if self._long_process is not None:
            job = loop.create_future()
            self._long_process.submit([text], lambda results, error: _settle(job, results,
                                                                              error))
        else:
            job = loop.run_in_executor(self._long_pool, self.engine.classify, [text])
        self._track(job)
        self.stats.long_texts += 1
        return (await job)[0]

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        while self._pending and self._busy < self.workers:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            self._dispatch(batch)

    def _dispatch(self, batch: list[tuple[str, asyncio.Future]]) -> None:
        self._busy += 1
        self._idle.clear()
        if self._process is not None:
            self._process.submit([text for text, _ in batch],
                                 lambda results, error: self._deliver(batch, results, error))
        else:  # the engine is read once per batch: swaps are atomic
            self._jobs.put((self.engine, batch))
        stats = self.stats
        stats.batches += 1
        stats.texts += len(batch)
        stats.sizes[len(batch).bit_length()] += 1

    def _work(self, loop: asyncio.AbstractEventLoop) -> None:
        """Worker thread: score queued batches until told to stop."""
        while (job := self._jobs.get()) is not None:
            engine, batch = job
            try:
                results, error = engine.classify([text for text, _ in batch]), None
            except Exception as exc:  # handed to the waiting requests, not swallowed
                results, error = None, exc
            loop.call_soon_threadsafe(self._deliver, batch, results, error)

    def _deliver(self, batch: list[tuple[str, asyncio.Future]], results: list[Scores] | None,
                 error: Exception | None) -> None:
        self._busy -= 1
        if self._pending:
            self._flush()
        if not self._busy:
            self._idle.set()
        if error is not None:
            self.stats.failures += 1
            log.error("engine batch of %d texts failed: %r", len(batch), error)
        for i, (_, future) in enumerate(batch):
            _settle(future, None if results is None else results[i], error)

    def _track(self, job: asyncio.Future) -> None:
        self._inflight.add(job)
        job.add_done_callback(self._inflight.discard)


def _settle(future: asyncio.Future, value: object, error: BaseException | None) -> None:
    """Give a waiting request its result, or the batch's error (None means no answer)."""
    if future.done():  # the request was cancelled while its text was scored
        return
    if value is None:
        future.set_exception(error or RuntimeError("engine returned nothing"))
    else:
        future.set_result(value)
