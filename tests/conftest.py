"""Shared fixtures: settings on a temporary database, the real app behind a real HTTP client.

Every fixture here is general on purpose; other test modules may use them:

- `db_path`: a SQLite file path in the test's tmp_path (not created).
- `make_settings(**sections)`: load_settings() with the store on `db_path` plus overrides,
  e.g. `make_settings(server={"max_body_bytes": 1024})`.
- `store`: an open `Store` on `db_path` (closed after the test).
- `make_client(**sections)`: start the real app on a real port and return an `ApiClient`
  holding the aiohttp test client and a fresh API key of project "default".
- `app_client`: `make_client()` with default settings.
- `rpc(api, payload)`: POST a JSON-RPC payload with the client's key; returns `RpcReply`.
- `committed(sql, *params)`: query `db_path` through a separate sqlite3 connection.
- `start_server(*flags)`: start a real `spectrum-rpc serve` process (a fresh database with a
  key of project "acme") and wait until it is healthy; returns a `tests.helpers.serve.Server`.
  Killed after the test if still running.
- `session`: an aiohttp ClientSession of up to 64 connections, for such a server.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.app import create_app
from spectrum_rpc.auth import create_key
from spectrum_rpc.constants import DEFAULT_PROJECT, RPC_PATH
from spectrum_rpc.resources import STORE
from spectrum_rpc.settings import Settings, load_settings
from spectrum_rpc.store import Store
from tests.helpers.serve import SCRIPT, Server, free_port, make_key, wait_until_healthy

# `postgres_server` and `postgres_url`: a throwaway PostgreSQL server (skips where none starts).
# `serve` and `receiver`: real server processes on one database, and a webhook receiver.
pytest_plugins = ["tests.helpers.postgres", "tests.helpers.fleet"]

# Sentinel: "send the client's own key" (None means: send no Authorization header).
OWN_KEY = object()


@dataclass
class ApiClient:
    """A running app, its HTTP client and one API key."""

    http: TestClient
    key: str
    key_id: str
    db_path: Path

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.http.app

    @property
    def store(self) -> Store:
        return self.http.app[STORE]

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpack as `client, key = app_client`."""
        return iter((self.http, self.key))


@dataclass
class RpcReply:
    """One HTTP exchange: status, headers, raw body and the parsed JSON (None if empty)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None


def _merge(base: dict[str, dict[str, Any]], extra: Mapping[str, Mapping[str, Any]]) -> dict:
    merged = {name: dict(values) for name, values in base.items()}
    for name, values in extra.items():
        merged.setdefault(name, {}).update(values)
    return merged


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def committed(db_path: Path) -> Callable[..., list[tuple[Any, ...]]]:
    """Query `db_path` with a separate plain sqlite3 connection: sees only committed rows."""

    def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    return query


@pytest.fixture
def make_settings(db_path: Path) -> Callable[..., Settings]:
    def make(**sections: Mapping[str, Any]) -> Settings:
        # In-app tests score in threads: an engine process per app would add seconds to each.
        # The engine processes (the served default) have their own tests, and every test
        # that runs `spectrum-rpc serve` uses them.
        base = {"store": {"path": str(db_path)}, "engine": {"processes": False}}
        return load_settings(overrides=_merge(base, sections))

    return make


@pytest.fixture
async def store(db_path: Path):  # type: ignore[no-untyped-def]
    async with Store(db_path) as opened:
        yield opened


@pytest.fixture
def make_client(aiohttp_client, make_settings, db_path) -> Callable[..., Awaitable[ApiClient]]:  # type: ignore[no-untyped-def]
    async def make(project: str = DEFAULT_PROJECT, **sections: Mapping[str, Any]) -> ApiClient:
        http = await aiohttp_client(create_app(make_settings(**sections)))
        new = await create_key(http.app[STORE], "test", project)
        return ApiClient(http, new.key, new.id, db_path)

    return make


@pytest.fixture
async def app_client(make_client) -> ApiClient:  # type: ignore[no-untyped-def]
    return await make_client()


@pytest.fixture
def rpc() -> Callable[..., Awaitable[RpcReply]]:
    """POST to the JSON-RPC endpoint: a payload (JSON-encoded) or raw bytes via `data=`."""

    async def post(
        api: ApiClient,
        payload: Any = None,
        *,
        data: bytes | None = None,
        key: Any = OWN_KEY,
        scheme: str = "Apikey",
        headers: Mapping[str, str] | None = None,
    ) -> RpcReply:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key is OWN_KEY:
            key = api.key
        if key is not None:
            sent["Authorization"] = f"{scheme} {key}"
        body: Any = data if data is not None else orjson.dumps(payload)
        if len(body) > 1 << 20:
            body = io.BytesIO(body)  # aiohttp warns about big bytes bodies (an error here)
        async with api.http.post(RPC_PATH, data=body, headers=sent) as resp:
            return RpcReply(resp.status, resp.headers.copy(), await resp.read())

    return post


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    started: list[Server] = []

    async def start(*extra: str) -> Server:
        db_path = tmp_path / "crash.db"
        key = make_key(db_path)
        port = free_port()
        stderr_path = tmp_path / f"server-{len(started)}.log"
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    str(SCRIPT),
                    "serve",
                    "--db",
                    str(db_path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=os.environ.copy(),
            )
        server = Server(process, f"http://127.0.0.1:{port}", key, db_path, stderr_path)
        started.append(server)
        await wait_until_healthy(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait(timeout=30)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as client:
        yield client
