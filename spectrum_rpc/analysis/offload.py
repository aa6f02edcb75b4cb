"""Detectors for large texts run in a child process.

The detectors are pure Python: a 15 MB text costs tens of seconds of CPU (personal data alone
about 18 s), and in a thread that time holds the interpreter lock the event loop needs, so every
other request of the server would wait on it. From `LARGE_TEXT` characters up, a text's
detectors run in one child process instead (one at a time: memory stays bounded whatever the
number of large texts in flight); shorter texts run in a thread, where a process hop would cost
more than it saves. A large text is split into sentences there too. The child builds the
detectors from the served model's lexicon, read from its directory, and is replaced when that
model changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..engine import LEXICON_FILE, Lexicon
from .options import Options
from .sentences import grouped

if TYPE_CHECKING:
    from .detection import Detection

log = logging.getLogger(__name__)
T = TypeVar("T")

# Characters from which a text's detectors run in the child process by default
# (`engine.detector_process_chars`): a 256 K text's detectors take about a third of a second of
# CPU, the hop to the child a few milliseconds.
LARGE_TEXT = 256 * 1024


class DetectorsFailed(RuntimeError):
    """The child process died while analysing a text (it is replaced for the next one)."""


class Offload:
    """Run the detectors of a text in a thread, or in the child process for large texts."""

    def __init__(self, large_text: int = LARGE_TEXT):
        self.large_text = large_text
        self._pool: ProcessPoolExecutor | None = None
        self._source: Path | None = None

    async def run(self, detection: Detection, source: Path | None, text: str,
                  options: Options, toxic: bool | None = True) -> dict[str, Any]:
        """Return `detection.run(text, options, toxic)`, computed where it disturbs the server
        least. `source` is the directory of the model whose lexicon `detection` holds."""
        if source is None or self._small(text):
            return await asyncio.to_thread(detection.run, text, options, toxic)
        return await self._in_child(source, _run, text, options, toxic)

    async def sentences(self, source: Path | None, text: str, most: int) -> list[tuple[int, int]]:
        """Return `sentences.grouped(text, most)`, computed where it disturbs the server least
        (millions of short sentences take seconds of CPU)."""
        if source is None or self._small(text):
            return await asyncio.to_thread(grouped, text, most)
        return await self._in_child(source, grouped, text, most)

    def _small(self, text: str) -> bool:
        return not self.large_text or len(text) < self.large_text

    async def _in_child(self, source: Path, work: Callable[..., T], text: str, *args: Any) -> T:
        pool = self._pool_for(source)
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work, text, *args)
        except BrokenProcessPool:
            # Killed (out of memory, a signal): the next large text gets a new child.
            self._discard()
            log.error("the detector process died analysing a text of %d characters", len(text))
            raise DetectorsFailed("the detector process died; the text was not analysed") from None

    def _pool_for(self, source: Path) -> ProcessPoolExecutor:
        if self._pool is None or self._source != source:
            self._discard()
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start, initargs=(str(source),))
            self._source = source
        return self._pool

    def _discard(self) -> None:
        if self._pool is not None:
            # Texts already queued on it finish first (a swap is not an error for them).
            self._pool.shutdown(wait=False)
            self._pool = None

    async def close(self) -> None:
        """Stop the child process (after what it is analysing)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


# -- in the child process -------------------------------------------------------------------

_DETECTION: Detection | None = None


def _start(source: str) -> None:
    global _DETECTION
    from .detection import Detection

    records = json.loads((Path(source) / LEXICON_FILE).read_text())
    _DETECTION = Detection(Lexicon.from_records(records))


def _run(text: str, options: Options, toxic: bool | None) -> dict[str, Any]:
    assert _DETECTION is not None, "the detector process was not started"
    return _DETECTION.run(text, options, toxic)
