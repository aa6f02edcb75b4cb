"""Validation of what an operator types: URLs, Basic auth credentials, descriptions."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from yarl import URL

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500


class WebhookError(ValueError):
    """A webhook setting is invalid; the message says which and why (safe to show)."""


class NotFound(LookupError):
    """No webhook or delivery with this id."""


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"

    def header(self) -> str:
        """Return the Authorization header value (RFC 7617, UTF-8)."""
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode()


def validate_url(text: str) -> str:
    """Return a webhook URL if it is an absolute http(s) URL without credentials."""
    if not text or len(text) > MAX_URL_LENGTH:
        raise WebhookError(f"the URL must be 1 to {MAX_URL_LENGTH} characters long")
    try:
        url = URL(text.strip())
    except (ValueError, TypeError):
        raise WebhookError("the URL is not valid") from None
    if url.scheme not in ("http", "https"):
        raise WebhookError(f"the URL scheme must be http or https, not {url.scheme or 'none'!r}")
    if not url.host:
        raise WebhookError("the URL has no host")
    if url.user is not None or url.password is not None:
        raise WebhookError("put credentials in --basic-auth, not in the URL")
    if url.fragment:
        raise WebhookError("the URL must not have a #fragment")
    return str(url)


def parse_basic_auth(text: str) -> BasicAuth:
    """Parse `USER:PASS` (the password may contain colons)."""
    username, sep, password = text.partition(":")
    if not sep or not username or not password:
        raise WebhookError("Basic auth must be given as USER:PASS, both non-empty")
    if any(ord(c) < 32 for c in text):
        raise WebhookError("Basic auth must not contain control characters")
    return BasicAuth(username, password)


def validate_description(text: str) -> str:
    """Return a description if it is short enough."""
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise WebhookError(f"the description is longer than {MAX_DESCRIPTION_LENGTH} characters")
    return text
