"""Refuse to send to private, loopback, link-local, multicast or reserved addresses (SSRF).

Checked on the addresses actually connected to, at send time: a name that resolved to a public
address when the webhook was added and to 10.0.0.1 now (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

if TYPE_CHECKING:  # aiohttp >= 3.10 names the type; older ones return plain dicts
    from aiohttp.abc import ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenAddress(Exception):
    """The receiver's address is not public; the message names host and address."""


def is_forbidden(address: IPAddress) -> bool:
    """Return whether an address is anything but a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


def literal_address(host: str) -> IPAddress | None:
    """Return the address if the host is an IP literal, else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_host(host: str) -> None:
    """Refuse an IP-literal host that is not public (names are checked when resolved)."""
    address = literal_address(host)
    if address is not None and is_forbidden(address):
        raise ForbiddenAddress(
            f"refused: {host} is not public (private, loopback, link-local or reserved)"
        )


class GuardedResolver(AbstractResolver):
    """Resolve names, then refuse the lot if any address is not public."""

    def __init__(self, inner: AbstractResolver | None = None):
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if is_forbidden(ipaddress.ip_address(result["host"])):
                raise ForbiddenAddress(f"refused: {host} resolves to {result['host']}, not public")
        return results

    async def close(self) -> None:
        await self._inner.close()
