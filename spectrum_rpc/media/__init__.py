"""Images and GIFs by URL: fetched through the SSRF guard, decoded with Pillow, scored for
nudity by NudeNet's detector (the optional `images` extra).

`ImageModerator.check_all(urls)` answers, per URL, an `ImageResult` (porn, sexual and neutral
scores) or the `MediaError` that stopped it, whose `code` each API dialect maps to its own
error shape: `unsupported` (no `images` extra, or images.enabled off), `bad_url`, `refused`
(SSRF guard), `unreachable`, `timeout`, `too_large`, `not_image`.
"""

from . import detector, errors
from .decode import Frames, decode
from .errors import MediaError
from .moderator import ImageModerator, ImageResult, Outcome

# `detector`: NudeNet's model (load(), Detector.score/detect); `decode`: bytes -> the frames the
# model reads (scripts/bench_images.py measures both apart from fetching).
__all__ = ["Frames", "ImageModerator", "ImageResult", "MediaError", "Outcome", "decode",
           "detector", "errors"]
