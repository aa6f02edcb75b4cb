"""Response helpers shared by the API dialects."""

from __future__ import annotations

import orjson
from aiohttp import web

from ..constants import JSON_CONTENT_TYPE


def json_response(body: bytes | dict | list, status: int = 200, **headers: str) -> web.Response:
    """Return an application/json response from bytes or a JSON-able object."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return web.Response(body=raw, status=status, content_type=JSON_CONTENT_TYPE, headers=headers)
