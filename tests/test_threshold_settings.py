"""The per-label threshold pairs in the server's settings: read from TOML and the environment,
off as an empty list, and refused (naming the key) when they make no sense. (That the shipped
config file holds the defaults: test_settings.py.)"""

from __future__ import annotations

import pytest

from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.analysis.policy import default_pairs
from spectrum_rpc.settings import ConfigError, load_settings
from spectrum_rpc.thresholds import Pair


def test_pairs_from_toml_and_the_environment(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[thresholds]\nhate = [0.6, 0.4]\ninsult = []\nthreat = [0.8]\n")
    settings = load_settings(config, environ={"SPECTRUM_RPC_THRESHOLDS_VIOLENCE": "0.7,0.5"})
    pairs = default_pairs(settings.thresholds)
    assert pairs["hate"] == Pair(0.6, 0.4)
    assert pairs["insult"] == Pair(None, None)  # off
    # one number: reject, its review derived
    assert pairs["threat"] == Pair(0.8, round(REVIEW_SHARE * 0.8, 6), derived=True)
    assert pairs["violence"] == Pair(0.7, 0.5)
    toxicity = settings.thresholds.toxicity
    assert pairs["toxicity"] == Pair.of_reject(toxicity.reject)


@pytest.mark.parametrize("value", [(0.4, 0.6), (1.5,), (0.5, -0.1), (0.5, 0.4, 0.3)])
def test_a_pair_that_makes_no_sense_is_refused(value):
    with pytest.raises(ConfigError, match="thresholds.hate"):
        load_settings(environ={}, overrides={"thresholds": {"hate": value}})
