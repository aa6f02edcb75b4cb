"""Every label's thresholds are one Pair in the settings, whatever form the config gave them in:
a number (as before pairs: reject, review REVIEW_SHARE of it), a list, a table or "" / [] for
off; classifyText's three labels must keep a reject threshold."""

from __future__ import annotations

import pytest

from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.settings import ConfigError, Settings, load_settings
from spectrum_rpc.thresholds import Pair


def test_every_label_is_a_pair_by_default():
    thresholds = Settings().thresholds
    assert thresholds.toxicity == Pair(0.21, round(REVIEW_SHARE * 0.21, 6), derived=True)
    assert thresholds.toxicity.derived and not thresholds.insult.derived
    assert thresholds.threat == Pair(None, None)


def test_the_forms_a_config_file_may_use(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[thresholds]\ntoxicity = 0.4\nsexual = [0.6, 0.2]\n"
                      "insult = {reject = 0.5}\nhate = {review = 0.3}\nthreat = []\n")
    thresholds = load_settings(config, environ={}).thresholds
    assert thresholds.toxicity == Pair(0.4, 0.3, derived=True)
    assert thresholds.sexual == Pair(0.6, 0.2)
    assert thresholds.insult == Pair(0.5, None)  # a table's field left out: off
    assert thresholds.hate == Pair(None, 0.3)
    assert thresholds.threat == Pair(None, None)


def test_the_environment_turns_a_label_off_or_sets_one_number():
    thresholds = load_settings(environ={"SPECTRUM_RPC_THRESHOLDS_INSULT": "",
                                        "SPECTRUM_RPC_THRESHOLDS_SEXUAL": "0.8"}).thresholds
    assert thresholds.insult == Pair(None, None)
    assert thresholds.sexual == Pair(0.8, 0.6, derived=True)


@pytest.mark.parametrize(("label", "value"), [
    ("toxicity", []),  # classifyText needs its reject threshold
    ("phishing", {"review": 0.1}),
    ("sexual", float("nan")),
    ("hate", {"reject": 0.5, "block": 0.2}),
    ("hate", True),
    ("hate", "high"),
])
def test_a_value_that_makes_no_pair_is_refused_naming_the_key(label, value):
    with pytest.raises(ConfigError, match=f"thresholds.{label}"):
        load_settings(environ={}, overrides={"thresholds": {label: value}})
