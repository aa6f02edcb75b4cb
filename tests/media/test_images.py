"""spectrum_rpc.media against a real image server on loopback: fetch limits, the SSRF guard on
every hop, content sniffed from the bytes, decompression bombs, GIF frames sampled, and the real
NudeNet model (the `images` extra, which the test extra installs)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import aiohttp
import pytest

from spectrum_rpc.engine import nudity
from spectrum_rpc.media import ImageModerator, ImageResult, MediaError, errors
from spectrum_rpc.media.fetch import ALLOW_SETTING, Fetcher
from spectrum_rpc.settings import load_settings
from spectrum_rpc.ssrf import GuardedResolver
from tests.helpers.images import LoopbackResolver, image_server

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("nudenet") is None,
    reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]')")


def settings(**images):  # type: ignore[no-untyped-def]
    """Image settings; loopback allowed unless said otherwise (the server is on 127.0.0.1)."""
    return load_settings(environ={}, overrides={
        "images": {"allow_private_addresses": True, **images}}).images


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with image_server() as started:
        yield started


@pytest.fixture
async def moderator():  # type: ignore[no-untyped-def]
    opened = await ImageModerator(settings(max_bytes=1024 * 1024, sample_frames=4)).open()
    yield opened
    await opened.close()


async def failure(moderator: ImageModerator, url: str) -> MediaError:
    [outcome] = await moderator.check_all([url])
    assert isinstance(outcome, MediaError), outcome
    return outcome


@needs_model
async def test_a_photo_is_fetched_decoded_and_scored(server, moderator):
    result = await moderator.check(f"{server.url}/photo.jpg")
    assert isinstance(result, ImageResult)
    assert (result.format, result.size, result.frames, result.scored) == ("JPEG", (640, 480), 1, 1)
    assert result.score.category == nudity.NEUTRAL and result.score.porn < 0.25


@needs_model
async def test_the_format_is_sniffed_from_the_bytes_not_the_content_type(server, moderator):
    result = await moderator.check(f"{server.url}/photo-as-text")
    assert result.format == "JPEG"
    error = await failure(moderator, f"{server.url}/page.html")  # served as image/png
    assert error.code == errors.NOT_IMAGE


@needs_model
async def test_a_gif_has_its_frames_sampled_evenly(server, moderator):
    result = await moderator.check(f"{server.url}/anim.gif")
    assert (result.format, result.frames, result.scored) == ("GIF", 12, 4)
    assert nudity.sample(12, 4) == [0, 4, 7, 11]


@needs_model
@pytest.mark.parametrize(("name", "code", "words"), [
    ("big.jpg", errors.TOO_LARGE, "larger than 1 MiB (1048576 bytes)"),
    ("stream", errors.TOO_LARGE, "more than 1048576 bytes"),
    ("bomb.png", errors.TOO_LARGE, "pixels this server checks"),
    ("claims-huge.png", errors.TOO_LARGE, "decompression bomb"),
    ("truncated.jpg", errors.NOT_IMAGE, "could not be decoded"),
    ("missing.png", errors.UNREACHABLE, "HTTP 404"),
])
async def test_limits_and_broken_images_are_refused_with_the_reason(server, moderator, name, code,
                                                                    words):
    error = await failure(moderator, f"{server.url}/{name}")
    assert error.code == code and words in error.message
    assert "images." not in error.message  # no server setting named: the caller is not the operator


@needs_model
async def test_frame_limits_refuse_long_animations(server):
    small = await ImageModerator(settings(max_frames=5)).open()
    try:
        error = await failure(small, f"{server.url}/anim.gif")
        assert error.code == errors.TOO_LARGE and "at most 5 frames" in error.message
    finally:
        await small.close()


@needs_model
async def test_a_slow_server_times_out(server):
    quick = await ImageModerator(settings(timeout=0.3)).open()
    try:
        error = await failure(quick, f"{server.url}/hang")
        assert error.code == errors.TIMEOUT and "took longer than 0.3 s" in error.message
    finally:
        await quick.close()


@needs_model
async def test_redirects_are_followed_up_to_the_limit_and_not_to_other_schemes(server, moderator):
    server.redirects.update({"r1": f"{server.url}/photo.jpg", "loop": f"{server.url}/loop",
                             "file": "file:///etc/passwd"})
    assert (await moderator.check(f"{server.url}/r1")).format == "JPEG"
    assert (await failure(moderator, f"{server.url}/loop")).code == errors.UNREACHABLE
    assert (await failure(moderator, f"{server.url}/file")).code == errors.BAD_URL


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "http://[bad/a.png", "/a.png",
                                 "javascript:alert(1)"])
async def test_what_is_not_an_http_url_is_a_bad_url(url):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(MediaError) as caught:
            await Fetcher(session, settings()).fetch(url)
    assert caught.value.code == errors.BAD_URL


@pytest.mark.parametrize("url", ["http://127.0.0.1/a.png", "http://10.0.0.1/a.png",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/a",
                                 "http://localhost/a.png", "http://2130706433/a.png"])
async def test_private_addresses_are_refused_by_default(url):
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(session, settings(allow_private_addresses=False))
        with pytest.raises(MediaError) as caught:
            await fetcher.fetch(url)
    assert caught.value.code == errors.REFUSED


async def test_a_redirect_into_private_space_is_refused(server):
    # images.test stands for a public name (resolved to the loopback server by the test's
    # resolver, without the guard); it redirects to private addresses, which the guard refuses
    # on the redirect's hop before any connection.
    server.redirects.update({"to-loopback": f"{server.url}/photo.jpg",
                             "to-metadata": "http://169.254.169.254/latest/meta-data"})
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        fetcher = Fetcher(session, settings(allow_private_addresses=False))
        for name in ("to-loopback", "to-metadata"):
            with pytest.raises(MediaError) as caught:
                await fetcher.fetch(f"http://images.test:{server.port}/{name}")
            assert caught.value.code == errors.REFUSED and "not allowed" in caught.value.message
            assert "allow_private" not in caught.value.message  # callers are not operators
    assert server.hits == ["to-loopback", "to-metadata"]  # the private targets never reached


async def test_a_name_resolving_to_a_private_address_is_refused_when_it_connects(server):
    resolver = GuardedResolver(LoopbackResolver(), setting=ALLOW_SETTING)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        fetcher = Fetcher(session, settings(allow_private_addresses=False))
        with pytest.raises(MediaError) as caught:
            await fetcher.fetch(f"http://images.test:{server.port}/photo.jpg")
    message = caught.value.message
    assert caught.value.code == errors.REFUSED
    assert "images.test resolves to an address that is not allowed" in message
    assert "allow_private" not in message and "127.0.0.1" not in message
    assert server.hits == []


@needs_model
async def test_data_urls_are_read_without_a_fetch(moderator):
    import base64

    from tests.helpers.images import jpeg
    data = "data:image/jpeg;base64," + base64.b64encode(jpeg((64, 48))).decode()
    assert (await moderator.check(data)).size == (64, 48)
    error = await failure(moderator, "data:image/png;base64,not base64!")
    assert error.code == errors.BAD_URL


async def test_without_onnxruntime_images_are_unsupported_before_any_fetch(server, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    bare = await ImageModerator(settings()).open()
    try:
        error = await failure(bare, f"{server.url}/photo.jpg")
    finally:
        await bare.close()
    assert error.code == errors.UNSUPPORTED and "spectrum-rpc[images]" in error.message
    assert server.hits == []


async def test_images_enabled_false_is_unsupported(server):
    off = await ImageModerator(settings(enabled=False)).open()
    try:
        error = await failure(off, f"{server.url}/photo.jpg")
    finally:
        await off.close()
    assert error.code == errors.UNSUPPORTED and "not available on this server" in error.message


def test_a_palette_png_with_transparency_decodes_without_warnings():
    import io

    from PIL import Image

    from spectrum_rpc.media.decode import decode
    out = io.BytesIO()
    Image.new("P", (40, 30), 1).save(out, "PNG", transparency=bytes([255, 0, 128]))
    frames = decode(out.getvalue(), settings())  # warnings are errors in the tests
    assert frames.pixels.shape == (1, 3, 320, 320) and frames.format == "PNG"


@needs_model
async def test_images_in_flight_are_bounded_per_thread(server):
    # One thread: at most 4 images fetched or waiting at once; the others wait their turn.
    one = await ImageModerator(settings(concurrency=1, timeout=30)).open()
    try:
        checks = asyncio.gather(*(one.check_all([f"{server.url}/hang"]) for _ in range(6)))
        while len(server.hits) < 4:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # room for a fifth fetch to start, were it allowed
        assert server.hits == ["hang"] * 4
        server.hang.set()
        outcomes = [outcome for [outcome] in await checks]
    finally:
        await one.close()
    assert len(server.hits) == 6  # the last two once slots were free
    assert all(isinstance(o, MediaError) and o.code != errors.TIMEOUT for o in outcomes)
