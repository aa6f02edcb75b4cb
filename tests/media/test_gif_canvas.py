"""A GIF's later frames may reach past its logical screen, and Pillow grows the image to decode
them: the limits are checked on the largest frame (media/gif.py), before any pixel is decoded."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from spectrum_rpc.media import ImageModerator, MediaError, decode, errors
from spectrum_rpc.media import gif as gifs
from spectrum_rpc.settings import load_settings
from tests.helpers.gifs import frame, gif
from tests.helpers.images import gif as animated
from tests.helpers.images import image_server

# A 16 x 16 screen, then a frame of 1200 x 1000 pixels: 12 KB of LZW.
GROWING = gif((16, 16), frame(16, 16), frame(1200, 1000))


def settings(**images):  # type: ignore[no-untyped-def]
    return load_settings(environ={}, overrides={
        "images": {"allow_private_addresses": True, **images}}).images


def pillows_canvas(data: bytes) -> tuple[int, tuple[int, int]]:
    """Return the frame count and the size Pillow ends at after decoding every frame."""
    with Image.open(io.BytesIO(data)) as image:
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
        return image.n_frames, image.size


@pytest.mark.parametrize("data", [
    GROWING,
    animated(),
    gif((300, 200), frame(300, 200), frame(20, 20, 290, 10), frame(50, 60)),
    gif((40, 30), frame(40, 30), frame(64, 10), frame(10, 48), junk=b"\x00\x99"),
], ids=["growing", "pillow-made", "offset-frame", "junk-between-frames"])
def test_the_canvas_is_the_one_pillow_decodes_into(data):
    assert gifs.canvas(data) == pillows_canvas(data)


def test_a_later_frame_larger_than_the_screen_is_over_max_pixels():
    with Image.open(io.BytesIO(GROWING)) as image:
        assert image.size == (16, 16)  # all Pillow says before it decodes the second frame
    with pytest.raises(MediaError) as refused:
        decode(GROWING, settings(max_pixels=1_000_000))
    assert refused.value.code == errors.TOO_LARGE
    assert "1200 x 1000 pixels" in refused.value.message


def test_frames_times_the_largest_frame_is_over_max_total_pixels():
    data = gif((16, 16), frame(16, 16), *[frame(500, 500)] * 4)
    with pytest.raises(MediaError) as refused:
        decode(data, settings(max_total_pixels=1_000_000))
    assert refused.value.code == errors.TOO_LARGE and "5 frames of 500 x 500" in \
        refused.value.message


def test_a_gif_within_the_limits_reports_its_whole_canvas():
    decoded = decode(GROWING, settings())
    assert (decoded.format, decoded.size, decoded.frames) == ("GIF", (1200, 1000), 2)


async def test_a_growing_gif_fetched_over_http_is_too_large():
    async with image_server() as server:
        server.files["grows.gif"] = (GROWING, "image/gif")
        moderator = await ImageModerator(settings(max_pixels=1_000_000)).open()
        try:
            [outcome] = await moderator.check_all([f"{server.url}/grows.gif"])
        finally:
            await moderator.close()
    if isinstance(outcome, MediaError) and outcome.code == errors.UNSUPPORTED:
        pytest.skip("the `images` extra is not installed (pip install 'spectrum-rpc[images]')")
    assert isinstance(outcome, MediaError) and outcome.code == errors.TOO_LARGE
