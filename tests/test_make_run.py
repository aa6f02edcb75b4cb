"""`make run` leaves host, port and database to the config file and the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def serve_line(*args: str) -> str:
    """Return the `spectrum-rpc serve` command `make run` would run (a dry run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "SPECTRUM_RPC_SERVER_PORT": "9000"}
    done = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return next(line for line in done.stdout.splitlines() if "spectrum-rpc serve" in line)


def test_make_run_passes_no_flag_that_would_override_the_environment():
    line = serve_line()
    for flag in ("--host", "--port", "--db"):
        assert flag not in line


def test_make_run_takes_a_config_file():
    assert "--config my.toml" in serve_line("CONFIG=my.toml")
