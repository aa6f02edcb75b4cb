"""SPECTRUM_RPC_* variables that match no setting are reported, not silently ignored."""

from __future__ import annotations

import logging

from spectrum_rpc.settings import load_settings


def test_a_misspelled_variable_warns_and_names_itself(caplog):
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.settings"):
        settings = load_settings(environ={"SPECTRUM_RPC_SERVR_PORT": "9000"})
    assert settings.server.port == 8080
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert "SPECTRUM_RPC_SERVR_PORT" in warned[0]


def test_settings_and_the_scripts_own_variables_do_not_warn(caplog):
    environ = {"SPECTRUM_RPC_SERVER_PORT": "9000", "SPECTRUM_RPC_DATA_DIR": "/data",
               "SPECTRUM_RPC_E2E_SCREENSHOTS": "/tmp/shots"}
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.settings"):
        settings = load_settings(environ=environ)
    assert settings.server.port == 9000
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
