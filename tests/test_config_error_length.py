"""A config error names the key and shows the bad value cut to a few dozen characters: a huge
environment value does not make a huge error message."""

from __future__ import annotations

import pytest

from spectrum_rpc.settings import ConfigError, load_settings


@pytest.mark.parametrize("key", ["SPECTRUM_RPC_THRESHOLDS_HATE", "SPECTRUM_RPC_SERVER_PORT"])
def test_a_long_bad_value_is_cut(key):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={key: "x" * 100_000})
    message = str(caught.value)
    assert len(message) < 300
    assert "'xxxxx" in message and "100002 characters" in message


def test_a_short_bad_value_is_shown_whole():
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"SPECTRUM_RPC_THRESHOLDS_HATE": "0.3,0.2,0.1"})
    assert str(caught.value).endswith("got '0.3,0.2,0.1'")
