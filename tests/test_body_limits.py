"""Large compressed and chunked bodies take their share of the large-body budget as they pass
1 MiB decoded, before the rest is held, and give back what they did not need."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import orjson

from spectrum_rpc.constants import RPC_PATH
from spectrum_rpc.resources import BODIES

MIB = 1 << 20


def classify(text: str) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text},
                         "id": 1})


async def test_a_compressed_body_is_refused_before_the_rest_of_it_is_held(make_client):
    api = await make_client(server={"max_pending_body_bytes": 8 * MIB, "body_wait": 0.2})
    budget = api.app[BODIES].budget
    assert await budget.acquire(budget.limit, 0)  # large requests in flight fill the budget
    try:
        reader, writer = await asyncio.open_connection(api.http.server.host,
                                                       api.http.server.port)
        writer.write(f"POST {RPC_PATH} HTTP/1.1\r\nHost: t\r\nAuthorization: Apikey {api.key}\r\n"
                     "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        # 2 MiB decoded so far, and the body goes on: the server must not wait for its end.
        packer = zlib.compressobj(wbits=31)
        start = packer.compress(classify("x" * (2 * MIB))[:-10]) + packer.flush(zlib.Z_SYNC_FLUSH)
        writer.write(b"%x\r\n%s\r\n" % (len(start), start))
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 20)
        writer.close()
    finally:
        budget.release(budget.limit)
    head = answer.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 503")
    assert b"Retry-After: " in head
    assert budget.used == 0


async def test_a_compressed_large_body_gives_back_its_share_once_answered(make_client, rpc):
    api = await make_client()
    body = gzip.compress(classify("you are an idiot " * (2 * MIB // 17)))
    reply = await rpc(api, data=body, headers={"Content-Encoding": "gzip"})
    assert reply.status == 200
    assert "toxic" in reply.json["result"]
    assert api.app[BODIES].budget.used == 0
