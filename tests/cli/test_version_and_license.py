"""`spectrum-rpc --version`, and a LICENSE file that says what setup.cfg says."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from spectrum_rpc import __version__

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("spectrum-rpc")


@pytest.mark.slow
def test_version_prints_the_version_and_exits_0():
    done = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, f"spectrum-rpc {__version__}")


def test_the_license_file_matches_setup_cfg():
    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "setup.cfg")
    assert metadata["metadata"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c)" in text and "spectrum-rpc contributors" in text
    assert "Permission is hereby granted, free of charge" in text
