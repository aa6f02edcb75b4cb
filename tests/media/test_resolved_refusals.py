"""The fetch session the server uses (create_session, not a test's own) refuses a name that
resolves to a private address when it connects, and the answer does not say which address: the
caller is anyone with a key, and internal names' addresses would map the network behind us."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from spectrum_rpc.media import MediaError, errors
from spectrum_rpc.media.fetch import Fetcher, create_session
from spectrum_rpc.settings import load_settings
from spectrum_rpc.ssrf import is_forbidden
from tests.helpers.images import image_server


def resolved_privately(name: str) -> str | None:
    """Return the private address `name` resolves to without DNS (/etc/hosts), or None."""
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    return address if is_forbidden(ipaddress.ip_address(address)) else None


async def test_a_name_resolving_to_loopback_is_refused_without_naming_the_address():
    name = socket.gethostname()  # in /etc/hosts, as 127.0.1.1, 127.0.0.1 or a private address
    address = resolved_privately(name)
    if address is None:
        pytest.skip(f"this host's name ({name}) does not resolve to a private address")
    settings = load_settings(environ={}, overrides={}).images
    assert settings.allow_private_addresses is False
    async with image_server() as server:  # reached only if the guard failed (and on 127.0.0.1)
        session = create_session(settings)
        try:
            with pytest.raises(MediaError) as caught:
                await Fetcher(session, settings).fetch(f"http://{name}:{server.port}/photo.jpg")
        finally:
            await session.close()
        assert server.hits == []  # refused when the name resolved: never connected
    assert caught.value.code == errors.REFUSED
    assert name in caught.value.message and "not allowed" in caught.value.message
    assert "allow_private" not in caught.value.message  # the caller is not the operator
    assert address not in caught.value.message
