"""API keys (hashed, looked up through a short cache) and per-key rate limits."""

from .keys import REVOKED_KEY, KeyAuthenticator, create_key, hash_key
from .limits import KeyRateLimiter

__all__ = ["REVOKED_KEY", "KeyAuthenticator", "KeyRateLimiter", "create_key", "hash_key"]
