"""Actors in the admin API and page: a project's actors with totals, one actor's history."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.resources import STORE
from tests.helpers.admin import API, logged_in_client

ACTORS = f"{API}/projects/shop/actors"


@pytest.fixture
async def client(aiohttp_client, tmp_path) -> TestClient:
    client = await logged_in_client(aiohttp_client, tmp_path)
    actors = client.app[STORE].actors
    await actors.record("shop", "user-1", "contentmod", [], at=1_700_000_000.0)
    await actors.record("shop", "user-1", "discuse", ["toxicity", "insult"], at=1_700_000_060.0)
    await actors.record("shop", "<b>eve</b>", "contentmod", ["sexual"], at=1_700_000_030.0)
    await actors.record("other", "user-1", "contentmod", ["toxicity"], at=1_700_000_090.0)
    return client


async def test_a_project_lists_its_actors_with_totals(client):
    answer = await (await client.get(ACTORS)).json()
    assert answer["actors"] == [
        {"actor": "user-1", "first_seen": "2023-11-14T22:13:20Z",
         "last_seen": "2023-11-14T22:14:20Z", "requests": 2, "flagged": 1},
        {"actor": "<b>eve</b>", "first_seen": "2023-11-14T22:13:50Z",
         "last_seen": "2023-11-14T22:13:50Z", "requests": 1, "flagged": 1}]
    one = await (await client.get(ACTORS, params={"limit": "1"})).json()
    assert [a["actor"] for a in one["actors"]] == ["user-1"]


async def test_one_actor_history_newest_first(client):
    answer = await (await client.get(f"{ACTORS}/history", params={"actor": "user-1"})).json()
    assert answer["actor"]["requests"] == 2
    events = answer["events"]
    assert [(e["source"], e["flagged"], e["flags"]) for e in events] == [
        ("discuse", True, ["insult", "toxicity"]), ("contentmod", False, [])]
    assert events[0]["at"] == "2023-11-14T22:14:20Z"


@pytest.mark.parametrize(("params", "status"), [
    ({}, 400), ({"actor": ""}, 400), ({"actor": "x" * 257}, 400), ({"actor": "nobody"}, 404),
    ({"actor": "user-1", "limit": "0"}, 400), ({"actor": "user-1", "limit": "101"}, 400)])
async def test_bad_or_unknown_actors_are_refused(client, params, status):
    response = await client.get(f"{ACTORS}/history", params=params)
    assert response.status == status
    assert "error" in await response.json()


async def test_the_actors_page_lists_and_shows_a_history_escaped(client):
    page = await (await client.get("/admin/actors?project=shop")).text()
    assert "user-1" in page and "&lt;b&gt;eve&lt;/b&gt;" in page and "<b>eve</b>" not in page
    history = await (await client.get("/admin/actors?project=shop&actor=user-1")).text()
    assert 'id="actor-history"' in history and "insult, toxicity" in history
    unknown = await (await client.get("/admin/actors?project=shop&actor=nobody")).text()
    assert "no actor with this id" in unknown


async def test_an_actor_named_through_contentmod_shows_in_the_admin_api(client):
    from spectrum_rpc.auth import create_key

    key = await create_key(client.app[STORE], "cm", "shop")
    for text in ("have a nice day", "you are a stupid idiot"):
        response = await client.post("/text", json={"text": text, "options": {
            "actorId": "forum-42"}}, headers={"Authorization": f"Bearer {key.key}"})
        assert response.status == 200, await response.text()
    answer = await (await client.get(f"{ACTORS}/history", params={"actor": "forum-42"})).json()
    assert answer["actor"]["requests"] == 2 and answer["actor"]["flagged"] == 1
    events = sorted(answer["events"], key=lambda e: e["flagged"])
    assert [(e["source"], e["flagged"]) for e in events] == [("contentmod", False),
                                                             ("contentmod", True)]
    assert events[0]["flags"] == [] and "toxicity" in events[1]["flags"]
