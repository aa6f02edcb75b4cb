"""SSRF refusals: addresses hidden in IPv6, non-canonical IPv4 hosts, private targets at creation.

Deliveries go to a real aiohttp receiver on 127.0.0.1 through the real dispatcher and store;
only the dispatcher's retry sleeps are replaced.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import pytest
from aiohttp import web

from spectrum_rpc.cli import main
from spectrum_rpc.settings import load_settings
from spectrum_rpc.ssrf import ForbiddenAddress, GuardedResolver, is_forbidden
from spectrum_rpc.store import Store
from spectrum_rpc.store.webhooks import FAILED, PENDING, WebhookRecord
from spectrum_rpc.webhooks import Dispatcher, WebhookError, create_session
from spectrum_rpc.webhooks import management as ops
from spectrum_rpc.webhooks.payload import build_body, new_event_id, sample_result
from tests.helpers.admin import API, logged_in_client

SETTING = "webhooks.allow_private_addresses"


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
        "2002:c0a8:101::",  # 6to4 of 192.168.1.1
        "fec0::1",  # site-local
        "fefe:1::2",  # site-local too (fec0::/10)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:a9fe:a9fe",
        "::10.0.0.1",  # IPv4-compatible (deprecated)
        "2001:0:a00:1:0:0:f5ff:fffe",  # Teredo: server 10.0.0.1, client 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo: client 127.0.0.1
    ],
)
def test_ipv6_addresses_carrying_private_ipv4_are_forbidden(address):
    assert is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["2002:808:808::1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "8.8.8.8"]
)
def test_public_addresses_stay_allowed(address):
    assert not is_forbidden(ipaddress.ip_address(address))


NON_CANONICAL = ["2130706433", "0177.0.0.1", "127.1", "0x7f.1", "0x7f000001", "127.0.0.1."]


@pytest.mark.parametrize("host", NON_CANONICAL)
async def test_non_canonical_ipv4_hosts_are_refused_at_creation_even_when_private_is_allowed(
    store, host
):
    for allow in (False, True):
        with pytest.raises(WebhookError, match="dotted-decimal"):
            await ops.add_webhook(store, f"http://{host}:8080/hook", allow_private_addresses=allow)
    assert await store.webhooks.list() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[fec0::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/hook",
        "http://api.localhost/hook",
    ],
)
async def test_private_targets_are_refused_at_creation_naming_the_setting(store, url):
    with pytest.raises(WebhookError) as info:
        await ops.add_webhook(store, url, allow_private_addresses=False)
    assert SETTING in str(info.value) and "refused" in str(info.value)
    assert await store.webhooks.list() == []
    allowed = await ops.add_webhook(store, url, allow_private_addresses=True)
    assert allowed.view.url == url


async def test_private_targets_are_refused_when_a_webhook_is_changed(store):
    created = await ops.add_webhook(store, "https://example.com/hook")
    with pytest.raises(WebhookError, match=SETTING):
        await ops.update_webhook(
            store, created.view.id, url="http://192.168.0.10/hook", allow_private_addresses=False
        )
    with pytest.raises(WebhookError, match="dotted-decimal"):
        await ops.update_webhook(store, created.view.id, url="http://127.1/hook")
    assert (await ops.get_webhook(store, created.view.id)).url == "https://example.com/hook"


def test_the_cli_refuses_a_private_target_unless_the_setting_allows_it(
    capsys, db_path, monkeypatch
):
    argv = ["webhooks", "add", "--db", str(db_path), "--url", "http://127.0.0.1:9/hook"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and SETTING in err and "Traceback" not in err
    monkeypatch.setenv("SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "true")
    assert main(argv) == 0
    assert main(["webhooks", "add", "--db", str(db_path), "--url", "http://2130706433/"]) == 2
    assert "dotted-decimal" in capsys.readouterr().err


@pytest.mark.parametrize("allow", [False, True])
async def test_the_admin_api_refuses_private_targets_at_creation(aiohttp_client, tmp_path, allow):
    client = await logged_in_client(
        aiohttp_client, tmp_path, webhooks={"allow_private_addresses": allow}
    )
    private = await client.post(
        f"{API}/projects/default/webhooks", json={"url": "http://10.0.0.1/hook"}
    )
    if allow:
        assert private.status == 201
        hook_id = (await private.json())["id"]
    else:
        assert private.status == 400 and SETTING in (await private.json())["error"]
        public = await client.post(
            f"{API}/projects/default/webhooks", json={"url": "https://example.com/hook"}
        )
        hook_id = (await public.json())["id"]
    numeric = await client.patch(f"{API}/webhooks/{hook_id}", json={"url": "http://0x7f.1/"})
    assert numeric.status == 400 and "dotted-decimal" in (await numeric.json())["error"]


# -- at delivery: rows stored before these checks existed ------------------------------------


@pytest.fixture
async def receiver(aiohttp_server):  # type: ignore[no-untyped-def]
    got: list[web.Request] = []

    async def handle(request: web.Request) -> web.Response:
        got.append(request)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await aiohttp_server(app)
    return server.port, got


async def no_sleep(seconds: float) -> None:
    pass


async def deliver_once(store: Store, url: str, allow_private: bool) -> Any:
    """Store a webhook as an old row would be (unchecked), queue one event, attempt it."""
    t = time.time()
    record = WebhookRecord(
        id="wh_old", project="default", url=url, enabled=True, events="all",
        basic_username=None, basic_password=None,
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", previous_secret=None, rotated_at=None,
        description="", created_at=t, updated_at=t, last_success_at=None, failing_since=None,
        disabled_reason=None,
    )  # fmt: skip
    await store.webhooks.create(record)
    event_id = new_event_id()
    body = build_body(event_id, t, sample_result(), {})
    await store.webhooks.enqueue(event_id, "default", t, body, ["wh_old"])
    values = {"allow_private_addresses": allow_private, "schedule": [0, 5, 300], "jitter": 0.0}
    settings = load_settings(environ={}, overrides={"webhooks": values})
    async with create_session(settings.webhooks) as session:
        dispatcher = Dispatcher(store, session, settings.webhooks, sleep=no_sleep)
        (result,) = await dispatcher.run_once()
        await dispatcher.close()
    return result


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.1", "0177.0.0.1"])
@pytest.mark.parametrize("allow_private", [False, True])
async def test_non_canonical_hosts_are_refused_at_once_not_retried(
    store, receiver, host, allow_private
):
    port, got = receiver
    result = await deliver_once(store, f"http://{host}:{port}/hook", allow_private)
    assert result.state == FAILED and result.state != PENDING  # no retry on the schedule
    assert "dotted-decimal" in (result.error or "")
    assert got == []  # the receiver on 127.0.0.1 was never reached
    (delivery,) = await store.webhooks.deliveries()
    assert delivery.attempts == 1 and delivery.next_attempt_at is None


async def test_a_6to4_address_of_loopback_is_refused_at_once_naming_the_setting(store):
    result = await deliver_once(store, "http://[2002:7f00:1::1]:8080/hook", False)
    assert result.state == FAILED
    assert "not public" in (result.error or "") and SETTING in (result.error or "")


async def test_names_are_judged_on_what_they_resolve_to_naming_the_setting():
    resolver = GuardedResolver()
    try:
        with pytest.raises(ForbiddenAddress, match=SETTING):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()
