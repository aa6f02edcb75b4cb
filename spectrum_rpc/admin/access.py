"""Guards for admin routes: a live session for everything, a CSRF token for every change.

Admin sessions and API keys are separate worlds: these guards never look at Authorization
headers, and the JSON-RPC endpoint never looks at the session cookie.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ..body import BodyRefused
from .bodies import read_form
from .sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, Principal, csrf_ok
from .state import ADMIN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# web.RequestKey exists from aiohttp 3.12 (newer versions warn about plain string keys).
PRINCIPAL: Any = (web.RequestKey("spectrum_admin_principal", Principal)
                  if hasattr(web, "RequestKey") else "spectrum_admin_principal")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/admin/login"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def principal(request: web.Request) -> Principal:
    """Return the logged-in user of a guarded request."""
    return request[PRINCIPAL]


def api_error(status: int, message: str, **extra: object) -> web.Response:
    """Return the admin API's error shape."""
    return web.json_response({"error": message, **extra}, status=status,
                             headers={"Cache-Control": "no-store"})


def api_route(handler: Handler) -> Handler:
    """Guard a JSON API handler: 401 without a session, 403 on a change without X-CSRF-Token."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        who = await request.app[ADMIN].sessions.resolve(request.cookies.get(COOKIE))
        if who is None:
            return api_error(401, "log in to the admin UI first")
        if request.method not in SAFE_METHODS and not csrf_ok(
            request.headers.get(CSRF_HEADER), who.csrf
        ):
            return api_error(403, f"missing or wrong {CSRF_HEADER} header")
        request[PRINCIPAL] = who
        response = await handler(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return guarded


def page_route(handler: Handler) -> Handler:
    """Guard an HTML page: redirect to the login form without a session; CSRF on form posts."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        who = await request.app[ADMIN].sessions.resolve(request.cookies.get(COOKIE))
        if who is None:
            raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}")
        if request.method not in SAFE_METHODS:
            try:
                form = await read_form(request)
            except BodyRefused as refused:
                return web.Response(status=refused.status, text=refused.reason,
                                    headers={**SECURITY_HEADERS, **refused.headers})
            if not csrf_ok(str(form.get(CSRF_FIELD, "")), who.csrf):
                raise web.HTTPForbidden(reason="missing or wrong CSRF token")
        request[PRINCIPAL] = who
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return guarded
