"""What a client cannot do to the log: forge lines through the access log's path, or fill it
with tracebacks by sending corrupt bodies and malformed requests."""

from __future__ import annotations

import asyncio
import gzip
import logging
import sys

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from spectrum_rpc.app import create_app
from spectrum_rpc.log_limits import ClientNoise, Throttle
from spectrum_rpc.middleware import AccessLogger
from tests.helpers.attack import running_server

FORGED = "2026-12-05 03:00:00,000 ERROR spectrum_rpc.store database corrupt"


async def raw_exchange(host: str, port: int, data: bytes) -> bytes:
    """Send `data` on a fresh connection and return everything the server answers."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def test_a_newline_in_the_path_does_not_forge_an_access_log_line(
    aiohttp_client, make_settings, caplog
):
    server = TestServer(create_app(make_settings()))
    await server.start_server(access_log_class=AccessLogger)  # as `serve` runs it
    client = await aiohttp_client(server)
    path = "/x%0A" + FORGED.replace(" ", "%20") + "%0D%0A%22"
    request = f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        answer = await raw_exchange(client.server.host, client.server.port, request)
    assert answer.startswith(b"HTTP/1.1 404")
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\r" not in lines[0]
    assert '"GET /x%0A2026-12-05%2003' in lines[0]


CORRUPT_GZIP = gzip.compress(b'{"jsonrpc": "2.0"}' * 100)[:-12] + b"\x00" * 12
MALFORMED = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nthis line is no header\r\n\r\n"


def corrupt_post(path: str) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: gzip\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(CORRUPT_GZIP)}\r\n\r\n")
    return head.encode() + CORRUPT_GZIP


@pytest.mark.slow
async def test_corrupt_bodies_and_malformed_requests_log_one_line_per_cause(tmp_path):
    with running_server(tmp_path) as server:
        for _ in range(20):
            unauthorized = await raw_exchange(server.host, server.port,
                                              corrupt_post("/api/v1/classification"))
            assert unauthorized.startswith(b"HTTP/1.1 401")
            await raw_exchange(server.host, server.port, corrupt_post("/admin/login"))
            refused = await raw_exchange(server.host, server.port, MALFORMED)
            assert refused.split(b" ")[1] == b"400"
        await asyncio.sleep(0.5)
        log = server.log
    assert "Traceback" not in log
    assert "Unhandled exception" not in log and "Error handling request" not in log
    lines = log.splitlines()
    assert len([line for line in lines if "refused a corrupt request body" in line]) == 1
    assert len([line for line in lines if "refused a malformed HTTP request" in line]) == 1
    assert all(" WARNING " in line for line in lines if "refused a" in line)


def payload_error_record() -> logging.LogRecord:
    try:
        raise web.RequestPayloadError("Can not decode content-encoding: gzip\n  forged line")
    except web.RequestPayloadError:
        return logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1,
                                 "Unhandled exception", (), sys.exc_info())


def test_client_noise_is_one_warning_per_cause_per_interval_with_a_count():
    now = [0.0]
    noise = ClientNoise(Throttle(60.0, clock=lambda: now[0]))
    first = payload_error_record()
    assert noise.filter(first)
    assert first.levelno == logging.WARNING and first.exc_info is None
    assert "\n" not in first.getMessage()
    assert not noise.filter(payload_error_record())
    assert not noise.filter(payload_error_record())
    now[0] = 61.0
    later = payload_error_record()
    assert noise.filter(later)
    assert "2 more" in later.getMessage()
    unrelated = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1, "other", (), None)
    assert noise.filter(unrelated) and unrelated.levelno == logging.ERROR
