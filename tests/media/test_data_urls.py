"""data: URLs: a large one is base64-decoded off the event loop (other tasks run meanwhile), a
small one on it (a thread hop would cost more than it saves); both decode the same bytes, and
invalid base64 is refused either way."""

from __future__ import annotations

import asyncio
import base64
import os

import aiohttp
import pytest

from spectrum_rpc.media import MediaError, errors
from spectrum_rpc.media.fetch import LARGE_DATA_URL, Fetcher
from spectrum_rpc.settings import load_settings


async def fetch_alongside(url: str) -> tuple[bytes, list[str]]:
    """Fetch `url` while another task waits to run; return the bytes and the order they ran."""
    order: list[str] = []

    async def other() -> None:
        order.append("other task")

    settings = load_settings(environ={}, overrides={}).images
    async with aiohttp.ClientSession() as session:
        waiting = asyncio.create_task(other())
        data = await Fetcher(session, settings).fetch(url)
        order.append("decoded")
        await waiting
    return data, order


@pytest.mark.parametrize(("size", "order"), [
    (LARGE_DATA_URL, ["other task", "decoded"]),  # the loop ran the other task meanwhile
    (1000, ["decoded", "other task"]),
])
async def test_large_data_urls_are_decoded_off_the_event_loop(size, order):
    raw = os.urandom(size)
    url = "data:image/png;base64," + base64.b64encode(raw).decode()
    data, ran = await fetch_alongside(url)
    assert data == raw and ran == order


@pytest.mark.parametrize("size", [LARGE_DATA_URL, 1000])
async def test_invalid_base64_is_refused_at_any_size(size):
    url = "data:image/png;base64," + "A" * (size - 1) + "!"
    with pytest.raises(MediaError) as caught:
        await fetch_alongside(url)
    assert caught.value.code == errors.BAD_URL and "not valid base64" in caught.value.message
