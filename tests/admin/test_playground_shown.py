"""The Playground runs only the detectors it shows: not the per-sentence scores (each sentence
scored once more, never displayed)."""

from __future__ import annotations

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.admin.playground import every_detector
from spectrum_rpc.analysis import AVAILABLE, Policy
from spectrum_rpc.resources import ANALYZER
from tests.helpers.admin import API, logged_in_client


def test_every_detector_but_the_sentences():
    assert every_detector(Policy()).detect == frozenset(AVAILABLE) - {"sentences"}
    assert every_detector(Policy(), ["spelling"]).detect == frozenset(AVAILABLE) - {
        "sentences", "spelling"}


async def test_the_playground_answers_no_sentences(aiohttp_client, tmp_path):
    client = await logged_in_client(aiohttp_client, tmp_path)
    await client.app[ADMIN].warmup.start(client.app[ANALYZER])
    response = await client.post(f"{API}/projects/default/playground",
                                 json={"text": "You idiot. Have a nice day."})
    assert response.status == 200
    analysis = (await response.json())["analysis"]
    assert "sentences" not in analysis and "spans" in analysis and "language" in analysis
