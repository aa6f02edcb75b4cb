"""Client-side TCP keepalives on PostgreSQL connections, set as libpq sets them: `keepalives`,
`keepalives_idle`, `keepalives_interval` and `keepalives_count` in the database URL.

A connection whose server went away without a FIN (a host lost, a firewall or NAT that forgot
it) looks open for ever from this side: an idle pooled connection is found dead only when a
statement is sent on it, and that statement waits for the command timeout. With keepalives the
kernel probes a connection idle for `keepalives_idle` seconds, every `keepalives_interval`
seconds, and closes it after `keepalives_count` probes unanswered: asyncpg sees it lost and
the pool makes another. (The server's keepalives, `postgres.KEEPALIVES`, watch the other
direction: a client gone.)

asyncpg reads no such parameter (it would pass them to the server as settings, which refuses
them), so they are taken out of the URL here and set on each connection's socket. Unix sockets
have no keepalives, as in libpq: the parameters are ignored there.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import asyncpg

# The URL's parameters (libpq's names), and the Keepalive field each sets.
PARAMETERS = {"keepalives": "enabled", "keepalives_idle": "idle",
              "keepalives_interval": "interval", "keepalives_count": "count"}
_NAMES = {field: name for name, field in PARAMETERS.items()}
# The largest value Linux takes for each (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT):
# a larger one would pass here and fail only on the socket.
_LARGEST = {"idle": 32767, "interval": 32767, "count": 127}
_OPTIONS = {  # each a socket option at IPPROTO_TCP level, where the platform has it
    "idle": getattr(socket, "TCP_KEEPIDLE", getattr(socket, "TCP_KEEPALIVE", None)),  # macOS
    "interval": getattr(socket, "TCP_KEEPINTVL", None),
    "count": getattr(socket, "TCP_KEEPCNT", None),
}


@dataclass(frozen=True)
class Keepalive:
    """Whether and how a connection is probed: a server gone is noticed after about
    `idle + interval * count` seconds of silence (60 by default). 0 leaves the system's value
    (on Linux 7200 s idle, 75 s apart, 9 probes), as in libpq."""

    enabled: bool = True
    idle: int = 30
    interval: int = 10
    count: int = 3

    def apply(self, sock: Any) -> None:
        """Set these keepalives on a TCP socket (nothing on a Unix one); raise ValueError naming
        the URL's parameter of a value the system refuses."""
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(self.enabled))
        if not self.enabled:
            return
        for field, option in _OPTIONS.items():
            value = getattr(self, field)
            if option is None or value == 0:
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
            except OSError as exc:
                raise ValueError(f"the URL's {_NAMES[field]}={value} is refused by the system: "
                                 f"{exc.strerror or exc}") from exc


def split(url: str) -> tuple[str, Keepalive]:
    """Return the URL without the keepalive parameters, and the keepalives they ask for (the
    defaults for those not given); raise ValueError naming a parameter of the wrong value.
    Names and values are percent-decoded first, as libpq does ("keepalives%5Fidle")."""
    base, _, query = url.partition("?")
    kept, given = [], {}
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        name = unquote(name)
        if name in PARAMETERS:
            given[PARAMETERS[name]] = _number(name, unquote(value))
        else:
            kept.append(part)
    if "enabled" in given:
        given["enabled"] = bool(given["enabled"])
    return base + ("?" + "&".join(kept) if kept else ""), Keepalive(**given)


def _number(name: str, value: str) -> int:
    """Read a parameter's value: any whole number for `keepalives` (not 0: on), else 0 (the
    system's value) up to the largest Linux takes."""
    digits = value.removeprefix("-") if name == "keepalives" else value
    high = _LARGEST.get(PARAMETERS[name])
    if not (digits.isascii() and digits.isdigit() and (high is None or int(value) <= high)):
        allowed = "a whole number" if high is None else f"a whole number from 0 to {high}"
        raise ValueError(f"the URL's {name} must be {allowed}, not {value!r}")
    return int(value)


def connection_class(keepalive: Keepalive) -> type[asyncpg.Connection]:
    """Return the asyncpg connection class that sets `keepalive` on its socket once connected."""

    class KeptAlive(asyncpg.Connection):  # type: ignore[misc]
        def __init__(self, protocol: Any, transport: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(protocol, transport, *args, **kwargs)
            try:
                keepalive.apply(transport.get_extra_info("socket"))
            except ValueError:
                self.terminate()  # asyncpg would leave it open, a session on the server
                raise

    return KeptAlive
