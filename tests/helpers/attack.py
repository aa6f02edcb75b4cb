"""A real `spectrum-rpc serve` in a subprocess for the tests of what clients can do to it (floods,
slow headers, corrupt bodies): started with SPECTRUM_RPC_* settings and an open-file limit, its
log (stderr) and raw connections to it. (`serve.py` is the server of the crash tests, with a
key made beforehand.)"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

from tests.helpers.serve import SCRIPT, free_port


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open a raw TCP connection to the server."""
        return await asyncio.open_connection(self.host, self.port)


def _file_limit(limit: int | None) -> Callable[[], None] | None:
    if limit is None:
        return None

    def lower() -> None:  # runs in the child, before exec
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    return lower


@contextmanager
def running_server(tmp_path: Path, env: Mapping[str, str] = {},
                   file_limit: int | None = None) -> Iterator[RunningServer]:
    """Start `spectrum-rpc serve` on a fresh database (with SPECTRUM_RPC_* `env` and an
    open-file limit), wait until it answers /healthz, and kill it afterwards."""
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--db", str(tmp_path / "s.db"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, **env},
            preexec_fn=_file_limit(file_limit),
        )
    server = RunningServer(process, "127.0.0.1", port, log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.kill()
        process.wait(timeout=30)


def _wait_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{server.log}")
        try:
            with urlopen(server.url + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server never answered /healthz:\n{server.log}")
