"""Cookie sessions for admin users: random ids stored hashed, idle and absolute expiry, CSRF."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web

from ..store import SessionRecord, Store
from .users import Clock

COOKIE = "spectrum_admin"
LOGIN_COOKIE = "spectrum_admin_login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
IDLE_TIMEOUT = 30 * 60.0
ABSOLUTE_TIMEOUT = 12 * 3600.0
# last_seen_at is written at most this often per session, not on every request.
_TOUCH_EVERY = 60.0


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def csrf_token(raw_session: str) -> str:
    """Derive the session's CSRF token; only the holder of the session cookie can compute it."""
    return hmac.new(raw_session.encode(), b"spectrum-admin-csrf", hashlib.sha256).hexdigest()


def csrf_ok(given: str | None, expected: str) -> bool:
    """Compare a submitted CSRF token in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Principal:
    """The logged-in user behind a request."""

    session: SessionRecord
    raw: str

    @property
    def name(self) -> str:
        return self.session.user_name

    @property
    def csrf(self) -> str:
        return csrf_token(self.raw)


@dataclass
class Sessions:
    store: Store
    clock: Clock
    idle: float = IDLE_TIMEOUT
    absolute: float = ABSOLUTE_TIMEOUT

    async def start(self, user_id: int) -> str:
        """Create a session and return its raw id (goes into the cookie only)."""
        raw = secrets.token_urlsafe(32)
        t = self.clock()
        await self.store.admin.delete_expired_sessions(t - self.idle, t - self.absolute)
        await self.store.admin.create_session(_hash(raw), user_id, t)
        return raw

    async def resolve(self, raw: str | None) -> Principal | None:
        """Return the live session for a cookie value, or None (expired ones are deleted)."""
        if not raw or len(raw) > 128:
            return None
        record = await self.store.admin.session(_hash(raw))
        if record is None:
            return None
        t = self.clock()
        if t - record.last_seen_at > self.idle or t - record.created_at > self.absolute:
            await self.store.admin.delete_session(record.id_hash)
            return None
        if t - record.last_seen_at > _TOUCH_EVERY:
            await self.store.admin.touch_session(record.id_hash, t)
        return Principal(record, raw)

    async def end(self, raw: str) -> None:
        """Delete a session (logout)."""
        await self.store.admin.delete_session(_hash(raw))

    def set_cookie(self, request: web.Request, response: web.StreamResponse, raw: str) -> None:
        """Attach the session cookie: HttpOnly, SameSite=Strict, Secure over TLS."""
        response.set_cookie(COOKIE, raw, max_age=int(self.absolute), path="/", httponly=True,
                            samesite="Strict", secure=request.secure)
