"""API keys (hashed, looked up through a short cache), per-key rate limits, and usage: request
counts per key and month with the optional per-key rate limit and monthly quota."""

from .keys import REVOKED_KEY, KeyAuthenticator, create_key, hash_key
from .limits import KeyRateLimiter
from .usage import (
    QUOTA,
    RATE,
    KeyUsage,
    LimitExceeded,
    ProjectUsage,
    Usage,
    describe_rate,
    month_of,
    parse_rate,
)

__all__ = ["QUOTA", "RATE", "REVOKED_KEY", "KeyAuthenticator", "KeyRateLimiter", "KeyUsage",
           "LimitExceeded", "ProjectUsage", "Usage", "create_key", "describe_rate", "hash_key",
           "month_of", "parse_rate"]
