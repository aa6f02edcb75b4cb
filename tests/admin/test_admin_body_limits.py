"""The admin UI and its API read bodies within admin.max_body_bytes (decoded), and answer a
body that is too large or does not decode in their own shapes: the login page, the API's
{"error": ...}; never a 500."""

from __future__ import annotations

import gzip
import logging
import re

import pytest

from spectrum_rpc.admin.users import create_user
from spectrum_rpc.app import create_app
from spectrum_rpc.resources import STORE
from tests.helpers.admin import API, PASSWORD, logged_in_client

LIMIT = 64 * 1024
CORRUPT_GZIP = gzip.compress(b"name=alice&password=x" * 50)[:-12] + b"\x00" * 12


def bomb(decoded: int) -> bytes:
    """A form body that is small compressed and `decoded` bytes once decompressed."""
    return gzip.compress(b"name=" + b"a" * decoded)


def ours_at_error(caplog) -> list:  # type: ignore[no-untyped-def]
    """ERROR records of the server's own code (what aiohttp logs as it drains a corrupt body
    after the answer, serve turns into one rate-limited WARNING: tests/test_log_hygiene.py)."""
    return [r for r in caplog.records
            if r.levelno >= logging.ERROR and r.name.startswith("spectrum_rpc")]


async def login_token(client) -> str:  # type: ignore[no-untyped-def]
    page = await client.get("/admin/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)


@pytest.fixture
async def admin_client(aiohttp_client, make_settings):  # type: ignore[no-untyped-def]
    """The app with a user "alice", nobody logged in."""
    client = await aiohttp_client(create_app(make_settings(admin={"max_body_bytes": LIMIT})))
    await create_user(client.app[STORE], "alice", PASSWORD)
    return client


@pytest.fixture
async def api_client(aiohttp_client, tmp_path):  # type: ignore[no-untyped-def]
    """Alice logged in, her CSRF token sent on changes."""
    return await logged_in_client(aiohttp_client, tmp_path, admin={"max_body_bytes": LIMIT})


async def test_a_login_form_that_decodes_past_the_limit_is_refused(admin_client):
    body = bomb(4 * 1024 * 1024)  # 4 MiB once decoded, about 4 KB sent
    assert len(body) < LIMIT
    resp = await admin_client.post("/admin/login", data=body, headers={
        "Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 413
    assert resp.content_type == "text/html"
    assert "The form is too large." in await resp.text()


async def test_a_login_form_within_the_limit_still_logs_in(admin_client):
    form = f"csrf_token={await login_token(admin_client)}&name=alice&password={PASSWORD}"
    resp = await admin_client.post(
        "/admin/login", data=gzip.compress(form.replace(" ", "+").encode()),
        allow_redirects=False,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 303


async def test_an_api_body_that_decodes_past_the_limit_is_413_in_the_api_shape(api_client):
    body = gzip.compress(b'{"name": "' + b"k" * (2 * 1024 * 1024) + b'"}')
    resp = await api_client.post(f"{API}/projects/default/keys", data=body,
                                 headers={"Content-Encoding": "gzip",
                                          "Content-Type": "application/json"})
    assert resp.status == 413
    assert "larger than" in (await resp.json())["error"]


async def test_a_corrupt_login_body_is_400_on_the_login_page_without_a_traceback(
    admin_client, caplog
):
    with caplog.at_level(logging.ERROR):
        resp = await admin_client.post("/admin/login", data=CORRUPT_GZIP, headers={
            "Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 400
    assert "could not be read" in await resp.text()
    assert not ours_at_error(caplog)


async def test_a_corrupt_api_body_is_400_in_the_api_shape_without_a_traceback(
    api_client, caplog
):
    with caplog.at_level(logging.ERROR):
        resp = await api_client.post(f"{API}/projects/default/keys", data=CORRUPT_GZIP,
                                     headers={"Content-Encoding": "gzip",
                                              "Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"] == "the body could not be decoded"
    assert not ours_at_error(caplog)
