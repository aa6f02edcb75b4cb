"""The HTTP side: one shared client session, and one POST attempt with quick in-attempt retries."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from yarl import URL

from ..settings import WebhookSettings
from ..ssrf import ForbiddenAddress, check_host, guarded_connector

Sleep = Callable[[float], Awaitable[None]]
# aiohttp warns (ResourceWarning) when it is handed more raw bytes than this at once: a large
# body (a contentmod callback's full answer can pass 1 MiB) is given as a file-like object,
# which aiohttp writes out in chunks.
_RAW_BODY_MAX = 1 << 20


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status with (capped) body, or an error."""

    status: int | None
    body: bytes
    latency: float
    error: str | None = None
    refused: bool = False  # the address was refused (SSRF guard): retrying cannot help
    retry_after: str | None = None


def create_session(settings: WebhookSettings) -> aiohttp.ClientSession:
    """Return the session every delivery shares (SSRF-guarded resolver unless allowed)."""
    connector = guarded_connector(settings.allow_private_addresses, settings.concurrency)
    # trust_env=False: a proxy from the environment would bypass the address check.
    return aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=True)


class Sender:
    """POST a body; retry at once on connection errors only, never on answers or timeouts."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: WebhookSettings,
        *,
        sleep: Sleep = asyncio.sleep,
    ):
        self.session = session
        self.settings = settings
        self.sleep = sleep

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception_type(aiohttp.ClientConnectionError)
            & retry_if_not_exception_type(asyncio.TimeoutError),
            stop=stop_after_attempt(self.settings.attempt_tries)
            | stop_after_delay(self.settings.attempt_retry_max_delay),
            wait=wait_exponential_jitter(max=2.0, jitter=0.2),  # 1 s, then 2 s (+ up to 0.2 s)
            sleep=self.sleep,
            reraise=True,
        )

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """Make one attempt (with its quick retries) and describe the outcome."""
        started = time.monotonic()
        try:
            check_host(URL(url).raw_host or "", self.settings.allow_private_addresses)
            async for attempt in self._retrying():
                with attempt:
                    status, content, retry_after = await self._post(url, body, headers)
        except ForbiddenAddress as exc:
            return Outcome(None, b"", time.monotonic() - started, str(exc), refused=True)
        except TimeoutError:
            error = f"timeout after {self.settings.timeout:g} s"
            return Outcome(None, b"", time.monotonic() - started, error)
        except (aiohttp.ClientError, ValueError, OSError) as exc:
            # Recorded as the attempt's error and retried on the schedule, so a delivery that
            # always fails this way ends as a dead letter instead of looping.
            error = f"{type(exc).__name__}: {exc}"
            return Outcome(None, b"", time.monotonic() - started, error)
        return Outcome(status, content, time.monotonic() - started, retry_after=retry_after)

    async def _post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes, str | None]:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        data = io.BytesIO(body) if len(body) > _RAW_BODY_MAX else body
        async with self.session.post(
            url, data=data, headers=dict(headers), allow_redirects=False, timeout=timeout
        ) as resp:
            content = await _read_capped(resp, self.settings.max_response_bytes)
            return resp.status, content, resp.headers.get("Retry-After")


async def _read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read at most `limit` bytes of the body: a receiver cannot make us hold more."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await resp.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
