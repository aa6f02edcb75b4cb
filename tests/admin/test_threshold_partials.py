"""Threshold pairs store only what a project sets: a field left out follows the server's
default, also after the default changes (clamped or derived where the two would clash);
"default" forgets the project's own value (null turns it off); lowering only reject derives
the review again; error messages cut long names; a bad stored label is logged once."""

from __future__ import annotations

import logging

from aiohttp.test_utils import TestClient

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.admin import API, logged_in_client, put_thresholds

SETTINGS = f"{API}/projects/shop/settings"
client = admin.client  # alice logged in, default settings


async def stored(client: TestClient) -> dict:
    return (await client.app[STORE].projects.get_settings("shop")).get("thresholds", {})


async def test_only_the_fields_given_are_stored(client):
    answer = await put_thresholds(client, {L.INSULT: {"review": 0.2}})
    assert await stored(client) == {L.INSULT: {"review": 0.2}}  # reject: still the default's
    assert answer["pairs"][L.INSULT] == {"reject": 0.39, "review": 0.2}
    await put_thresholds(client, {L.INSULT: {"reject": 0.5}})  # over the project's own review
    assert await stored(client) == {L.INSULT: {"review": 0.2, "reject": 0.5}}


async def test_default_forgets_a_label_or_one_field_and_null_turns_off(client):
    await put_thresholds(client, {L.INSULT: {"reject": 0.5, "review": 0.2},
                                  L.HATE: {"reject": 0.6}})
    answer = await put_thresholds(client, {L.INSULT: {"review": "default"}, L.HATE: "default"})
    assert await stored(client) == {L.INSULT: {"reject": 0.5}}
    assert answer["pairs"][L.HATE] == {"reject": None, "review": None}
    assert answer["pairs"][L.INSULT] == {"reject": 0.5, "review": 0.2925}
    answer = await put_thresholds(client, {L.INSULT: {"review": None}})  # null: off, stored as such
    assert answer["pairs"][L.INSULT] == {"reject": 0.5, "review": None}
    answer = await put_thresholds(client, {L.INSULT: {"reject": "default", "review": "default"}})
    assert await stored(client) == {}  # nothing of its own left
    assert answer["pairs"][L.INSULT] == {"reject": 0.39, "review": 0.2925}


async def test_lowering_only_reject_below_a_derived_review_derives_it_again(client):
    answer = await put_thresholds(client, {L.TOXICITY: {"reject": 0.1}})
    assert answer["pairs"][L.TOXICITY] == {"reject": 0.1, "review": round(REVIEW_SHARE * 0.1, 6)}
    # An explicit default review above the new reject is derived too (not refused).
    answer = await put_thresholds(client, {L.INSULT: {"reject": 0.25}})
    assert answer["pairs"][L.INSULT] == {"reject": 0.25, "review": round(REVIEW_SHARE * 0.25, 6)}
    # Review above the reject in force: still refused (it does not move the reject).
    for label, change in ((L.TOXICITY, {"review": 0.35}), (L.SEXUAL, {"review": 0.6}),
                          (L.HATE, {"reject": 0.3, "review": 0.35})):
        response = await client.put(SETTINGS, json={"thresholds": {label: change}})
        assert response.status == 400
        assert (await response.json())["error"].startswith(f"thresholds.{label}.review ")
    assert await stored(client) == {L.TOXICITY: {"reject": 0.1}, L.INSULT: {"reject": 0.25}}


async def test_changed_server_defaults_reach_a_project_that_set_part_of_a_pair(
        aiohttp_client, tmp_path):
    # Stored by a server with other defaults; this one's defaults clash with the own fields.
    client = await logged_in_client(aiohttp_client, tmp_path, thresholds={
        "toxicity": 0.3, "insult": [0.15, 0.1], "hate": [0.8, 0.7]})
    await client.app[STORE].projects.update_settings("shop", {"thresholds": {
        L.INSULT: {"review": 0.2}, L.TOXICITY: {"reject": 0.5}, L.HATE: {"reject": 0.5}}})
    pairs = (await (await client.get(SETTINGS)).json())["pairs"]
    assert pairs[L.INSULT] == {"reject": 0.2, "review": 0.2}  # reject raised to the review
    assert pairs[L.TOXICITY] == {"reject": 0.5, "review": round(REVIEW_SHARE * 0.5, 6)}
    assert pairs[L.HATE] == {"reject": 0.5, "review": round(REVIEW_SHARE * 0.5, 6)}
    assert pairs[L.SEXUAL]["reject"] == 0.47  # untouched: the default (2026.12.06-sexual-1)


async def test_error_messages_cut_long_names(client):
    for thresholds in ({"x" * 1000: 0.2}, {L.INSULT: {"y" * 1000: 0.2}}):
        response = await client.put(SETTINGS, json={"thresholds": thresholds})
        assert response.status == 400
        error = (await response.json())["error"]
        assert len(error) < 300 and "x" * 41 not in error and "y" * 41 not in error


async def test_a_bad_stored_label_is_logged_once(client, caplog):
    await client.app[STORE].projects.update_settings("shop", {"thresholds": {
        "spam": 0.9, L.TOXICITY: 0.4}})
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.analysis.policy"):
        for _ in range(3):  # each PUT forgets the cached policy: read again
            answer = await put_thresholds(client, {L.HATE: {"reject": 0.6}})
    assert answer["pairs"][L.TOXICITY]["reject"] == 0.4
    assert answer["pairs"][L.HATE]["reject"] == 0.6
    warnings = [r for r in caplog.records if "thresholds.spam" in r.getMessage()]
    assert len(warnings) == 1


async def test_the_settings_answer_and_page_say_what_the_project_set(client):
    answer = await put_thresholds(client, {L.HATE: {"reject": 0.6}, L.SEXUAL: 0.7})
    assert answer["own"] == {L.HATE: {"reject": 0.6}, L.SEXUAL: 0.7}
    page = await (await client.get("/admin/settings?project=shop")).text()
    assert 'data-initial="0.6"' in page  # what the page counts as unchanged
    assert 'aria-label="hate: back to the default">' in page  # shown: its own pair
    assert 'aria-label="threat: back to the default" hidden>' in page  # the default's


async def test_an_unknown_settings_field_or_flag_rate_parameter_is_cut_too(client):
    long = "z" * 1000
    for response in (await client.put(SETTINGS, json={long: 1}),
                     await client.get(f"{API}/projects/shop/flag-rates", params={long: "0.1"})):
        assert response.status == 400
        error = (await response.json())["error"]
        assert "z" * 40 in error and "z" * 41 not in error
