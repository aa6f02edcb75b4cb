"""Refuse to send to private, loopback, link-local, multicast or reserved addresses (SSRF).

Shared by every outgoing request to a URL someone else chose: webhook deliveries (checked when
a webhook is created or changed, IP literals and loopback names, and again at send time) and
images fetched by URL (spectrum_rpc.media). The addresses actually connected to are checked when
the name resolves (GuardedResolver): a name that resolved to a public address when the webhook
was added and to 10.0.0.1 now (DNS rebinding) is still refused. IPv6 addresses that carry an
IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo) are judged by that address too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

if TYPE_CHECKING:  # aiohttp >= 3.10 names the type; older ones return plain dicts
    from aiohttp.abc import ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_SETTING = "webhooks.allow_private_addresses"
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local translators only
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, still routed inside some sites
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# A host whose last label is a number is an IPv4 address to browsers and to inet_aton, which
# also read `2130706433`, `0177.0.0.1`, `127.1` and `0x7f.1` as 127.0.0.1: only a.b.c.d is
# accepted, so every parser agrees on the address.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class ForbiddenAddress(Exception):
    """The receiver's address is not public; the message names host and address."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address carries (mapped, 6to4, NAT64, Teredo...)."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # the Teredo server and the client behind it
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def _not_public(address: IPAddress) -> bool:
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


def is_forbidden(address: IPAddress) -> bool:
    """Return whether an address is anything but a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 peer seen through a dual-stack socket
            return _not_public(address.ipv4_mapped)
        if address in _SITE_LOCAL or address in _NAT64_LOCAL:
            return True
        if any(_not_public(inner) for inner in embedded_ipv4(address)):
            return True
        if address.sixtofour is not None:
            # A 6to4 address reaches the IPv4 host it embeds, public as checked just above.
            # Python 3.13 counts all of 2002::/16 as not global (IANA's registry); 3.11 and
            # 3.12 judge it by its address alone: decide by the embedded host on all three.
            return False
    return _not_public(address)


def literal_address(host: str) -> IPAddress | None:
    """Return the address if the host is an IP literal, else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_canonical(host: str) -> None:
    """Refuse a host that reads as an IPv4 address but not in dotted-decimal form."""
    if ":" in host:  # an IPv6 literal (names have no colon)
        return
    labels = host.split(".")
    if not _NUMERIC_LABEL.match(labels[-1] or (labels[-2] if len(labels) > 1 else "")):
        return
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise ForbiddenAddress(
            f"refused: {host!r} is not an IPv4 address in dotted-decimal form (a.b.c.d):"
            " write the address that way"
        ) from None


def _refusal(host: str, what: str, setting: str = ALLOW_SETTING) -> ForbiddenAddress:
    return ForbiddenAddress(
        f"refused: {host} {what}, not public (private, loopback, link-local or reserved);"
        f" set {setting} = true to allow private targets"
    )


def check_host(host: str, allow_private: bool = False, setting: str = ALLOW_SETTING) -> None:
    """Refuse a non-canonical IPv4 host, and an IP literal that is not public unless allowed.

    Names are checked when resolved (see GuardedResolver).
    """
    check_canonical(host)
    if allow_private:
        return
    address = literal_address(host)
    if address is not None and is_forbidden(address):
        raise _refusal(host, "is an address", setting)


def check_target(url: str, allow_private: bool = False, setting: str = ALLOW_SETTING) -> None:
    """Refuse a webhook URL whose host is certainly not public (when the webhook is saved).

    IP literals and `localhost` names (RFC 6761) are judged here; other names only resolve at
    send time, where GuardedResolver judges every address they resolve to.
    """
    host = URL(url).raw_host or ""
    check_host(host, allow_private, setting)
    name = host.rstrip(".").lower()
    if not allow_private and (name == "localhost" or name.endswith(".localhost")):
        raise _refusal(host, "is a loopback name", setting)


class GuardedResolver(AbstractResolver):
    """Resolve names, then refuse the lot if any address is not public."""

    def __init__(self, inner: AbstractResolver | None = None, setting: str = ALLOW_SETTING):
        self._inner = inner or DefaultResolver()
        self._setting = setting

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if is_forbidden(ipaddress.ip_address(result["host"])):
                raise _refusal(host, f"resolves to {result['host']}", self._setting)
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_connector(
    allow_private: bool, limit: int, setting: str = ALLOW_SETTING
) -> aiohttp.TCPConnector:
    """Return a connector that connects only to public addresses (unless allowed).

    IP literals are not resolved, so callers also check_host() every URL they open (each
    redirect's too); names are judged on every address they resolve to. Use it with
    trust_env=False: a proxy from the environment would bypass the address check.
    """
    resolver = None if allow_private else GuardedResolver(setting=setting)
    return aiohttp.TCPConnector(resolver=resolver, limit=limit, limit_per_host=0)
