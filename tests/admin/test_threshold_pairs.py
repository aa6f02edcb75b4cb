"""Reject / review pairs per label in the admin API: read for every label (null where off),
changed per label (a pair, part of one, or a bare number as before pairs), refused with a 400
naming the field (and nothing stored), and decided by moderateText at once."""

from __future__ import annotations

import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.resources import SETTINGS as SERVER_SETTINGS
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.admin import API

SETTINGS = f"{API}/projects/shop/settings"


client = admin.client  # alice logged in, default settings


async def test_every_scorable_label_has_a_pair(client):
    answer = await (await client.get(SETTINGS)).json()
    defaults = client.app[SERVER_SETTINGS].thresholds
    assert set(answer["pairs"]) == set(L.SCORABLE)
    toxicity = defaults.toxicity.reject
    assert answer["pairs"][L.TOXICITY] == {"reject": toxicity,
                                          "review": round(REVIEW_SHARE * toxicity, 6)}
    assert answer["pairs"][L.INSULT] == {"reject": defaults.insult.reject,
                                        "review": defaults.insult.review}
    assert answer["pairs"][L.THREAT] == {"reject": None, "review": None}  # off by default
    assert L.THREAT not in answer["thresholds"] and L.INSULT in answer["thresholds"]


async def test_a_pair_part_of_one_and_a_bare_number_change_what_they_name(client):
    response = await client.put(SETTINGS, json={"thresholds": {
        L.HATE: {"reject": 0.6, "review": 0.4}, L.INSULT: {"review": None}, L.TOXICITY: 0.4}})
    assert response.status == 200, await response.text()
    pairs = (await response.json())["pairs"]
    assert pairs[L.HATE] == {"reject": 0.6, "review": 0.4}
    assert pairs[L.INSULT]["review"] is None and pairs[L.INSULT]["reject"] is not None
    assert pairs[L.TOXICITY] == {"reject": 0.4, "review": round(REVIEW_SHARE * 0.4, 6)}
    stored = await client.app[STORE].projects.get_settings("shop")
    assert stored["thresholds"][L.HATE] == {"reject": 0.6, "review": 0.4}
    again = await client.put(SETTINGS, json={"thresholds": {L.HATE: {"reject": 0.9}}})
    assert (await again.json())["pairs"][L.HATE] == {"reject": 0.9, "review": 0.4}


@pytest.mark.parametrize(("thresholds", "field"), [
    ({"nope": 0.1}, "thresholds.nope"),
    ({L.HATE: {"reject": 0.3, "review": 0.5}}, "thresholds.hate.review"),
    ({L.HATE: {"reject": 2}}, "thresholds.hate.reject"),
    ({L.HATE: {"review": "high"}}, "thresholds.hate.review"),
    ({L.HATE: {"reject": True}}, "thresholds.hate.reject"),
    ({L.HATE: {"block": 0.5}}, "thresholds.hate.block"),
    ({L.TOXICITY: {"reject": None}}, "thresholds.toxicity.reject"),  # classifyText needs it
    ({L.TOXICITY: None}, "thresholds.toxicity"),
    ({L.INSULT: {"reject": 0.1, "review": 0.2}}, "thresholds.insult.review"),
    ([0.5], "thresholds"),
])
async def test_bad_thresholds_are_refused_naming_the_field(client, thresholds, field):
    before = await client.app[STORE].projects.get_settings("shop")
    response = await client.put(SETTINGS, json={"thresholds": thresholds,
                                                "include_text": True})
    assert response.status == 400
    assert (await response.json())["error"].startswith(field + " ")
    assert await client.app[STORE].projects.get_settings("shop") == before  # nothing stored


async def test_an_old_stored_number_reads_as_reject_with_the_review_share(client):
    await client.app[STORE].projects.update_settings("shop", {"thresholds": {L.SEXUAL: 0.8}})
    # (a change through the admin API forgets the cached policy)
    answer = await (await client.put(SETTINGS, json={"include_text": False})).json()
    assert answer["pairs"][L.SEXUAL] == {"reject": 0.8, "review": round(REVIEW_SHARE * 0.8, 6)}
    assert answer["thresholds"][L.SEXUAL] == 0.8
