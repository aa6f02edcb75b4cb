"""API keys: generation, hashing, header parsing and a short-lived lookup cache."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from ..cache import MISSING, TtlCache
from ..constants import APIKEY_SCHEME, BEARER_SCHEME, KEY_PREFIX
from ..store import KEYS, KeyRecord, Store, StoreUnavailable, concerns

# Keys are KEY_PREFIX + 43 url-safe characters (32 random bytes = 256 bits).
_KEY_BYTES = 32
_MAX_HEADER_KEY_LEN = 256
_DISPLAY_PREFIX_LEN = len(KEY_PREFIX) + 6


@dataclass(frozen=True)
class NewKey:
    id: str
    key: str
    prefix: str
    key_hash: str


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of a key: the only form in which keys are stored."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def generate_key() -> NewKey:
    """Make a new random key with its id, display prefix and hash."""
    key = KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)
    return NewKey(
        id="key_" + secrets.token_hex(8),
        key=key,
        prefix=key[:_DISPLAY_PREFIX_LEN],
        key_hash=hash_key(key),
    )


async def create_key(store: Store, name: str, project: str) -> NewKey:
    """Create and store a key; the returned plaintext is shown once and never again."""
    new = generate_key()
    await store.keys.create(
        key_id=new.id, project=project, name=name, prefix=new.prefix, key_hash=new.key_hash
    )
    return new


def parse_authorization(header: str | None) -> str | None:
    """Extract the key from `Apikey KEY` or `Bearer KEY`; None when absent or malformed."""
    if not header:
        return None
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() not in (APIKEY_SCHEME.lower(), BEARER_SCHEME.lower()):
        return None
    if not key or len(key) > _MAX_HEADER_KEY_LEN or " " in key:
        return None
    return key


NO_KEY = "send 'Authorization: Apikey YOUR_KEY'"
UNKNOWN_KEY = "this API key is not known to the server"
REVOKED_KEY = "this API key was revoked: use another key (an admin can create one)"


class KeyAuthenticator:
    """Resolve keys to records with a short cache; collect last-use times for a periodic flush.

    The cache keeps the store out of the per-request path; its TTL bounds how long a key
    revoked by another process (the CLI) keeps working. While the database cannot be reached,
    a key read less than `cache_ttl + outage_grace` seconds ago still authenticates.
    """

    def __init__(self, store: Store, cache_ttl: float = 1.0, outage_grace: float = 0.0):
        self.store = store
        self._cache: TtlCache[str, tuple[KeyRecord, str] | None] = TtlCache(
            cache_ttl, stale_for=outage_grace, stale_on=(StoreUnavailable,))
        self._refused: TtlCache[str, KeyRecord | None] = TtlCache(cache_ttl)
        self._last_used: dict[str, float] = {}

    async def authenticate(self, header: str | None) -> KeyRecord | None:
        """Return the active key named by an Authorization header, or None."""
        key = parse_authorization(header)
        if key is None:
            return None
        digest = hash_key(key)
        found = self._cache.peek(digest)
        if found is MISSING:
            found = await self._cache.get(digest, self.store.keys.find_active)
        # The index lookup is by hash; the final check is a constant-time comparison.
        if found is None or not hmac.compare_digest(digest, found[1]):
            return None
        record = found[0]
        self._last_used[record.id] = time.time()
        return record

    async def refusal(self, header: str | None) -> str:
        """Say why `authenticate` refused this header: no key, an unknown one, a revoked one."""
        key = parse_authorization(header)
        if key is None:
            return NO_KEY
        digest = hash_key(key)
        record = self._refused.peek(digest)
        if record is MISSING:
            record = await self._refused.get(digest, self.store.keys.find)
        if record is None:
            return UNKNOWN_KEY
        return REVOKED_KEY if record.revoked_at is not None else UNKNOWN_KEY

    def changed(self, topic: str, detail: str) -> None:
        """Drop the cache: another process created or revoked a key."""
        if concerns(topic, KEYS):
            self.forget()

    def forget(self) -> None:
        """Drop the cache (after an in-process revoke)."""
        self._cache.forget()
        self._refused.forget()

    async def flush_last_used(self) -> None:
        """Write collected last-use times in one transaction; keep them if it fails."""
        pending, self._last_used = self._last_used, {}
        try:
            await self.store.keys.touch(pending)
        except BaseException:
            # Back for the next flush (a cancelled write may land too: touch keeps the max).
            # A key used again during the write keeps that later time.
            for key_id, used in pending.items():
                self._last_used[key_id] = max(used, self._last_used.get(key_id, used))
            raise
