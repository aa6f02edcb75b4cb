"""ImageModerator: fetch (on the event loop), then decode and score (in threads of its own),
for the dialects that take images by URL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiohttp

from ..engine import nudity
from ..settings import ImageSettings
from . import detector as detectors
from .decode import decode
from .errors import NOT_AVAILABLE, UNSUPPORTED, MediaError
from .fetch import Fetcher, create_session


@dataclass(frozen=True)
class ImageResult:
    """One image's scores (the worst of its sampled frames) and what was read."""

    url: str
    score: nudity.NudityScore
    format: str
    size: tuple[int, int]
    frames: int  # in the image
    scored: int  # of them, sampled and scored


Outcome = ImageResult | MediaError
# Images fetched or waiting to be scored at once, per scoring thread: the bytes held in memory
# are at most this many times images.max_bytes per thread, however many requests wait.
IN_FLIGHT_PER_THREAD = 4


class ImageModerator:
    """Own the fetch session, the scoring threads and the detector (loaded on first use)."""

    def __init__(self, settings: ImageSettings):
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._detector: detectors.Detector | MediaError | None = None
        self._loading = asyncio.Lock()
        self._gate = asyncio.Semaphore(settings.concurrency * IN_FLIGHT_PER_THREAD)

    async def open(self) -> ImageModerator:
        """Open the session and the threads."""
        self._session = create_session(self.settings)
        self._threads = ThreadPoolExecutor(self.settings.concurrency, "images")
        return self

    async def close(self) -> None:
        """Close the session; wait for the threads' work in flight."""
        if self._session is not None:
            await self._session.close()
        if self._threads is not None:
            await asyncio.to_thread(self._threads.shutdown, True, cancel_futures=True)

    async def detector(self) -> detectors.Detector:
        """Return the detector, loaded once (in a thread); raise MediaError (unsupported)."""
        if not self.settings.enabled:
            raise MediaError(UNSUPPORTED, NOT_AVAILABLE)  # images.enabled is off
        async with self._loading:
            if self._detector is None:
                try:
                    self._detector = await self._run(detectors.load)
                except MediaError as error:  # remembered: installing the extra needs a restart
                    self._detector = error
        if isinstance(self._detector, MediaError):
            raise self._detector
        return self._detector

    async def check(self, url: str) -> ImageResult:
        """Fetch, decode and score one image; raise MediaError with the reason it could not."""
        detector = await self.detector()  # unsupported: answered before any fetch
        assert self._session is not None, "ImageModerator.open() first"
        async with self._gate:
            data = await Fetcher(self._session, self.settings).fetch(url)
            return await self._run(self._score, detector, url, data)

    async def check_all(self, urls: list[str]) -> list[Outcome]:
        """Check several images at once; each outcome is a result or the error it met."""
        async def one(url: str) -> Outcome:
            try:
                return await self.check(url)
            except MediaError as error:
                return error

        return list(await asyncio.gather(*(one(url) for url in urls)))

    def _score(self, detector: detectors.Detector, url: str, data: bytes) -> ImageResult:
        frames = decode(data, self.settings)
        scores = detector.score(frames.pixels)
        return ImageResult(url, nudity.worst(scores), frames.format, frames.size, frames.frames,
                           len(scores))

    async def _run(self, function, *args):  # noqa: ANN001, ANN202 - a thin executor hop
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)
