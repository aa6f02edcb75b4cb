"""The systemd unit in deploy/: valid to `systemd-analyze verify`, hardened, and long enough a
stop timeout for the server's drain."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spectrum_rpc.settings import Settings

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "spectrum-rpc.service"
INSTALLED_SCRIPT = "/opt/spectrum-rpc/.venv/bin/spectrum-rpc"


def service_section() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return dict(parser["Service"])


@pytest.mark.slow
def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not found (Debian: apt-get install systemd): not verified")
    # The unit names the install path; verify checks that ExecStart's program exists, so
    # point it at this checkout's console script.
    unit = tmp_path / UNIT.name
    script = Path(sys.executable).with_name("spectrum-rpc")
    unit.write_text(UNIT.read_text().replace(INSTALLED_SCRIPT, str(script)))
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert UNIT.name not in done.stderr, done.stderr  # no warning about our unit either


def test_the_unit_runs_the_console_script_with_a_config_and_a_private_state_directory():
    service = service_section()
    command = service["ExecStart"].split()
    assert command[:2] == [INSTALLED_SCRIPT, "serve"] and "--config" in command
    assert service["User"] == "spectrum-rpc" and service["StateDirectory"] == "spectrum-rpc"
    assert service["StateDirectoryMode"] == "0700" and service["UMask"] == "0077"
    db = command[command.index("--db") + 1]
    assert db.startswith("/var/lib/spectrum-rpc/")
    assert service["ReadWritePaths"] == "/var/lib/spectrum-rpc"


def test_the_unit_is_hardened_and_restarts_on_failure():
    service = service_section()
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
        "ProtectHome": "yes", "PrivateDevices": "yes", "Restart": "on-failure",
        "KillMode": "mixed",
    }.items():  # fmt: skip
        assert service[key] == value, key


def test_the_stop_timeout_covers_the_drain():
    defaults = Settings()
    drain = defaults.server.shutdown_timeout + defaults.webhooks.timeout
    assert float(service_section()["TimeoutStopSec"]) > drain
