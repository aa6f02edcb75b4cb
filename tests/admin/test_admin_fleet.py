"""Two server processes on one database (here two apps, each with its own store): an admin
session made through one is valid on the other, and a user locked out on one is locked out on
both. Once per backend (see tests/helpers/backends.py)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from spectrum_rpc.admin.sessions import COOKIE
from spectrum_rpc.admin.users import create_user
from spectrum_rpc.app import create_app
from spectrum_rpc.resources import STORE
from tests.helpers import backends

backend, committed, location = backends.backend, backends.committed, backends.location
make_settings, store = backends.make_settings, backends.store

PASSWORD = "correct horse battery staple"


async def login(client: TestClient, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    form = {"csrf_token": token, "name": "alice", "password": password}
    return await client.post("/admin/login", data=form, allow_redirects=False)


async def test_sessions_and_lockouts_hold_across_processes(aiohttp_client, make_settings):
    one = await aiohttp_client(create_app(make_settings()))
    two = await aiohttp_client(create_app(make_settings()))
    await create_user(one.app[STORE], "alice", PASSWORD)

    answer = await login(one)
    assert answer.status == 303
    cookie = answer.cookies[COOKIE].value
    me = await two.get("/api/v1/admin/me", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert me.status == 200 and (await me.json())["user"] == "alice"

    for _ in range(4):
        assert (await login(one, "wrong password!")).status == 401
    locked = await login(two)  # the right password, on the other process
    assert locked.status == 429 and "Try again in" in await locked.text()
