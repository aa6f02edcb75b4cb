"""`spectrum-rpc serve`: the first start, settling the heap, a refused setting; and as a real
process: its engine children, SIGTERM drains (also during start-up), a dead engine process is
replaced while serving.

The real process is the installed console script on a free loopback port with its database
in tmp_path and a key made beforehand with `spectrum-rpc keys create` (tests/helpers/serve.py).
That acknowledged writes survive SIGKILL is store/test_durability.py.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import signal
import sqlite3
import subprocess

import aiohttp
import orjson
import pytest
from aiohttp import web

from spectrum_rpc.admin.users import verify_password
from spectrum_rpc.cli.serve import settle_heap
from spectrum_rpc.constants import RPC_PATH
from spectrum_rpc.gc_tuning import GC_YOUNG_THRESHOLD
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store
from tests.helpers.cli import cli
from tests.helpers.process import children, wait_gone
from tests.helpers.serve import SCRIPT, Server, free_port, make_key, record, stored_contents


@pytest.mark.slow
def test_serve_refuses_a_zero_flush_interval(db_path):
    # Before this was refused, the server started and its flusher spun a core.
    done = cli(
        "serve", "--db", str(db_path), "--port", "0",
        SPECTRUM_RPC_AUTH_LAST_USED_FLUSH_INTERVAL="0",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "config key auth.last_used_flush_interval must be greater than 0" in done.stderr


async def test_settle_heap_freezes_start_up_objects_and_collects_young_ones_less_often():
    before = gc.get_threshold()
    try:
        await settle_heap(web.Application())
        assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's walks
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        garbage = []
        garbage.append(garbage)  # a cycle: still collected
        del garbage
        assert gc.collect() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_first_start_creates_an_admin_user_once(tmp_path, capsys):
    from spectrum_rpc.cli.serve import first_start

    settings = load_settings(environ={}, overrides={"store": {"path": str(tmp_path / "db")}})
    async with Store(tmp_path / "db") as store:
        await first_start(store, settings)
        out = capsys.readouterr().out
        password = re.search(r"password: (\S+)", out).group(1)
        assert "user: admin" in out and "sk_" in out  # beside the first API key
        user = await store.admin.user_by_name("admin")
        assert verify_password(password, user.password_hash)
        await first_start(store, settings)
        assert "password" not in capsys.readouterr().out


# -- a real process ------------------------------------------------------------------------------

SECRET = "narwhal-octopus-9001 distinctive user text"


async def classify(session: aiohttp.ClientSession, server: Server, text: str) -> dict:
    body = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text}, "id": 1}
    headers = {"Authorization": f"Apikey {server.key}"}
    async with session.post(server.url + RPC_PATH, data=orjson.dumps(body),
                            headers=headers) as resp:
        return await resp.json()


@pytest.mark.slow
async def test_health_endpoints_of_a_real_server(start_server, session):
    server = await start_server()
    for path in ("/healthz", "/readyz"):
        async with session.get(server.url + path) as resp:
            assert resp.status == 200
    engines = children(server.process.pid)
    assert len(engines) == 2  # the engine processes: short batches and long texts
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    assert await wait_gone(engines) == []


@pytest.mark.slow
async def test_a_dead_engine_process_is_replaced_while_serving(start_server, session):
    server = await start_server()
    assert "toxicityConfidence" in (await classify(session, server, "hello"))["result"]
    engines = children(server.process.pid)
    for pid in engines:
        os.kill(pid, signal.SIGKILL)
    answers = []
    for _ in range(600):  # requests during the restart fail cleanly or wait for the new child
        answer = await classify(session, server, "you are an idiot")
        answers.append(answer)
        if "result" in answer:
            break
        await asyncio.sleep(0.05)
    assert "result" in answers[-1], answers[-1]
    for answer in answers[:-1]:
        assert answer["error"]["code"] == -32603 and "requestId" in answer["error"]["data"]
    assert set(children(server.process.pid)).isdisjoint(engines)
    assert len(children(server.process.pid)) == 2
    assert "restarting" in server.stderr
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0


async def raw_post(
    server: Server, payload: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Send a whole request over a plain socket; return the streams once the bytes are written."""
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"POST {RPC_PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Apikey {server.key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    return reader, writer


@pytest.mark.slow
async def test_sigterm_answers_in_flight_requests_and_exits_0(start_server, session):
    server = await start_server("--log-level", "DEBUG")
    # A long text keeps the engine busy: its request is in flight when SIGTERM arrives.
    text = (SECRET + " you are an idiot. ") * 60_000
    big = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": text}, "id": "big"}
    reader, writer = await raw_post(server, orjson.dumps(big))
    fast = [asyncio.create_task(record(session, server, f"{SECRET} {i}", i)) for i in range(50)]
    await asyncio.wait(fast, return_when=asyncio.FIRST_COMPLETED)
    # aiohttp ignores bytes that arrive after shutdown starts: let the big body land first.
    await asyncio.sleep(1)
    server.process.send_signal(signal.SIGTERM)

    response = await asyncio.wait_for(reader.read(), 60)
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert orjson.loads(body)["id"] == "big"
    assert "toxic" in orjson.loads(body)["result"]

    results = await asyncio.gather(*fast, return_exceptions=True)
    for result in results:  # each one answered, or refused at the door: nothing in between
        assert result == "OK" or isinstance(result, aiohttp.ClientConnectionError), result
    status = await asyncio.to_thread(server.process.wait, 60)
    assert status == 0, server.stderr
    acked = {f"{SECRET} {i}" for i, r in enumerate(results) if r == "OK"}
    assert acked and acked <= stored_contents(server.db_path)
    assert "narwhal-octopus" not in server.stderr  # DEBUG logs hold no user text
    assert "Traceback" not in server.stderr
    # Every cleanup ran to its end (aiohttp runs them inside its cancelled main task): the
    # engine lanes were closed and the key's last use, kept in memory, was written.
    assert "micro-batcher closed" in server.stderr
    conn = sqlite3.connect(server.db_path)
    try:
        assert conn.execute("SELECT last_used_at FROM api_keys").fetchone()[0] is not None
    finally:
        conn.close()


@pytest.mark.slow
async def test_sigterm_during_start_up_stops_cleanly(tmp_path):
    db_path = tmp_path / "early.db"
    make_key(db_path)
    stderr_path = tmp_path / "early.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--db", str(db_path), "--host", "127.0.0.1",
             "--port", str(free_port()), "--log-level", "DEBUG"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        # Start-up has begun: the models are loading.
        async with asyncio.timeout(60):
            while "starting: loading the models" not in stderr_path.read_text():
                assert process.poll() is None, stderr_path.read_text()
                await asyncio.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        # It used to hang for good here: the store's threads outlived a skipped clean-up.
        status = await asyncio.to_thread(process.wait, 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = stderr_path.read_text()
    assert status == 0, log
    assert "stopped during start-up" in log and "Traceback" not in log
