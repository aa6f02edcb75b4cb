"""Trusted proxies (issue 15, item 17): X-Forwarded-For/-Proto and Forwarded are believed only
from a peer in `server.trusted_proxies`, over real HTTP to the real app: the login throttle,
the audit log and the access log get the client's address, the session cookie is Secure when
the proxy says https; from any other peer the headers change nothing."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.admin.users import create_user
from spectrum_rpc.app import create_app
from spectrum_rpc.middleware import AccessLogger
from spectrum_rpc.resources import STORE
from spectrum_rpc.settings import ConfigError, load_settings
from tests.helpers.admin import API, PASSWORD

CLIENT = "203.0.113.7"


async def start(aiohttp_client, tmp_path, trusted: str = "") -> TestClient:  # type: ignore[no-untyped-def]
    settings = load_settings(environ={}, overrides={
        "store": {"path": str(tmp_path / "db.sqlite"), "synchronous": "NORMAL"},
        "engine": {"processes": False},
        "server": {"trusted_proxies": trusted},
    })
    server = TestServer(create_app(settings))
    await server.start_server(access_log_class=AccessLogger)
    client = await aiohttp_client(server)
    await create_user(client.app[STORE], "alice", PASSWORD)
    return client


def cookies(response) -> str:  # type: ignore[no-untyped-def]
    """The cookies a response set, as a Cookie header: sent by hand, since the client's jar
    keeps a Secure cookie from a plain-HTTP server (the proxy speaks TLS to the browser)."""
    return "; ".join(f"{name}={morsel.value}" for name, morsel in response.cookies.items())


async def log_in(client: TestClient, password: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    page = await client.get("/admin/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    answer = await client.post(
        "/admin/login", allow_redirects=False, headers={**headers, "Cookie": cookies(page)},
        data={"csrf_token": token, "name": "alice", "password": password})
    client.session.headers["Cookie"] = cookies(answer)
    return answer


async def audit_addresses(client: TestClient) -> list[str]:
    entries = await (await client.get(f"{API}/audit")).json()
    return [e["address"] for e in entries["entries"]]


def test_nobody_is_trusted_by_default_and_bad_networks_are_refused():
    assert load_settings(environ={}).server.trusted_proxies == ""
    with pytest.raises(ConfigError, match="server.trusted_proxies"):
        load_settings(environ={}, overrides={"server": {"trusted_proxies": "10.0.0.0/33"}})
    environ = {"SPECTRUM_RPC_SERVER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}
    assert load_settings(environ=environ).server.trusted_proxies == "127.0.0.1, 10.0.0.0/8"


async def test_a_trusted_proxy_gives_the_address_and_the_scheme(aiohttp_client, tmp_path,
                                                                caplog):
    client = await start(aiohttp_client, tmp_path, trusted="127.0.0.1/32, ::1")
    proxied = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"}
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        failed = await log_in(client, "wrong password", proxied)
        assert failed.status == 401
        assert client.app[ADMIN].logins.addresses.addresses() == [CLIENT]
        answer = await log_in(client, PASSWORD, proxied)
    assert answer.status == 303
    assert "secure" in answer.headers["Set-Cookie"].lower()
    assert await audit_addresses(client) == [CLIENT, CLIENT]  # login, login.failed
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert lines and all(line.startswith(CLIENT + " ") for line in lines), lines


async def test_an_untrusted_peer_s_headers_are_ignored(aiohttp_client, tmp_path, caplog):
    client = await start(aiohttp_client, tmp_path, trusted="10.0.0.0/8")
    spoofed = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https",
               "Forwarded": f"for={CLIENT};proto=https"}
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        assert (await log_in(client, "wrong password", spoofed)).status == 401
        answer = await log_in(client, PASSWORD, spoofed)
    assert "secure" not in answer.headers["Set-Cookie"].lower()
    assert client.app[ADMIN].logins.addresses.addresses() == []  # the login cleared it
    assert set(await audit_addresses(client)) == {"127.0.0.1"}
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert lines and all(line.startswith("127.0.0.1 ") for line in lines), lines


@pytest.mark.parametrize(("headers", "client_address"), [
    # RFC 7239, with an IPv6 client and a port
    ({"Forwarded": 'for="[2001:db8::1]:4711";proto=https'}, "2001:db8::1"),
    # a chain: the nearest hop that is not a trusted proxy is the client; a client's own
    # claim further left is not believed
    ({"X-Forwarded-For": "198.51.100.1, 198.51.100.9, 10.1.2.3"}, "198.51.100.9"),
    ({"X-Forwarded-For": "not-an-address"}, "127.0.0.1"),
    ({"Forwarded": "for=unknown"}, "127.0.0.1"),
])
async def test_forwarded_chains(aiohttp_client, tmp_path, headers, client_address):
    client = await start(aiohttp_client, tmp_path, trusted="127.0.0.1, 10.0.0.0/8")
    assert (await log_in(client, PASSWORD, headers)).status == 303
    assert await audit_addresses(client) == [client_address]
