"""Fetch an image by URL through the SSRF guard: public addresses only (each redirect's too),
at most `max_bytes` read, the whole fetch within `timeout` seconds. `data:` URLs (base64) are
read without any network."""

from __future__ import annotations

import asyncio
import base64
import binascii

import aiohttp
from yarl import URL

from ..settings import ImageSettings
from ..ssrf import ForbiddenAddress, check_canonical, check_target, guarded_connector
from .errors import BAD_URL, REFUSED, TIMEOUT, TOO_LARGE, UNREACHABLE, MediaError, size_text

ALLOW_SETTING = "images.allow_private_addresses"
# data: URLs from this many base64 characters up are decoded in a thread, off the event loop
# (a 10 MB image is about 13 MB of base64: milliseconds of the loop's time for every request).
LARGE_DATA_URL = 256 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEADERS = {"Accept": "image/*", "User-Agent": "spectrum-rpc image moderation"}


def create_session(settings: ImageSettings) -> aiohttp.ClientSession:
    """Return the session image fetches share (the webhooks' guarded connector; no limit of
    its own: ImageModerator bounds the fetches in flight)."""
    connector = guarded_connector(settings.allow_private_addresses, 0, ALLOW_SETTING)
    # trust_env=False: a proxy from the environment would bypass the address check.
    return aiohttp.ClientSession(connector=connector, trust_env=False, headers=HEADERS)


class Fetcher:
    """Read an image's bytes; raise MediaError with the reason when it cannot."""

    def __init__(self, session: aiohttp.ClientSession, settings: ImageSettings):
        self.session = session
        self.settings = settings
        self.host = ""  # the host of the hop being fetched

    async def fetch(self, url: str) -> bytes:
        """Return the bytes at `url` (a public http(s) URL or a data: URL)."""
        if url[:5].lower() == "data:":
            return await self._data(url)
        try:
            target = URL(url)
        except (ValueError, TypeError):
            raise MediaError(BAD_URL, "not a URL") from None
        try:
            async with asyncio.timeout(self.settings.timeout):
                return await self._follow(target)
        except TimeoutError:
            raise MediaError(TIMEOUT, f"the image took longer than {self.settings.timeout:g} s "
                             "to arrive") from None
        except ForbiddenAddress:
            # A name that resolved to a private address. Which address is not said: anyone with
            # a key reads this answer, and the addresses of internal names map the network
            # behind the server (webhooks, set up by an admin, do name it).
            # Nor which server setting would allow it: the caller is not the operator.
            raise MediaError(REFUSED, f"refused: {self.host} resolves to an address that is "
                             "not allowed (only public addresses are fetched)") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise MediaError(UNREACHABLE, f"could not fetch it: {type(exc).__name__}: "
                             f"{str(exc)[:200]}") from None

    async def _follow(self, target: URL) -> bytes:
        for _ in range(self.settings.max_redirects + 1):
            self._check(target)
            self.host = target.raw_host or ""
            async with self.session.get(target, allow_redirects=False) as resp:
                if resp.status in REDIRECTS and "Location" in resp.headers:
                    target = target.join(URL(resp.headers["Location"]))
                    continue
                if resp.status != 200:
                    raise MediaError(UNREACHABLE, f"the server answered HTTP {resp.status}")
                return await self._read(resp)
        raise MediaError(UNREACHABLE, f"more than {self.settings.max_redirects} redirects")

    def _check(self, target: URL) -> None:
        if target.scheme not in ("http", "https") or not target.raw_host:
            raise MediaError(BAD_URL, "not an http(s) URL with a host")
        try:
            check_canonical(target.raw_host)  # its message tells how to write the address
        except ForbiddenAddress as exc:
            raise MediaError(REFUSED, str(exc)) from None
        try:  # IP literals and localhost names: names are judged again when they resolve
            check_target(str(target), self.settings.allow_private_addresses, ALLOW_SETTING)
        except ForbiddenAddress:
            # The guard's own message names the server setting that allows private addresses:
            # an API caller is not the operator, so only say the address is not allowed.
            raise MediaError(REFUSED, f"refused: {target.raw_host} is an address that is not "
                             "allowed (only public addresses are fetched)") from None

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.settings.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise self._too_large(f"{resp.content_length} bytes")
        data = bytearray()
        while len(data) <= limit:
            chunk = await resp.content.read(limit + 1 - len(data))
            if not chunk:
                return bytes(data)
            data += chunk
        raise self._too_large(f"more than {limit} bytes")

    def _too_large(self, size: str) -> MediaError:
        limit = self.settings.max_bytes
        return MediaError(TOO_LARGE, f"the image is {size}: larger than {size_text(limit)} "
                          f"({limit} bytes), the most this server checks")

    async def _data(self, url: str) -> bytes:
        header, comma, payload = url.partition(",")
        if not comma or not header.lower().endswith(";base64"):
            raise MediaError(BAD_URL, "a data: URL must be base64 (data:image/...;base64,...)")
        if len(payload) * 3 // 4 > self.settings.max_bytes:
            raise self._too_large(f"about {len(payload) * 3 // 4} bytes")
        try:
            if len(payload) < LARGE_DATA_URL:
                return base64.b64decode(payload, validate=True)
            return await asyncio.to_thread(base64.b64decode, payload, validate=True)
        except (binascii.Error, ValueError):
            raise MediaError(BAD_URL, "the data: URL is not valid base64") from None
