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


class MediaError(Exception):
    """An image that could not be scored; `code` is one of this module's constants."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
