"""Admin UI access: passwords, login throttling, sessions, CSRF, separation from API keys, audit."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.admin.sessions import COOKIE, CSRF_HEADER
from spectrum_rpc.admin.users import create_user, hash_password, lockout, verify_password
from spectrum_rpc.app import create_app
from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from spectrum_rpc.settings import load_settings
from spectrum_rpc.store import Store

PASSWORD = "correct horse battery staple"
API = "/api/v1/admin"


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        environ={},
        overrides={"store": {"path": str(tmp_path / "db.sqlite"), "synchronous": "NORMAL"}},
    )


@pytest.fixture
async def client(aiohttp_client, settings) -> TestClient:
    client = await aiohttp_client(create_app(settings))
    await create_user(client.app[STORE], "alice", PASSWORD)
    return client


async def login(client: TestClient, name: str = "alice", password: str = PASSWORD,
                **extra: str):
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    form = {"csrf_token": token, "name": name, "password": password, **extra}
    return await client.post("/admin/login", data=form, allow_redirects=False)


async def csrf(client: TestClient) -> str:
    return (await (await client.get(f"{API}/me")).json())["csrf_token"]


# -- passwords --------------------------------------------------------------------------------


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second  # per-user salt
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "!", first)
    assert not verify_password(PASSWORD, "md5$abc")
    assert not verify_password(PASSWORD, "garbage")


async def test_create_user_refuses_short_passwords_and_duplicates(tmp_path):
    async with Store(tmp_path / "db") as store:
        with pytest.raises(ValueError, match="at least"):
            await create_user(store, "bob", "short")
        await create_user(store, "bob", PASSWORD)
        with pytest.raises(ValueError, match="already exists"):
            await create_user(store, "bob", PASSWORD)


# -- login, logout, refusal when logged out ---------------------------------------------------


async def test_login_sets_a_strict_httponly_session_cookie(client):
    response = await login(client)
    assert response.status == 303 and response.headers["Location"] == "/admin/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # plain HTTP in tests; request.secure decides
    page = await client.get("/admin/")
    assert page.status == 200 and "Dashboard" in await page.text()
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


async def test_session_ids_are_stored_hashed(client):
    await login(client)
    raw = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    rows = await client.app[STORE].db.fetchall("SELECT id_hash FROM admin_sessions")
    assert len(rows) == 1 and rows[0][0] != raw and raw not in rows[0][0]


async def test_wrong_password_is_refused(client):
    response = await login(client, password="wrong password!")
    assert response.status == 401
    assert "Wrong user name or password" in await response.text()
    assert (await client.get(f"{API}/me")).status == 401


async def test_logged_out_requests_are_refused(client):
    page = await client.get("/admin/keys?project=default", allow_redirects=False)
    assert page.status == 303
    assert page.headers["Location"].startswith("/admin/login?next=")
    api = await client.get(f"{API}/projects/default/keys")
    assert api.status == 401 and "error" in await api.json()
    assert (await client.post(f"{API}/projects/default/keys", json={"name": "x"})).status == 401


async def test_logout_ends_the_session(client):
    await login(client)
    token = await csrf(client)
    assert (await client.post("/admin/logout", data={}, allow_redirects=False)).status == 403
    out = await client.post("/admin/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status == 303
    assert (await client.get(f"{API}/me")).status == 401
    assert await client.app[STORE].db.fetchall("SELECT * FROM admin_sessions") == []


async def test_login_redirects_only_to_admin_paths(client):
    response = await login(client, next="https://evil.example/")
    assert response.headers["Location"] == "/admin/"


# -- throttling -------------------------------------------------------------------------------


def test_lockout_grows_exponentially_and_is_capped():
    assert [lockout(n, 3, 1.0, 900.0) for n in (1, 3, 4, 5, 6)] == [0, 0, 1, 2, 4]
    assert lockout(50, 3, 1.0, 900.0) == 900.0


async def test_repeated_failures_lock_out_the_user(client):
    for _ in range(4):
        assert (await login(client, password="wrong password!")).status == 401
    # Locked for a while, even with the right password.
    locked = await login(client)
    assert locked.status == 429 and "Try again in" in await locked.text()
    client.app[ADMIN].clock.advance(2)
    assert (await login(client)).status == 303
    user = await client.app[STORE].admin.user_by_name("alice")
    assert user.failed_logins == 0


async def test_repeated_failures_lock_out_the_address(client):
    for i in range(11):  # ten failures are free, the eleventh earns a lockout
        assert (await login(client, name=f"nobody{i}", password="x" * 12)).status == 401
    assert (await login(client, name="nobody", password="x" * 12)).status == 429
    assert (await login(client)).status == 429  # alice from the same address must wait too
    client.app[ADMIN].clock.advance(1.5)
    assert (await login(client)).status == 303


# -- session expiry ---------------------------------------------------------------------------


async def test_sessions_expire_when_idle(client):
    await login(client)
    clock = client.app[ADMIN].clock
    clock.advance(29 * 60)
    assert (await client.get(f"{API}/me")).status == 200
    clock.advance(31 * 60)
    assert (await client.get(f"{API}/me")).status == 401
    page = await client.get("/admin/", allow_redirects=False)
    assert page.status == 303


async def test_sessions_expire_after_an_absolute_lifetime(client):
    await login(client)
    clock = client.app[ADMIN].clock
    for _ in range(12 * 3):  # active every 20 minutes for 12 hours
        assert (await client.get(f"{API}/me")).status == 200
        clock.advance(20 * 60)
    assert (await client.get(f"{API}/me")).status == 401


# -- CSRF -------------------------------------------------------------------------------------


async def test_api_changes_need_the_csrf_header(client):
    await login(client)
    url = f"{API}/projects/default/keys"
    assert (await client.post(url, json={"name": "k"})).status == 403
    wrong = await client.post(url, json={"name": "k"}, headers={CSRF_HEADER: "0" * 64})
    assert wrong.status == 403
    right = await client.post(url, json={"name": "k"}, headers={CSRF_HEADER: await csrf(client)})
    assert right.status == 201
    assert (await client.get(url)).status == 200  # reads need no token


async def test_login_form_needs_its_csrf_token(client):
    response = await client.post(
        "/admin/login", data={"name": "alice", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403
    assert (await client.get(f"{API}/me")).status == 401


async def test_csrf_token_differs_per_session(client, aiohttp_client):
    await login(client)
    first = await csrf(client)
    other = await aiohttp_client(client.server)
    await login(other)
    assert await csrf(other) != first


# -- API keys and admin sessions are separate ---------------------------------------------------


async def test_api_keys_do_not_grant_admin_access(client):
    new = await create_key(client.app[STORE], "rpc", "default")
    for scheme in ("Apikey", "Bearer"):
        headers = {"Authorization": f"{scheme} {new.key}"}
        assert (await client.get(f"{API}/me", headers=headers)).status == 401
        page = await client.get("/admin/", headers=headers, allow_redirects=False)
        assert page.status == 303


async def test_admin_sessions_do_not_grant_rpc_access(client):
    await login(client)
    body = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hi"}, "id": 1}
    response = await client.post("/api/v1/classification", json=body,
                                 headers={CSRF_HEADER: await csrf(client)})
    assert response.status == 401


# -- audit log --------------------------------------------------------------------------------


async def test_admin_actions_are_audited_without_secrets(client):
    await login(client)
    headers = {CSRF_HEADER: await csrf(client)}
    created = await (await client.post(f"{API}/projects/default/keys", json={"name": "app"},
                                       headers=headers)).json()
    await client.post(f"{API}/keys/{created['id']}/revoke", headers=headers)
    await client.put(f"{API}/projects/default/settings", json={"thresholds": {"toxicity": 0.7}},
                     headers=headers)
    await client.post(f"{API}/projects/default/playground", json={"text": "secret words"},
                      headers=headers)
    entries = (await (await client.get(f"{API}/audit")).json())["entries"]
    actions = [(e["actor"], e["action"]) for e in entries]
    assert ("alice", "login") in actions
    assert ("alice", "key.create") in actions and ("alice", "key.revoke") in actions
    assert ("alice", "settings.update") in actions
    dump = str(entries)
    assert created["key"] not in dump and PASSWORD not in dump and "secret words" not in dump
    page = await client.get("/admin/audit")
    assert "key.revoke" in await page.text()


async def test_failed_logins_are_audited_without_the_password(client):
    await login(client, password="wrong password!")
    entries = await client.app[STORE].admin.audit_log()
    assert [(e.actor, e.action) for e in entries] == [("alice", "login.failed")]
    assert "wrong password!" not in str(entries)


def test_session_cookie_is_secure_over_tls(tmp_path):
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from spectrum_rpc.admin.sessions import Sessions
    from spectrum_rpc.admin.users import Clock

    sessions = Sessions(Store(tmp_path / "db"), Clock())
    for scheme, secure in (("http", False), ("https", True)):
        request = make_mocked_request("GET", "/admin/").clone(scheme=scheme)
        response = web.Response()
        sessions.set_cookie(request, response, "raw-id")
        assert bool(response.cookies[COOKIE]["secure"]) is secure
        assert response.cookies[COOKIE]["samesite"] == "Strict"


async def test_unknown_names_are_not_recorded_on_failed_logins(client):
    await login(client, name="my password is hunter2", password="x" * 12)
    entries = await client.app[STORE].admin.audit_log()
    assert [(e.actor, e.action) for e in entries] == [("(unknown user)", "login.failed")]
