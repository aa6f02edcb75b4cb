"""`spectrum-rpc serve`: run the server until SIGTERM/SIGINT, then drain and flush."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys

from aiohttp import web

from .. import gc_tuning, log_limits
from ..admin import FIRST_USER, ensure_first_user
from ..app import create_app
from ..auth import create_key
from ..connections import ConnectionGuard, GuardedSite, connection_limit
from ..constants import DEFAULT_PROJECT, RPC_PATH
from ..middleware import AccessLogger
from ..resources import STORE
from ..settings import Settings
from ..store import KEY_SETTINGS, Store, StoreRefused, load_secret_box
from .common import settings_from

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    serve = sub.add_parser("serve", parents=[common], help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    server = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings_from(args, server=server)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    log_limits.install()  # what clients can make aiohttp and asyncio log: one line per cause
    box = load_secret_box(settings.store.master_key, settings.store.master_key_file)
    # Bound before anything else happens: a port in use or a bad --host is one line, before
    # the models load and before anything is created or printed.
    host, port = settings.server.host, settings.server.port
    try:
        sockets = bind(host, port)
    except OSError as exc:
        print(f"spectrum-rpc: cannot listen on {host}:{port} (server.host, server.port):"
              f" {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not box.encrypting:
        log.warning("no master key is configured (%s): webhook signing secrets and Basic-auth"
                    " passwords are stored in clear", KEY_SETTINGS)
    # From here on a signal asks for a clean stop instead of killing the process outright.
    early: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: early.append(number))
    try:
        app = create_app(settings)
        app.on_startup.append(settle_heap)  # last: after the models and caches are loaded
        asyncio.run(serve(app, settings, early, sockets))
    finally:
        for sock in sockets:
            sock.close()
    return 0


def bind(host: str, port: int) -> list[socket.socket]:
    """Bind (not yet listening) a socket to each address `host` stands for; raise OSError."""
    infos = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # as asyncio does: one socket per family
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


async def serve(
    app: web.Application,
    settings: Settings,
    early: list[int] | None = None,
    sockets: list[socket.socket] | None = None,
) -> None:
    """Start the app, serve until SIGTERM or SIGINT, then drain and clean up.

    Not `web.run_app`: it starts the app outside its clean-up, so a signal during start-up
    (the models load for a few seconds) skipped every clean-up and the store's threads kept
    the process alive for good. Here a signal only sets `stop`: start-up finishes, and the
    same clean-up as after serving runs, outside any cancelled task. The first API key and
    admin password are made and printed only once the server listens.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if early:  # a signal came before this loop took them over
        stop.set()
    log.info("starting: loading the models")
    runner = web.AppRunner(
        app, access_log_class=AccessLogger, shutdown_timeout=settings.server.shutdown_timeout,
        keepalive_timeout=settings.server.idle_timeout,
    )
    try:
        await runner.setup()
        if stop.is_set():
            log.info("stopped during start-up")
            return
        if sockets is None:
            sockets = bind(settings.server.host, settings.server.port)
        guard = ConnectionGuard(connection_limit(settings))
        for sock in sockets:
            await GuardedSite(runner, sock, guard).start()
        port = sockets[0].getsockname()[1]  # the real one when --port 0 was asked
        settings = settings.replace(server={"port": port})
        print(f"spectrum-rpc serving on {base_url(settings)}", file=sys.stderr, flush=True)
        await first_start(app[STORE], settings)
        await stop.wait()
        log.info("stopping: draining requests in flight")
    finally:
        try:
            await runner.cleanup()
        except web.CleanupError as failed:
            # What was still in memory (usage counts, ...) could not be stored: one line.
            full = [e for e in failed.args[1] if isinstance(e, StoreRefused)]
            if len(full) < len(failed.args[1]):
                raise
            raise full[0] from None
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


def base_url(settings: Settings) -> str:
    """Return http://HOST:PORT of the server (IPv6 hosts in brackets)."""
    host = settings.server.host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.server.port}"


async def settle_heap(app: web.Application) -> None:
    """Start-up hook: see `gc_tuning.settle`."""
    gc_tuning.settle()


async def first_start(store: Store, settings: Settings) -> None:
    """On the first start (no active key), create one and print it once with a curl line."""
    async with store.exclusive("first-start"):  # processes starting at once: one creates
        await first_admin_user(store, settings)
        if await store.keys.count_active():
            return
        new = await create_key(store, "first-key", DEFAULT_PROJECT)
    _print_first_key(new.key, settings)


def _print_first_key(key: str, settings: Settings) -> None:
    url = f"{base_url(settings)}{RPC_PATH}"
    print(
        "\nNo API key existed, so one was created. It is shown only this once:\n\n"
        f"  {key}\n\n"
        "Try it:\n\n"
        f"  curl -s -X POST {url} -H 'Authorization: Apikey {key}' \\\n"
        "    -d '{\"jsonrpc\": \"2.0\", \"method\": \"classifyText\", "
        "\"params\": {\"text\": \"you are an idiot\"}, \"id\": 1}'\n",
        file=sys.stdout,
        flush=True,
    )


async def first_admin_user(store: Store, settings: Settings) -> None:
    """When no admin user exists, create one and print its one-time password."""
    password = await ensure_first_user(store)
    if password is None:
        return
    url = f"{base_url(settings)}/admin/"
    print(
        "\nNo admin user existed, so one was created. Its password is shown only this once:\n\n"
        f"  user: {FIRST_USER}\n  password: {password}\n\n"
        f"Log in at {url} and change it with\n"
        f"  spectrum-rpc admin set-password --name {FIRST_USER}\n",
        file=sys.stdout,
        flush=True,
    )
