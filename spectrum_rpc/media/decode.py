"""Decode an image's bytes with Pillow into the detector's input: the format sniffed from the
bytes (never the Content-Type), sizes checked from the header before any pixel is decoded,
GIF frames sampled evenly, each frame letterboxed into a 320 x 320 RGB square."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..engine import nudity
from ..settings import ImageSettings
from .errors import NOT_IMAGE, TOO_LARGE, MediaError

# The formats read; anything else (PSD, EPS, TIFF, ICO...) is "not an image" here, which also
# keeps Pillow's rarer decoders away from bytes anyone can send.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Frames:
    """The detector's input for one image: `pixels` (frames x 3 x 320 x 320, 0-1), the image's
    format, size and frame count."""

    pixels: np.ndarray
    format: str
    size: tuple[int, int]
    frames: int


def decode(data: bytes, settings: ImageSettings) -> Frames:
    """Return the sampled frames of an image; raise MediaError (not_image, too_large)."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            return _frames(image, settings)
    except MediaError:
        raise
    except _BOMB as exc:  # Pillow's own limit (Image.MAX_IMAGE_PIXELS), above ours by default
        raise MediaError(TOO_LARGE, f"decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise MediaError(NOT_IMAGE, f"not an image in a format read here ({', '.join(FORMATS)})"
                         ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt
        raise MediaError(NOT_IMAGE, f"the image could not be decoded: {str(exc)[:200]}") from None


def _frames(image: Image.Image, settings: ImageSettings) -> Frames:
    width, height = image.size
    pixels = width * height
    if pixels > settings.max_pixels:
        raise MediaError(TOO_LARGE, f"{width} x {height} pixels; the limit is "
                         f"{settings.max_pixels} (images.max_pixels)")
    count = getattr(image, "n_frames", 1)
    if count > settings.max_frames:
        raise MediaError(TOO_LARGE, f"{count} frames; the limit is {settings.max_frames} "
                         "(images.max_frames)")
    if count * pixels > settings.max_total_pixels:
        raise MediaError(TOO_LARGE, f"{count} frames of {width} x {height} pixels; the limit is"
                         f" {settings.max_total_pixels} in all (images.max_total_pixels)")
    if count == 1 and image.format == "JPEG":  # decode at a reduced scale: much less work
        image.draft("RGB", (nudity.SIZE * 2, nudity.SIZE * 2))
    batch = []
    for index in nudity.sample(count, settings.sample_frames):
        image.seek(index)
        batch.append(letterbox(image))
    return Frames(np.stack(batch), image.format or "", (width, height), count)


def letterbox(image: Image.Image) -> np.ndarray:
    """Return the image scaled into the model's square, padded right or below with black (as
    NudeNet pads), as a 3 x 320 x 320 float32 array of 0-1 RGB values."""
    rgb = image.convert("RGB")
    scale = nudity.SIZE / max(rgb.size)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    square = Image.new("RGB", (nudity.SIZE, nudity.SIZE))
    square.paste(rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0), (0, 0))
    return np.asarray(square, dtype=np.float32).transpose(2, 0, 1) / 255.0
