"""The project's filter in the admin API and on the Settings page: read, changed (partially),
refused with a 400 naming the field (and nothing stored), audited, documented."""

from __future__ import annotations

import pytest

from spectrum_rpc.admin import limits
from spectrum_rpc.admin.openapi import document
from spectrum_rpc.analysis import default_filter, filters
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.admin import API

SETTINGS = f"{API}/projects/shop/settings"


client = admin.client  # alice logged in, default settings


async def test_get_settings_holds_the_complete_default_filter(client):
    answer = await (await client.get(SETTINGS)).json()
    assert answer["filter"] == default_filter()
    assert set(answer["thresholds"]) and "include_text" in answer


async def test_a_partial_filter_changes_only_what_it_names(client):
    response = await client.put(SETTINGS, json={"filter": {
        "email": {"mode": "PARANOID", "mask": "[email]"},
        "name": {"components": ["last"]},
        "profanity": {"bannedWords": ["frack"], "allowedWords": ["scunthorpe"]},
        "language": {"enabled": True, "expected": ["EN", "de"]}}})
    assert response.status == 200, await response.text()
    changed = (await response.json())["filter"]
    assert changed["email"] == {**default_filter()["email"], "mode": "PARANOID",
                                "mask": "[email]"}
    assert changed["name"]["components"] == ["last"]
    assert changed["profanity"]["bannedWords"] == ["frack"]
    assert changed["language"] == {"enabled": True, "expected": ["en", "de"]}
    assert changed["phone"] == default_filter()["phone"]
    again = await (await client.get(SETTINGS)).json()
    assert again["filter"] == changed
    # Another project is untouched.
    other = await (await client.get(f"{API}/projects/other/settings")).json()
    assert other["filter"] == default_filter()


async def test_the_filter_change_is_audited(client):
    await client.put(SETTINGS, json={"filter": {"phone": {"enabled": False}}})
    entries = (await (await client.get(f"{API}/audit")).json())["entries"]
    change = next(e for e in entries if e["action"] == "settings.update")
    assert change["project"] == "shop"
    assert change["detail"] == {"filter": {"phone": {"enabled": False}}}


@pytest.mark.parametrize(("bad", "field"), [
    ({"email": {"mode": "LOOSE"}}, "filter.email.mode"),
    ({"emial": {"enabled": True}}, "filter.emial"),
    ({"profanity": {"mask": "**"}}, "filter.profanity.mask"),
    ({"profanity": {"bannedWords": ["ok", 3]}}, "filter.profanity.bannedWords[1]"),
    ({"name": {"components": []}}, "filter.name.components"),
    ({"language": {"expected": ["ελ"]}}, "filter.language.expected[0]"),
    ({"spans": {"mode": "NORMAL"}}, "filter.spans.mode"),
    ({"phone": {"enabled": "yes"}}, "filter.phone.enabled"),
    ([], "filter"),
])
async def test_a_bad_filter_is_a_400_naming_the_field_and_nothing_is_stored(client, bad, field):
    response = await client.put(SETTINGS, json={"thresholds": {"toxicity": 0.2},
                                                "include_text": True, "filter": bad})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error.startswith(field + " "), error
    assert await client.app[STORE].projects.get_settings("shop") == {}
    answer = await (await client.get(SETTINGS)).json()
    assert answer["filter"] == default_filter() and answer["thresholds"]["toxicity"] != 0.2


async def test_thresholds_and_filter_change_together(client):
    response = await client.put(SETTINGS, json={"thresholds": {"toxicity": 0.3},
                                                "filter": {"url": {"masking": False}}})
    answer = await response.json()
    assert answer["thresholds"]["toxicity"] == 0.3 and answer["filter"]["url"]["masking"] is False


async def test_the_settings_page_shows_the_filter(client):
    await client.put(SETTINGS, json={"filter": {"address": {"mode": "SUSPICIOUS"},
                                                "profanity": {"bannedWords": ["<b>x</b>"]}}})
    page = await (await client.get("/admin/settings?project=shop")).text()
    assert 'name="filter.address.mode"' in page
    assert '<option value="SUSPICIOUS" selected>SUSPICIOUS</option>' in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_the_documented_bounds_are_the_analysis_own():
    assert limits.FILTER_MASK_LENGTH == filters.MAX_MASK
    assert limits.FILTER_WORDS == filters.MAX_WORDS
    assert limits.FILTER_WORD_LENGTH == filters.MAX_WORD
    assert limits.FILTER_LANGUAGES == filters.MAX_LANGUAGES
    schema = document()["components"]["schemas"]["Filter"]["properties"]
    assert set(schema) == set(default_filter())
    assert schema["email"]["properties"]["mode"]["enum"] == ["NORMAL", "SUSPICIOUS", "PARANOID"]
