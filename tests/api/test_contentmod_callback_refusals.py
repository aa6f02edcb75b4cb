"""contentmod refuses a `callbackUrl` it cannot use in the caller's terms, over real HTTP: the
message says what is wrong with the request or what this server does not do, never which
server setting or command-line flag would change it (the caller is not the operator)."""

from __future__ import annotations

import re

import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.webhooks import management as ops
from tests.helpers.callbacks import post, start

TEXT = "you are a stupid idiot"
# A server setting (`webhooks.enabled`, `allow_private_addresses`) or a CLI flag (`--basic-auth`).
INTERNAL = re.compile(r"\b(webhooks|images|server|engine)\.[a-z_]+|allow_private|--[a-z]|"
                      r"\bset\b.*= true")


async def refusal(api, url: str) -> str:  # type: ignore[no-untyped-def]
    status, error = await post(api, {"text": TEXT, "options": {"callbackUrl": url}})
    assert status == 400 and error["error"]["field"] == "options.callbackUrl", error
    message = error["error"]["message"]
    assert not INTERNAL.search(message), message
    return message


async def test_callbacks_off_are_refused_without_naming_the_setting(make_client, aiohttp_server):
    api = await make_client(webhooks={"enabled": False})
    _, url = await start(aiohttp_server)
    message = await refusal(api, url)
    assert "not available on this server" in message and "callbackUrl" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/cb", "http://[::1]/cb",
                                 "http://10.1.2.3/cb", "http://localhost/cb"])
async def test_a_private_address_is_refused_without_naming_the_setting(make_client, url):
    api = await make_client()  # the default: private addresses are refused
    message = await refusal(api, url)
    assert "public addresses only" in message
    assert await ops.list_webhooks(api.store, DEFAULT_PROJECT) == []  # nothing was made


async def test_credentials_in_the_url_are_refused_without_naming_a_flag(make_client):
    api = await make_client(webhooks={"allow_private_addresses": True})
    message = await refusal(api, "http://user:secret@127.0.0.1:9/cb")
    assert "credentials" in message


async def test_an_address_written_oddly_is_refused_with_how_to_write_it(make_client):
    api = await make_client()
    message = await refusal(api, "http://2130706433/cb")  # 127.0.0.1 as one number
    assert "dotted-decimal" in message
