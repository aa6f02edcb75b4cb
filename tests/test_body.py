"""Request bodies over real HTTP: content types and codings (415, 400), size limits (413),
the large-body budget (503 when full); and ByteBudget itself, by which large bodies share a
bounded amount of memory, first come first served."""

from __future__ import annotations

import asyncio
import gzip
import io
import zlib

import brotli
import orjson
import pytest
from backports import zstd

from spectrum_rpc.body import ByteBudget
from spectrum_rpc.constants import (
    INVALID_PARAMS,
    MAX_TEXT_BYTES,
    PARSE_ERROR,
    PAYLOAD_TOO_LARGE,
    RPC_PATH,
    SERVER_BUSY,
)
from spectrum_rpc.resources import BODIES
from tests.helpers.http import CLASSIFY, auth, record

# -- content types and encodings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/x-www-form-urlencoded",  # what `curl -d` sends
        "text/plain; charset=utf-8",
        "application/octet-stream",
        None,
    ],
)
async def test_any_content_type_is_accepted(app_client, content_type):
    headers = auth(app_client)
    if content_type:
        headers["Content-Type"] = content_type
    async with app_client.http.post(RPC_PATH, data=orjson.dumps(CLASSIFY), headers=headers) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert "toxic" in (await resp.json())["result"]


COMPRESSORS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstd.compress,
}


@pytest.mark.parametrize("encoding", COMPRESSORS)
async def test_compressed_request_bodies_are_accepted(app_client, committed, encoding):
    headers = {**auth(app_client), "Content-Encoding": encoding}
    body = COMPRESSORS[encoding](orjson.dumps(record("compressed")))
    async with app_client.http.post(RPC_PATH, data=body, headers=headers) as resp:
        assert (await resp.json())["result"] == "OK"
    assert committed("SELECT content FROM feedback") == [("compressed",)]


@pytest.mark.parametrize(
    "encoding", ["compress", "foo", "gzip, foo", "x-gzip", "gzip, gzip", "gzip, identity"]
)
async def test_unknown_content_encoding_is_a_415(app_client, committed, encoding):
    headers = {**auth(app_client), "Content-Encoding": encoding}
    async with app_client.http.post(RPC_PATH, data=orjson.dumps(record("x")),
                                    headers=headers) as resp:
        assert resp.status == 415
        assert resp.content_type == "application/json"
        error = (await resp.json())["error"]
    assert error["code"] == PARSE_ERROR and encoding in error["data"]
    assert committed("SELECT id FROM feedback") == []


@pytest.mark.parametrize("encoding", COMPRESSORS)
async def test_corrupt_compressed_body_is_a_400_parse_error(app_client, committed, caplog,
                                                           encoding):
    headers = {**auth(app_client), "Content-Encoding": encoding}
    async with app_client.http.post(RPC_PATH, data=b"not compressed at all",
                                    headers=headers) as resp:
        assert resp.status == 400
        assert resp.content_type == "application/json"
        assert (await resp.json())["error"]["code"] == PARSE_ERROR
    assert not [r for r in caplog.records if r.name.startswith("spectrum_rpc")]
    assert committed("SELECT id FROM feedback") == []


# -- body size -----------------------------------------------------------------------------------


async def assert_too_large(resp) -> None:  # type: ignore[no-untyped-def]
    assert resp.status == 413
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == PAYLOAD_TOO_LARGE


async def test_body_over_the_limit_gets_413(make_client, committed):
    api = await make_client(server={"max_body_bytes": 1024})
    async with api.http.post(
        RPC_PATH, data=orjson.dumps(record("x" * 2000)), headers=auth(api)
    ) as resp:
        await assert_too_large(resp)
    assert committed("SELECT id FROM feedback") == []
    # Just under the limit still works.
    async with api.http.post(
        RPC_PATH, data=orjson.dumps(record("x" * 900)), headers=auth(api)
    ) as resp:
        assert (await resp.json())["result"] == "OK"


async def test_chunked_body_over_the_limit_gets_413(make_client, committed):
    api = await make_client(server={"max_body_bytes": 1024})

    async def chunks():  # no Content-Length: the limit applies while reading
        yield b'{"jsonrpc": "2.0", "method": "recordUserClassification", "params": ["'
        for _ in range(10):
            yield b"x" * 200
        yield b'", true], "id": 1}'

    async with api.http.post(RPC_PATH, data=chunks(), headers=auth(api)) as resp:
        await assert_too_large(resp)
    assert committed("SELECT id FROM feedback") == []


@pytest.mark.parametrize("encoding", COMPRESSORS)
async def test_compression_bomb_is_refused_after_decompression(make_client, committed,
                                                               encoding):
    api = await make_client(server={"max_body_bytes": 64 * 1024})
    payload = orjson.dumps(record(" " * (8 * 1024 * 1024)))
    bomb = COMPRESSORS[encoding](payload)
    assert len(bomb) < 64 * 1024 < len(payload)
    headers = {**auth(api), "Content-Encoding": encoding}
    async with api.http.post(RPC_PATH, data=bomb, headers=headers) as resp:
        await assert_too_large(resp)
    assert committed("SELECT id FROM feedback") == []


@pytest.mark.slow
async def test_text_of_exactly_15_mb_is_accepted(app_client, rpc, committed):
    text = "a" * MAX_TEXT_BYTES
    reply = await rpc(app_client, record(text))
    assert reply.json["result"] == "OK"
    assert committed("SELECT length(content) FROM feedback") == [(MAX_TEXT_BYTES,)]
    reply = await rpc(app_client, {**CLASSIFY, "params": {"text": text}})
    assert "toxic" in reply.json["result"]


