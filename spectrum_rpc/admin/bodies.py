"""Admin request bodies: read by body.py's reader within the admin's own small limit
(`admin.max_body_bytes`, counted after decoding), never up to the API's 16 MiB: the login form
is open to anyone, and every other admin endpoint takes a few fields at most."""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from ..body import Bodies
from ..resources import BODIES, SETTINGS

ADMIN_BODIES = web.AppKey("admin_bodies", Bodies)
FORM_TYPES = ("", "application/x-www-form-urlencoded")


def setup(app: web.Application) -> None:
    """Give the admin its own body reader (call after the app's BODIES is set)."""
    shared = app[BODIES]
    app[ADMIN_BODIES] = Bodies(shared.budget, app[SETTINGS].admin.max_body_bytes, shared.wait)


async def read(request: web.Request) -> bytes:
    """Return the decoded body; raise BodyRefused (too large, undecodable, unsupported)."""
    async with request.app[ADMIN_BODIES].receive(request) as body:
        return body


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """Return the posted urlencoded form (empty for another content type, as aiohttp's
    `request.post()`, which would read up to the API's limit); raise BodyRefused."""
    body = await read(request)
    if request.content_type not in FORM_TYPES or not body:
        return MultiDictProxy(MultiDict())
    fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return MultiDictProxy(MultiDict(fields))
