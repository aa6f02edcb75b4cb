"""Admin users: scrypt password hashes and login throttling per user and per address."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import heapq
import hmac
import secrets
from dataclasses import dataclass, field

from ..clock import Clock
from ..store import Store, UserRecord

# scrypt cost: 16 MiB of memory and ~50 ms per hash, OWASP's minimum for interactive logins.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    """Return `scrypt$n$r$p$salt$hash` for a password, with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Return whether a password matches a stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def check_new_password(password: str) -> None:
    """Refuse passwords that are too short or too long (ValueError with the reason)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def generate_password() -> str:
    """Return a random one-time password (about 120 bits)."""
    return secrets.token_urlsafe(15)


async def create_user(store: Store, name: str, password: str) -> UserRecord:
    """Validate and store a new user (the CLI, first start and tests share this)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("the user name must have 1 to 64 characters")
    check_new_password(password)
    if await store.admin.user_by_name(name) is not None:
        raise ValueError(f"a user named {name!r} already exists")
    encoded = await asyncio.to_thread(hash_password, password)
    return await store.admin.create_user(name, encoded)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = password.encode("utf-8", "surrogatepass")
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024,
                          dklen=_HASH_BYTES)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def lockout(failures: int, free: int, base: float, cap: float) -> float:
    """Return the seconds to wait after `failures` consecutive failures (exponential, capped)."""
    if failures <= free:
        return 0.0
    return min(cap, base * 2 ** (failures - free - 1))


@dataclass
class Throttle:
    """Consecutive failures per key (an address) in memory, each earning a growing lockout.

    The table holds at most `max_entries` keys; past that, the entries whose lockout ends
    first go (the oldest failures, and lockouts already over), never the whole table: failing
    from many addresses must not lift a lockout that is still running.
    """

    clock: Clock
    free: int = 10
    base: float = 1.0
    cap: float = 900.0
    max_entries: int = 100_000
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    # (lockout end, key), oldest end first; entries a later failure or a success made stale
    # stay until popped or compacted.
    _ends: list[tuple[float, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self._failures)

    def addresses(self) -> list[str]:
        """Return the keys with failures on record."""
        return list(self._failures)

    def retry_after(self, key: str) -> float:
        """Return the seconds before `key` may try again (0 when it may now)."""
        _, until = self._failures.get(key, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, key: str) -> None:
        """Count one failure for `key`."""
        count = self._failures.get(key, (0, 0.0))[0] + 1
        until = self.clock() + lockout(count, self.free, self.base, self.cap)
        self._failures[key] = (count, until)
        heapq.heappush(self._ends, (until, key))
        while len(self._failures) > self.max_entries:
            end, oldest = heapq.heappop(self._ends)
            if self._failures.get(oldest, (0, None))[1] == end:
                del self._failures[oldest]
        if len(self._ends) > 2 * len(self._failures) + 64:  # bounded memory: drop stale ends
            self._ends = [(until, k) for k, (_, until) in self._failures.items()]
            heapq.heapify(self._ends)

    def succeeded(self, key: str) -> None:
        """Forget `key`'s failures."""
        self._failures.pop(key, None)


@dataclass(frozen=True)
class LoginResult:
    user: UserRecord | None
    retry_after: float = 0.0


@functools.cache
def _dummy_hash() -> str:
    # Unknown names are checked against this hash so that timing does not reveal user names.
    return hash_password(secrets.token_urlsafe(16))


@dataclass
class Logins:
    """Check passwords, slowing down repeated failures per user (stored) and per address."""

    store: Store
    clock: Clock
    addresses: Throttle
    free_per_user: int = 3
    base: float = 1.0
    cap: float = 900.0

    async def login(self, name: str, password: str, address: str) -> LoginResult:
        """Return the user if the password is right and neither user nor address is locked out."""
        wait = await self._address_wait(address)
        user = await self.store.admin.user_by_name(name)
        if user is not None:
            wait = max(wait, user.locked_until - self.clock())
        if wait > 0:
            return LoginResult(None, wait)
        encoded = user.password_hash if user else _dummy_hash()
        if user is not None and await asyncio.to_thread(verify_password, password, encoded):
            await self._address_succeeded(address)
            await self.store.admin.login_succeeded(user.id)
            return LoginResult(user)
        if user is None:
            await asyncio.to_thread(verify_password, password, encoded)
        await self._failed(user, address)
        return LoginResult(None)

    # Several processes on one database (PostgreSQL) share the address throttle there, so
    # that an address locked out through one is locked out through all; one process keeps it
    # in memory.
    async def _address_wait(self, address: str) -> float:
        if not self.store.shared:
            return self.addresses.retry_after(address)
        return max(0.0, await self.store.admin.address_locked_until(address) - self.clock())

    async def _address_succeeded(self, address: str) -> None:
        if not self.store.shared:
            self.addresses.succeeded(address)
            return
        await self.store.admin.address_succeeded(address, self.clock() - 2 * self.addresses.cap)

    async def _address_failed(self, address: str) -> None:
        if not self.store.shared:
            self.addresses.failed(address)
            return
        t = self.clock()
        failures = await self.store.admin.address_failed(address, t)
        throttle = self.addresses
        wait = lockout(failures, throttle.free, throttle.base, throttle.cap)
        if wait:
            await self.store.admin.lock_address(address, t + wait)

    async def _failed(self, user: UserRecord | None, address: str) -> None:
        await self._address_failed(address)
        if user is not None:
            wait = lockout(user.failed_logins + 1, self.free_per_user, self.base, self.cap)
            await self.store.admin.login_failed(user.id, self.clock() + wait if wait else 0.0)


FIRST_USER = "admin"


async def ensure_first_user(store: Store) -> str | None:
    """Create the `admin` user when no admin user exists; return its one-time password."""
    if await store.admin.count_users():
        return None
    password = generate_password()
    await create_user(store, FIRST_USER, password)
    await store.admin.audit("first-start", "user.create", target=FIRST_USER)
    return password
