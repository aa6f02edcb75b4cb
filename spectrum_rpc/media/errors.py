"""Why an image could not be scored: one exception, with a code each dialect maps to its own
error shape."""

from __future__ import annotations

UNSUPPORTED = "unsupported"  # the `images` extra is not installed, or images.enabled is off
BAD_URL = "bad_url"  # not an http(s) or data: URL
REFUSED = "refused"  # the SSRF guard refused the address (or a redirect's)
UNREACHABLE = "unreachable"  # connection failed, or an HTTP status other than 200
TIMEOUT = "timeout"  # images.timeout passed before the whole body arrived
TOO_LARGE = "too_large"  # bytes, pixels, frames or frames x pixels over the limits
NOT_IMAGE = "not_image"  # the bytes are no image Pillow reads (or a format not allowed), or
#                          are truncated


SHOWN_CHARS = 200
# What an API caller is told when images are off or cannot be scored here. Messages for callers
# say what a limit is, never which server setting sets it: the caller is not the operator.
NOT_AVAILABLE = "Image moderation is not available on this server."


def size_text(size: int) -> str:
    """Return a byte count as a caller reads it: "10 MiB", "1.5 MiB", "512 KiB", "100 bytes"."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def shown(url: str) -> str:
    """Return a URL as an answer names it: a data: URL can be megabytes, echoed back in full it
    would double the answer's size and memory for nothing."""
    return url if len(url) <= SHOWN_CHARS else url[:SHOWN_CHARS] + "..."


class MediaError(Exception):
    """An image that could not be scored; `code` is one of this module's constants."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
