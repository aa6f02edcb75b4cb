"""The flag-rate preview of proposed thresholds shows the pair saving them would store, over
real HTTP: for projects with their own stored value (an object, or a plain number stored
before pairs), the preview's reject and review line equal what PUT then GET settings
returns; a proposal saving would refuse is refused; a parameter given twice is refused,
naming it; -0 is 0."""

from __future__ import annotations

import pytest

from spectrum_rpc import labels as L
from tests.helpers import admin
from tests.helpers.admin import API, put_thresholds

SETTINGS = f"{API}/projects/shop/settings"
RATES = f"{API}/projects/shop/flag-rates"
client = admin.client  # alice logged in, default settings


def as_query(label: str, fields: dict) -> dict[str, str]:
    name = {"reject": label, "review": f"{label}.review"}
    return {name[k]: "off" if v is None else str(v) for k, v in fields.items()}


# (label, the project's stored value before, the fields proposed then saved)
CASES = [
    (L.INSULT, {"reject": 0.25}, {"reject": 0.44}),  # default insult review is 0.2925, fixed
    (L.HATE, 0.4, {"reject": 0.6}),  # a plain number stored before pairs; hate off by default
    (L.TOXICITY, None, {"reject": 0.4}),  # nothing stored: the default's review is derived
    (L.TOXICITY, 0.3, {"reject": 0.5}),
    (L.INSULT, {"review": 0.2}, {"reject": 0.5}),
    (L.INSULT, {"reject": 0.5}, {"review": None}),
    (L.THREAT, {"reject": 0.5, "review": 0.1}, {"reject": None}),
    (L.HATE, {"reject": 0.5}, {"review": 0.25}),
]


@pytest.mark.parametrize("label,before,fields", CASES)
async def test_the_preview_shows_the_pair_saving_would_store(client, label, before, fields):
    if before is not None:
        await put_thresholds(client, {label: before})
    response = await client.get(RATES, params=as_query(label, fields))
    assert response.status == 200, await response.text()
    proposed = (await response.json())["labels"][label]["proposed"]
    await put_thresholds(client, {label: fields})
    saved = (await (await client.get(SETTINGS)).json())["pairs"][label]
    review_line = saved["review"] if saved["review"] is not None else saved["reject"]
    assert (proposed["threshold"], proposed["review"]["threshold"]) == (saved["reject"],
                                                                        review_line)


async def test_the_two_review_examples_of_the_review(client):
    await put_thresholds(client, {L.INSULT: {"reject": 0.25}, L.HATE: 0.4})
    answer = await (await client.get(RATES, params={"insult": "0.44", "hate": "0.6"})).json()
    insult, hate = answer["labels"][L.INSULT]["proposed"], answer["labels"][L.HATE]["proposed"]
    assert (insult["threshold"], insult["review"]["threshold"]) == (0.44, 0.2925)
    assert (hate["threshold"], hate["review"]["threshold"]) == (0.6, 0.6)  # review off


async def test_a_proposal_saving_would_refuse_is_refused(client):
    await put_thresholds(client, {L.INSULT: {"review": 0.3}})
    response = await client.get(RATES, params={"insult": "0.2"})
    assert response.status == 400
    assert "insult.review" in (await response.json())["error"]
    saved = await client.put(SETTINGS, json={"thresholds": {L.INSULT: {"reject": 0.2}}})
    assert saved.status == 400


async def test_a_parameter_given_twice_is_refused_naming_it(client):
    response = await client.get(RATES, params=[("toxicity", "0.3"), ("toxicity", "0.9")])
    assert response.status == 400
    assert "toxicity" in (await response.json())["error"]
    response = await client.get(RATES, params=[("insult.review", "0.1"), ("hate", "0.2"),
                                               ("insult.review", "0.1")])
    assert response.status == 400
    assert "insult.review" in (await response.json())["error"]


async def test_minus_zero_is_zero(client):
    response = await client.get(RATES, params={"toxicity": "-0"})
    assert response.status == 200, await response.text()
    proposed = (await response.json())["labels"][L.TOXICITY]["proposed"]
    assert str(proposed["threshold"]) == "0.0"
    assert str(proposed["review"]["threshold"]) == "0.0"


async def test_a_saved_minus_zero_is_zero(client):
    response = await client.put(SETTINGS, data='{"thresholds": {"hate": {"reject": -0.0}}}',
                                headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()
    assert "-0.0" not in await response.text()
    saved = (await (await client.get(SETTINGS)).json())["pairs"][L.HATE]
    assert str(saved["reject"]) == "0.0"
