"""Decode an image's bytes with Pillow into the detector's input: the format sniffed from the
bytes (never the Content-Type), sizes checked from the header before any pixel is decoded,
GIF frames sampled evenly, each frame letterboxed into a 320 x 320 square exactly as NudeNet's
own preprocessing does (tests/media/test_nudenet_agreement.py compares the two)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..engine import nudity
from ..settings import ImageSettings
from . import gif
from .errors import NOT_IMAGE, TOO_LARGE, MediaError

# The formats read; anything else (PSD, EPS, TIFF, ICO...) is "not an image" here, which also
# keeps Pillow's rarer decoders away from bytes anyone can send.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Frames:
    """The detector's input for one image: `pixels` (frames x 3 x 320 x 320, 0-1, BGR), the image's
    format, size and frame count."""

    pixels: np.ndarray
    format: str
    size: tuple[int, int]
    frames: int


def decode(data: bytes, settings: ImageSettings) -> Frames:
    """Return the sampled frames of an image; raise MediaError (not_image, too_large)."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            return _frames(image, data, settings)
    except MediaError:
        raise
    except _BOMB as exc:  # Pillow's own limit (Image.MAX_IMAGE_PIXELS), above ours by default
        raise MediaError(TOO_LARGE, f"decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise MediaError(NOT_IMAGE, f"not an image in a format read here ({', '.join(FORMATS)})"
                         ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt
        raise MediaError(NOT_IMAGE, f"the image could not be decoded: {str(exc)[:200]}") from None


def _frames(image: Image.Image, data: bytes, settings: ImageSettings) -> Frames:
    if image.format == "GIF":  # its later frames may be larger than image.size (gif.py)
        count, (width, height) = gif.canvas(data)
    else:
        count, (width, height) = getattr(image, "n_frames", 1), image.size
    pixels = width * height
    if pixels > settings.max_pixels:
        raise MediaError(TOO_LARGE, f"{width} x {height} pixels: more than the "
                         f"{settings.max_pixels} pixels this server checks")
    if count > settings.max_frames:
        raise MediaError(TOO_LARGE, f"{count} frames: this server checks images of at most "
                         f"{settings.max_frames} frames")
    if count * pixels > settings.max_total_pixels:
        raise MediaError(TOO_LARGE, f"{count} frames of {width} x {height} pixels: more than "
                         f"the {settings.max_total_pixels} pixels in all this server checks")
    batch = []
    for index in nudity.sample(count, settings.sample_frames):
        image.seek(index)
        batch.append(letterbox(image))
    return Frames(np.stack(batch), image.format or "", (width, height), count)


def letterbox(image: Image.Image) -> np.ndarray:
    """Return the image as NudeNet feeds its model: padded right or below with black into a
    square, that square scaled to 320 x 320 by OpenCV's bilinear rule (no antialiasing; the
    pixel centres at (i + 0.5) * scale - 0.5), rounded to bytes, as 3 x 320 x 320 float32 0-1
    values. Only the rows sampled are converted and copied (at most 640 of them): neither the
    square nor a converted copy of a large image is ever built."""
    width, height = image.size
    rows0, rows1, row_weight = _axis(max(height, width))
    needed = np.union1d(rows0, rows1)
    needed = needed[needed < height]
    strip = np.stack([_row(image, int(row)) for row in needed])  # rows x width x 3, bytes
    top = _gather(strip, np.searchsorted(needed, rows0), rows0 < height, 0)
    bottom = _gather(strip, np.searchsorted(needed, rows1), rows1 < height, 0)
    cols0, cols1, col_weight = _axis(max(height, width))
    mixed = []
    for band in (top, bottom):
        left = _gather(band, cols0, cols0 < width, 1)
        right = _gather(band, cols1, cols1 < width, 1)
        mixed.append(left + (right - left) * col_weight[None, :, None])
    square = mixed[0] + (mixed[1] - mixed[0]) * row_weight[:, None, None]
    # Channels B, G, R: what NudeNet's own preprocessing hands its model (OpenCV's BGR, turned
    # twice), and so what its scores were measured on.
    bgr = (np.rint(square) / 255.0).astype(np.float32).transpose(2, 0, 1)[::-1]
    return np.ascontiguousarray(bgr)


def _row(image: Image.Image, y: int) -> np.ndarray:
    """Return one row of the image as width x 3 RGB bytes."""
    row = image.crop((0, y, image.width, y + 1))
    if row.mode in ("P", "PA") and "transparency" in row.info:
        row = row.convert("RGBA")  # what Pillow asks of a palette with transparency
    return np.asarray(row.convert("RGB"))[0]


def _axis(side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the two source indices and the weight of the second, per output pixel."""
    position = np.maximum((np.arange(nudity.SIZE) + 0.5) * (side / nudity.SIZE) - 0.5, 0.0)
    first = np.minimum(np.floor(position).astype(np.int64), side - 1)
    return first, np.minimum(first + 1, side - 1), (position - first).astype(np.float32)


def _gather(pixels: np.ndarray, index: np.ndarray, inside: np.ndarray, axis: int
            ) -> np.ndarray:
    """Return the pixels at `index` along `axis`, black where `inside` is false (padding)."""
    taken = np.take(pixels, np.minimum(index, pixels.shape[axis] - 1), axis=axis)
    mask = inside.astype(np.float32)
    return taken.astype(np.float32) * (mask[:, None, None] if axis == 0 else mask[None, :, None])
