"""Secrets at rest: values the server must read back (webhook signing secrets, Basic-auth
passwords), sealed under a master key.

Fernet (from `cryptography`): AES-128-CBC and HMAC-SHA256 with a random IV per value, in a
versioned token; MultiFernet opens tokens made with any of several keys and seals with the
first, which is how a key is rotated. A sealed value is bytes (stored as a BLOB), a clear one
text: rows written before a master key was configured stay readable, and the store seals them
when one appears. Another backend stores the same two kinds (PostgreSQL: bytea beside text).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

Stored = bytes | str | None  # what a column holds: a sealed token, clear text, or nothing

KEY_SETTINGS = "store.master_key (SPECTRUM_RPC_STORE_MASTER_KEY) or store.master_key_file"


class MasterKeyError(ValueError):
    """The master key is malformed, unreadable, missing or wrong; the message is one line."""


class SecretBox:
    """Seal and open stored secrets; with no key, values stay in clear (and sealed ones fail)."""

    def __init__(self, keys: Sequence[str | bytes] = ()):
        try:
            fernets = [Fernet(key) for key in keys]
        except (TypeError, ValueError):
            raise MasterKeyError(
                "a master key must be 32 url-safe base64-encoded bytes"
                " (make one with `spectrum-rpc store generate-key`)"
            ) from None
        self._keys = MultiFernet(fernets) if fernets else None

    def __repr__(self) -> str:
        return f"SecretBox(encrypting={self.encrypting})"

    @property
    def encrypting(self) -> bool:
        """Whether a master key is configured (new values are sealed)."""
        return self._keys is not None

    def seal(self, value: str | None) -> Stored:
        """Return what to store for a secret: a token under the first key, or the clear text."""
        if value is None or self._keys is None:
            return value
        return self._keys.encrypt(value.encode("utf-8", "surrogatepass"))

    def unseal(self, stored: Stored) -> str | None:
        """Return the secret a stored value holds; raise MasterKeyError if it cannot be opened."""
        if stored is None or isinstance(stored, str):
            return stored
        if self._keys is None:
            raise MasterKeyError(
                "the store holds encrypted webhook secrets but no master key is configured:"
                f" set {KEY_SETTINGS}"
            )
        try:
            return self._keys.decrypt(bytes(stored)).decode("utf-8", "surrogatepass")
        except InvalidToken:
            raise MasterKeyError(
                "a stored webhook secret does not decrypt with the configured master key(s):"
                " list the key it was sealed with too (after the new one) in " + KEY_SETTINGS
            ) from None

    def reseal(self, stored: Stored) -> Stored:
        """Return a stored value sealed under the first key (clear text is sealed too)."""
        if stored is None or self._keys is None:
            return stored
        return self.seal(self.unseal(stored))


def generate_key() -> str:
    """Return a new random master key."""
    return Fernet.generate_key().decode()


def parse_keys(text: str) -> list[str]:
    """Split keys given one per line or comma-separated (`#` starts a comment), first first."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return [key for line in lines for key in re.split(r"[,\s]+", line) if key]


def load_secret_box(master_key: str = "", master_key_file: str = "") -> SecretBox:
    """Return the box for the configured keys (none configured: secrets stay in clear)."""
    if master_key and master_key_file:
        raise MasterKeyError("set store.master_key or store.master_key_file, not both")
    text = master_key
    if master_key_file:
        path = Path(master_key_file)
        try:
            text = path.read_text()
            mode = path.stat().st_mode
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise MasterKeyError(f"cannot read the master key file {path}: {reason}") from None
        if mode & 0o077:
            log.warning("the master key file %s can be read by other users: chmod 600 it", path)
    keys = parse_keys(text)
    if (master_key or master_key_file) and not keys:
        raise MasterKeyError(f"no key in {master_key_file or 'store.master_key'}")
    return SecretBox(keys)
