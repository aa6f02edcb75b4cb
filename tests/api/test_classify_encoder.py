"""classifyText with the encoder tier on (the default) and off (`engine.encoder = false`):
a text near the phishing threshold gets the stacked score, or the linear tier's."""

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine
from spectrum_rpc.settings import load_settings
from tests.helpers.http import classify

CANDIDATES = (
    "Slides from my talk: https://github.com/example/talk-slides",
    "The match report is here: https://www.example.com/sport/report",
    "check out my channel http://youtube.com/example",
    "call me when you get this",
    # in 2026.12.06-spamkind-1's phishing band (0.27-0.50) by its linear score, 0.46
    "Our train leaves at 9:40, timetable here: www.nationalrail.co.uk",
)


@pytest.fixture(scope="module")
def near():
    """A text whose linear phishing score lies in the encoder's band, and its two scores."""
    engine = load_engine()
    rows = engine.linear_scores(list(CANDIDATES))
    asked = engine.encoder.in_band(list(CANDIDATES), rows, engine.labels)
    if not len(asked):
        pytest.fail(f"no candidate lies in a band: {rows[:, engine.labels.index(L.PHISHING)]}")
    text = CANDIDATES[asked[0]]
    column = engine.labels.index(L.PHISHING)
    linear = float(engine.linear_scores([text])[0, column])
    stacked = float(engine.score([text])[0, column])
    assert not np.isclose(linear, stacked)
    return text, linear, stacked


@pytest.mark.parametrize("on", [True, False])
async def test_the_setting_switches_the_tier(make_client, rpc, near, on):
    text, linear, stacked = near
    api = await make_client(engine={"encoder": on})
    reply = await rpc(api, classify(text))
    confidence = reply.json["result"]["phishingConfidence"]
    assert confidence == pytest.approx(stacked if on else linear, abs=1e-6)


def test_the_environment_switches_it_off():
    assert load_settings(environ={}).engine.encoder is True
    assert load_settings(environ={"SPECTRUM_RPC_ENGINE_ENCODER": "false"}).engine.encoder is False
