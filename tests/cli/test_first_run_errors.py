"""First-run mistakes give one clear line and a non-zero exit, never a traceback or a hang.

Each test runs the installed `spectrum-rpc` console script in a subprocess, with a timeout: a
process that hangs (as it did on a `--db` that is not a database) fails the test.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("spectrum-rpc")
TIMEOUT = 90  # far above the few seconds these take; a hang ends here


def spectrum(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *argv], capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "SPECTRUM_RPC_ENGINE_PROCESSES": "false"}, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode not in (0, None), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("spectrum-rpc:")]
    for word in words:
        assert word in line, line
    return line


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "spectrum.db"
    path.write_bytes(os.urandom(64 * 1024))
    return path


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    return path


@pytest.mark.parametrize("command", [["keys", "list"], ["serve", "--port", "0"]])
@pytest.mark.parametrize("kind", ["not_a_database", "text_file"])
def test_a_file_that_is_not_a_database_is_one_line_and_the_process_exits(
    command, kind, request
):
    path = request.getfixturevalue(kind)
    before = path.read_bytes()
    done = spectrum(*command, "--db", str(path))
    assert_one_clear_line(done, str(path), "not a SQLite database")
    assert path.read_bytes() == before  # left as it was
    assert "password" not in done.stdout and "sk_" not in done.stdout


@pytest.mark.parametrize("command", [["keys", "list"], ["serve", "--port", "0"]])
def test_a_directory_as_db_is_one_line(command, tmp_path):
    done = spectrum(*command, "--db", str(tmp_path))
    assert_one_clear_line(done, str(tmp_path), "is a directory")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_one_line_and_nothing_one_time_is_created_or_printed(
    busy_port, tmp_path
):
    db = tmp_path / "fresh.db"
    done = spectrum("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(busy_port))
    assert_one_clear_line(done, f"127.0.0.1:{busy_port}", "in use")
    assert done.stdout == ""  # no admin password, no API key: they would be lost
    if db.exists():
        with closing(sqlite3.connect(db)) as conn, conn:
            assert conn.execute("SELECT COUNT(*) FROM api_keys").fetchone() == (0,)
            assert conn.execute("SELECT COUNT(*) FROM admin_users").fetchone() == (0,)


@pytest.mark.parametrize("host", ["no such host!", "300.1.2.3"])
def test_an_invalid_host_is_one_line(host, tmp_path):
    done = spectrum("serve", "--db", str(tmp_path / "t.db"), "--host", host, "--port", "0")
    assert_one_clear_line(done, host, "cannot listen")
    assert done.stdout == ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_first_key_is_printed_only_once_the_server_listens(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--db", str(tmp_path / "t.db"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "SPECTRUM_RPC_ENGINE_PROCESSES": "false"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.strip().startswith("sk_"):
                break
        assert any("password:" in x for x in lines), lines
        # No retry: the key is printed only after the server listens.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        assert process.wait(TIMEOUT) == 0
        if process.stdout is not None:
            process.stdout.close()
