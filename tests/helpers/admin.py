"""A logged-in admin client over the real app, and the calls the admin API test modules share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.admin.sessions import CSRF_HEADER
from spectrum_rpc.admin.users import create_user
from spectrum_rpc.app import create_app
from spectrum_rpc.resources import STORE
from spectrum_rpc.settings import load_settings
from tests.helpers.http import call

PASSWORD = "correct horse battery staple"
API = "/api/v1/admin"


async def logged_in_client(aiohttp_client: Any, tmp_path: Path, **sections: dict) -> TestClient:
    """Start the app on a fresh database, log "alice" in, and send her CSRF token on changes."""
    settings = load_settings(environ={}, overrides={
        "store": {"path": str(tmp_path / "db.sqlite"), "synchronous": "NORMAL"},
        "engine": {"processes": False},  # see make_settings in conftest.py
        **sections,
    })
    client = await aiohttp_client(create_app(settings))
    await create_user(client.app[STORE], "alice", PASSWORD)
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    await client.post("/admin/login", data={"csrf_token": token, "name": "alice",
                                            "password": PASSWORD})
    me = await (await client.get(f"{API}/me")).json()
    client.session.headers[CSRF_HEADER] = me["csrf_token"]
    return client


# A module whose tests all take alice on default settings binds this with `client = admin.client`
# (pytest finds fixtures by the module's names, as for tests/helpers/backends.py).
@pytest.fixture
async def client(aiohttp_client: Any, tmp_path: Path) -> TestClient:
    """Alice logged in on a fresh database with default settings."""
    return await logged_in_client(aiohttp_client, tmp_path)


async def put_thresholds(client: TestClient, thresholds: dict, project: str = "shop") -> dict:
    """PUT `thresholds` as the project's settings (must be accepted); return the answer."""
    response = await client.put(f"{API}/projects/{project}/settings",
                                json={"thresholds": thresholds})
    assert response.status == 200, await response.text()
    return await response.json()


async def send(client: TestClient, key: str, method: str, text: str) -> dict:
    """Send `text` through the Spectrum `method` with `key`; return its result (labels asked
    for on moderateText, which detects nothing unless told)."""
    params: dict = {"text": text}
    if method == "moderateText":
        params["options"] = {"detect": ["labels"]}
    response = await client.post("/api/v1/classification", json=call(method, params),
                                 headers={"Authorization": f"Apikey {key}"})
    answer = await response.json()
    assert "result" in answer, answer
    return answer["result"]