@pytest.mark.slow
@pytest.mark.parametrize("text", ["a" * (MAX_TEXT_BYTES + 1), "é" * (MAX_TEXT_BYTES // 2 + 1)])
async def test_text_over_15_mb_of_utf8_is_invalid_params(app_client, rpc, committed, text):
    reply = await rpc(app_client, {**CLASSIFY, "params": {"text": text}})
    assert reply.status == 200
    error = reply.json["error"]
    assert error["code"] == INVALID_PARAMS and error["data"]["param"] == "text"
    reply = await rpc(app_client, record(text))
    assert reply.json["error"]["data"]["param"] == "content"
    assert committed("SELECT id FROM feedback") == []


@pytest.mark.slow
async def test_15_mb_text_over_a_smaller_body_limit_gets_413(make_client):
    api = await make_client(server={"max_body_bytes": 1024 * 1024})
    body = io.BytesIO(orjson.dumps({**CLASSIFY, "params": {"text": "a" * MAX_TEXT_BYTES}}))
    async with api.http.post(RPC_PATH, data=body, headers=auth(api)) as resp:
        await assert_too_large(resp)


# -- memory budget for large bodies --------------------------------------------------------------

LARGE = {**CLASSIFY, "params": {"text": "a" * (1 << 20)}}


async def start_slow_upload(api, payload: dict):  # type: ignore[no-untyped-def]
    """Send the headers and the first bytes of a large request, and keep the rest back."""
    body = orjson.dumps(payload)
    reader, writer = await asyncio.open_connection(api.http.server.host, api.http.server.port)
    head = (f"POST {RPC_PATH} HTTP/1.1\r\nHost: test\r\nAuthorization: Apikey {api.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    writer.write(head.encode() + body[:1000])
    await writer.drain()

    async def finish() -> bytes:
        writer.write(body[1000:])
        await writer.drain()
        response = await reader.read()  # until the server closes, as asked
        writer.close()
        return response

    return finish


async def until(condition) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(30):  # a bound against a hang, not a speed assertion
        while not condition():
            await asyncio.sleep(0.01)


async def test_large_bodies_beyond_the_memory_budget_wait_then_get_503(make_client, rpc):
    api = await make_client(server={"max_pending_body_bytes": 3 << 19, "body_wait": 0.2})
    budget = api.app[BODIES].budget
    finish = await start_slow_upload(api, LARGE)
    await until(lambda: budget.used > 0)  # the first large body holds its share while read
    for data in (io.BytesIO(orjson.dumps(LARGE)), None):  # declared size, then chunked
        if data is None:  # size unknown: counted once read
            async def chunks():  # type: ignore[no-untyped-def]
                body = orjson.dumps(LARGE)
                for start in range(0, len(body), 1 << 16):
                    yield body[start:start + (1 << 16)]
            data = chunks()
        async with api.http.post(RPC_PATH, data=data, headers=auth(api)) as resp:
            assert resp.status == 503 and resp.headers["Retry-After"] == "1"
            error = (await resp.json())["error"]
            assert error["code"] == SERVER_BUSY and "retry later" in error["data"]
    small = await rpc(api, CLASSIFY)  # small requests are not held up
    assert "toxic" in small.json["result"]
    answer = await finish()
    assert answer.startswith(b"HTTP/1.1 200") and b'"toxicityConfidence"' in answer
    assert budget.used == 0
    again = await rpc(api, LARGE)
    assert "toxic" in again.json["result"] and budget.used == 0


async def test_a_waiting_large_body_goes_in_when_the_budget_frees(make_client, rpc):
    api = await make_client(server={"max_pending_body_bytes": 3 << 19, "body_wait": 60})
    budget = api.app[BODIES].budget
    finish = await start_slow_upload(api, LARGE)
    await until(lambda: budget.used > 0)
    second = asyncio.create_task(rpc(api, LARGE))
    await until(lambda: budget._waiters)
    assert not second.done()
    assert (await finish()).startswith(b"HTTP/1.1 200")
    assert "toxic" in (await second).json["result"]
    assert budget.used == 0


# -- ByteBudget ----------------------------------------------------------------------------------


async def waiting(budget: ByteBudget, amount: int, timeout: float = 30) -> asyncio.Task[bool]:
    task = asyncio.create_task(budget.acquire(amount, timeout))
    await asyncio.sleep(0)
    return task


async def test_grants_within_the_limit_and_queues_beyond_it_in_order():
    budget = ByteBudget(100)
    assert await budget.acquire(60, 0)
    first = await waiting(budget, 50)
    second = await waiting(budget, 10)  # would fit, but waits behind the first: no starving
    assert not first.done() and not second.done()
    budget.release(60)
    assert await first and await second
    assert budget.used == 60


async def test_a_timed_out_waiter_leaves_and_lets_the_next_in():
    budget = ByteBudget(100)
    assert await budget.acquire(90, 0)
    big = await waiting(budget, 80, timeout=0.05)
    small = await waiting(budget, 10)
    assert await big is False
    assert await small is True and budget.used == 100


async def test_a_cancelled_waiter_takes_nothing():
    budget = ByteBudget(100)
    assert await budget.acquire(100, 0)
    task = await waiting(budget, 50)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    budget.release(100)
    assert budget.used == 0


async def test_a_body_larger_than_the_budget_still_gets_in_alone():
    budget = ByteBudget(100)
    assert budget.charge(500) == 100 and budget.charge(7) == 7
    assert await budget.acquire(budget.charge(500), 0)
    assert not await budget.acquire(1, 0.01)


def test_the_limit_must_be_positive():
    with pytest.raises(ValueError):
        ByteBudget(0)
