"""What the admin UI's browser tests share: headless Chromium (skipped, saying why, where it or
Playwright is missing), the real server in a subprocess with an admin user and its first key,
a real webhook receiver, and a logged-in page.

A test module sets `pytestmark = MARKS` and builds its fixtures from these.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

CHROMIUM = "/usr/bin/chromium"
MARKS = [
    pytest.mark.slow,  # a real server in a subprocess, driven by a real browser
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is missing (`make test` installs it with apt)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]
playwright_sync = pytest.importorskip("playwright.sync_api")

ADMIN_NAME, ADMIN_PASSWORD = "e2e-admin", "a long e2e password"
HOOK_USER, HOOK_PASSWORD = "hookuser", "hook-pass-123"
BIN = Path(sys.executable).parent
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A real aiohttp webhook receiver on its own thread; `status` is what it answers."""

    def __init__(self) -> None:
        self.port = free_port()
        self.status = 200
        self.requests: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def handle(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{HOOK_USER}:{HOOK_PASSWORD}".encode()).decode()
        self.requests.append({"auth_ok": request.headers.get("Authorization") == expected,
                              "body": await request.read()})
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401, text="bad credentials")
        return web.Response(status=self.status, text=f"receiver answered {self.status}")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


async def seed_history(db: Path) -> None:
    """Store a day of per-minute counts so that the dashboard has a curve to draw."""
    from spectrum_rpc.store import Store

    now = int(time.time() // 60)
    counts = {}
    for minute in range(now - 24 * 60, now - 1):
        total = int(40 + 28 * math.sin(minute / 1440 * 2 * math.pi) + 5 * math.sin(minute / 23))
        counts[("default", minute)] = (total, total // 9, total // 25, total // 40)
    async with Store(db, synchronous="NORMAL") as store:
        await store.admin.add_stats(counts)


class Server:
    """`spectrum-rpc serve` in a subprocess, with its first API key."""

    def __init__(self, tmp: Path) -> None:
        self.db = tmp / "e2e.sqlite"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SPECTRUM_RPC_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
                    "SPECTRUM_RPC_STORE_SYNCHRONOUS": "NORMAL"}
        self.log = tmp / "server.log"

    def start(self) -> None:
        subprocess.run([str(BIN / "spectrum-rpc"), "admin", "create-user", "--db", str(self.db),
                        "--name", ADMIN_NAME, "--password-stdin"], input=ADMIN_PASSWORD + "\n",
                       text=True, check=True, env=self.env, capture_output=True)
        # A thread of its own: Playwright's sync API keeps an event loop on this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, seed_history(self.db)).result()
        self.out = self.log.open("w")
        self.proc = subprocess.Popen(
            [str(BIN / "spectrum-rpc"), "serve", "--db", str(self.db), "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=self.out, text=True, env=self.env)
        self.first_key = self._read_first_key()
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start: " + self.log.read_text())

    def _read_first_key(self) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip().startswith("sk_"):
                return line.strip()
        raise RuntimeError("no first key printed: " + self.log.read_text())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        finally:
            self.out.close()
            if self.proc.stdout:
                self.proc.stdout.close()

    def rpc(self, key: str, method: str, params: dict) -> dict:
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1})
        request = urllib.request.Request(
            self.base + "/api/v1/classification", data=body.encode(), method="POST",
            headers={"Authorization": f"Apikey {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@contextmanager
def logged_in_page(base: str, width: int = 1280, height: int = 900, timeout: float = 20_000,
                   accept_dialogs: bool = False) -> Iterator[Any]:
    """Yield a Playwright page of a fresh headless Chromium, logged in to the admin UI at
    `base` as ADMIN_NAME."""
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       base_url=base)
        context.set_default_timeout(timeout)
        page = context.new_page()
        if accept_dialogs:
            page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/admin/login")
        page.get_by_label("User name").fill(ADMIN_NAME)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url("**/admin/")
        try:
            yield page
        finally:
            context.close()
            chromium.close()


def live_server(tmp: Path) -> Iterator[Server]:
    """Run a Server for a module fixture: `yield from live_server(tmp_path_factory.mktemp(..))`."""
    server = Server(tmp)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def module_fixtures(name: str, **page: Any) -> tuple[Any, Any]:
    """Return a browser test module's module-scoped `live_server` (its own Server, in a
    temporary directory named after `name`) and `tab` (a page logged in to it; `page`: the
    options of logged_in_page): `live_server, tab = e2e.module_fixtures("e2e-rates")`."""

    @pytest.fixture(scope="module", name="live_server")
    def server(tmp_path_factory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
        yield from live_server(tmp_path_factory.mktemp(name))

    @pytest.fixture(scope="module", name="tab")
    def tab(live_server: Server) -> Iterator[Any]:
        with logged_in_page(live_server.base, **page) as logged_in:
            yield logged_in

    return server, tab


# Elements sticking out to the right of the viewport (ignoring those inside scroll boxes).
_OVERFLOWING = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll, .tabs'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def snap(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save the current page at desktop and phone widths."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        wide = page.evaluate(_OVERFLOWING, width)
        assert not wide, f"{name} is wider than {width} px because of {wide}"
    page.set_viewport_size({"width": 1280, "height": 900})
