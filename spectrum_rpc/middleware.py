"""What every request goes through: an id, JSON errors that leak nothing, one access-log line.

Errors outside any API's own handling (an unknown path, a wrong method, a failure nobody
caught) answer in the JSON-RPC error shape, the server's first and default dialect, except
under the admin API's prefix, which answers in its own shape ({"error": ...}) as its document
says."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import re
import secrets
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .admin import API_PREFIX, api_error
from .api.jsonrpc import error_object, refusal
from .api.responses import json_response
from .constants import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    REQUEST_ID_HEADER,
    SERVER_BUSY,
)
from .resources import REQUEST_ID
from .settings import networks
from .store import StoreRefused

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Request ids only have to be unique, not secret: a random per-process prefix and a counter
# cost nothing, where a fresh token would read the system's random source on every request.
_REQUEST_ID_PREFIX = secrets.token_hex(4)
_request_counter = itertools.count(1)
# What stays readable in a logged path; everything else (control characters, spaces, quotes,
# non-ASCII) is percent-encoded, so that a decoded %0A cannot start a forged log line.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _next_request_id() -> str:
    return f"{_REQUEST_ID_PREFIX}{next(_request_counter):08x}"


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without the query string (it may hold user text,
    e.g. the admin feedback search), status, size, time and request id. The path is the
    client's: it is logged percent-encoded (see `loggable_path`)."""

    @property
    def enabled(self) -> bool:
        # Checked once per connection: below INFO, aiohttp skips timing and calling log().
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %d %s %.1fms rid=%s',
            request.get(CLIENT_ADDRESS) or request.remote,
            request.method,
            loggable_path(request.path),
            response.status,
            response.body_length,
            time * 1000,
            response.headers.get(REQUEST_ID_HEADER, "-"),
        )


def loggable_path(path: str) -> str:
    """Return `path` with every character that could forge or garble a log line escaped."""
    return quote(path, safe=_PATH_SAFE)


@web.middleware
async def request_middleware(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    """Give every request an id (the client's X-Request-Id if sane) and echo it back; answer
    HTTP errors and unexpected failures with JSON bodies that leak nothing.

    One middleware rather than two: each costs a coroutine frame on every request.
    """
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if given and _REQUEST_ID.match(given) else _next_request_id()
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        if _in_admin_api(request):
            response = api_error(exc.status, exc.reason)
            response.headers.update(headers)
        else:
            body = error_object(INVALID_REQUEST, exc.reason,
                                data=f"{request.method} {request.path}")
            response = json_response(body, exc.status, **headers)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except StoreRefused as refused:  # the store logs it, once a minute: not once per request
        response = _refused(request, refused)
    except Exception:
        log.exception("unhandled error (request_id=%s)", request_id)
        if _in_admin_api(request):
            response = api_error(500, "internal error", request_id=request_id)
        else:
            body = error_object(INTERNAL_ERROR, data={"requestId": request_id})
            response = json_response(body, 500)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _refused(request: web.Request, refused: StoreRefused) -> web.Response:
    """Answer a request the store refused (a full disk, the database out of reach): 503 with
    Retry-After."""
    reason, seconds = refusal(refused)
    retry = {"Retry-After": str(seconds)}
    if _in_admin_api(request):
        response = api_error(503, reason)
        response.headers.update(retry)
        return response
    return json_response(error_object(SERVER_BUSY, data=reason), 503, **retry)


def _in_admin_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX + "/")


# -- trusted proxies ----------------------------------------------------------------------------

# The client's address as a trusted proxy gave it, for the access log (which sees the request
# aiohttp made, not the copy that handlers get).
CLIENT_ADDRESS = web.RequestKey("client_address", str)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """Believe X-Forwarded-For/-Proto and Forwarded (RFC 7239) only from a peer in
    `server.trusted_proxies`: handlers then see the client's address as `request.remote` (login
    throttle, audit log, metrics access) and its scheme (`request.secure`, hence the session
    cookie's Secure flag). From any other peer these headers are ignored."""

    def __init__(self, trusted: str):
        self.networks: list[Network] = [ipaddress.ip_network(n) for n in networks(trusted)]

    def trusts(self, address: str | None) -> bool:
        """Return whether an address (as a peer or a hop) is one of the trusted proxies."""
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client(self, request: web.BaseRequest) -> tuple[str | None, str | None]:
        """Return (client address, scheme) the proxies give, each None when not given."""
        hops = [(_host(f.get("for")), f.get("proto")) for f in request.forwarded]
        if not hops:
            chain = ",".join(request.headers.getall("X-Forwarded-For", []))
            hops = [(_host(part), None) for part in chain.split(",") if part.strip()]
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip()
            if hops:
                hops[-1] = (hops[-1][0], proto or None)
            elif proto:
                hops = [(None, proto)]
        # From the nearest hop back: the first one that is not a trusted proxy is the client
        # (whatever a client wrote further left is its own claim).
        address, scheme = None, None
        for hop, proto in reversed(hops):
            scheme = proto.lower() if proto and proto.lower() in ("http", "https") else scheme
            if hop is None:
                break
            address = hop
            if not self.trusts(hop):
                break
        return address, scheme

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
        """Hand the handlers a copy of the request with the client's address and scheme."""
        if not self.trusts(request.remote):
            return await handler(request)
        address, scheme = self.client(request)
        changes: dict[str, str] = {}
        if address is not None:
            request[CLIENT_ADDRESS] = changes["remote"] = address
        if scheme is not None:
            changes["scheme"] = scheme
        return await handler(request.clone(**changes) if changes else request)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address((text or "").split("%")[0])
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def _host(node: str | None) -> str | None:
    """Return the address of a forwarded node ("192.0.2.1", "192.0.2.1:80", "[2001:db8::1]:80"),
    or None for "unknown", an obfuscated name or anything that is not an address."""
    node = (node or "").strip()
    if node.startswith("["):
        node = node[1:].partition("]")[0]
    elif node.count(":") == 1:
        node = node.partition(":")[0]
    ip = _ip(node)
    return None if ip is None else str(ip)
