"""Usage in the admin UI over the real app: the dashboard's and the keys page's usage tables, and
setting a key's limits through the admin API (applied at once, audited)."""

from __future__ import annotations

import html
import re

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.admin import API

client = admin.client  # alice logged in, default settings


async def classify(client: TestClient, key: str) -> int:
    body = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hi"}, "id": 1}
    response = await client.post("/api/v1/classification", json=body,
                                 headers={"Authorization": f"Apikey {key}"})
    return response.status


async def moderate(client: TestClient, key: str) -> int:
    response = await client.post("/v1/moderations", json={"input": "hi"},
                                 headers={"Authorization": f"Bearer {key}"})
    return response.status


def row_of(page: str, key_id: str) -> str:
    found = re.search(rf'<tr data-key="{key_id}">(.*?)</tr>', page, re.S)
    assert found, f"no usage row for {key_id}"
    return html.unescape(re.sub(r"\s+", " ", found.group(1)))


async def test_dashboard_shows_this_months_usage_per_key_and_project(client):
    store = client.app[STORE]
    busy = await create_key(store, "chat-backend", "default")
    idle = await create_key(store, "unused", "default")
    forum = await create_key(store, "forum-key", "forum")
    for _ in range(3):
        assert await classify(client, busy.key) == 200
    assert await moderate(client, busy.key) == 200
    assert await classify(client, forum.key) == 200
    page = await (await client.get("/admin/?project=default")).text()
    assert 'id="usage"' in page
    busy_row = row_of(page, busy.id)
    assert "chat-backend" in busy_row and ">4<" in busy_row
    assert "spectrum: 3" in busy_row and "openai: 1" in busy_row
    assert "off" in busy_row  # no limits by default
    assert ">0<" in row_of(page, idle.id)
    assert forum.id not in page  # another project's key
    projects = re.search(r'<table class="stack" id="usage-projects">(.*?)</table>', page, re.S)
    assert projects and re.search(r"default</td><td[^>]*>4<", projects.group(1))
    assert re.search(r"forum</td><td[^>]*>1<", projects.group(1))
    assert "<form" not in re.search(r'id="usage".*?</section>', page, re.S).group(0)


async def test_keys_page_sets_limits_that_apply_at_once(client):
    store = client.app[STORE]
    key = await create_key(store, "limited", "default")
    page = await (await client.get("/admin/keys?project=default")).text()
    assert f'data-api="{API}/keys/{key.id}/limits" data-method="PUT"' in page
    response = await client.put(f"{API}/keys/{key.id}/limits",
                                json={"rate": 0, "burst": 0, "quota": 2})
    assert response.status == 200
    assert await response.json() == {"id": key.id, "rate": 0.0, "burst": 0, "quota": 2}
    assert [await classify(client, key.key) for _ in range(3)] == [200, 200, 429]
    page = await (await client.get("/admin/keys?project=default")).text()
    row = row_of(page, key.id)
    assert "2 (100% used)" in row and ">1<" in row  # one refused
    audit = await (await client.get(f"{API}/audit")).json()
    assert audit["entries"][0]["action"] == "key.limits"
    usage = await (await client.get(f"{API}/projects/default/usage")).json()
    (entry,) = [k for k in usage["keys"] if k["id"] == key.id]
    assert (entry["requests"], entry["refused"], entry["quota"]) == (2, 1, 2)


async def test_a_rate_without_a_burst_gets_one_seconds_worth(client):
    key = await create_key(client.app[STORE], "k", "default")
    response = await client.put(f"{API}/keys/{key.id}/limits", json={"rate": 2.5})
    assert await response.json() == {"id": key.id, "rate": 2.5, "burst": 3, "quota": 0}


@pytest.mark.parametrize("body", [{"rate": -1}, {"quota": 1.5}, {"burst": "ten"},
                                  {"quota": True}, {"rate": 1e12}])
async def test_bad_limits_are_refused(client, body):
    key = await create_key(client.app[STORE], "k", "default")
    response = await client.put(f"{API}/keys/{key.id}/limits", json=body)
    assert response.status == 400
    assert "0 turns it off" in (await response.json())["error"]


async def test_limits_of_an_unknown_key(client):
    response = await client.put(f"{API}/keys/key_nope/limits", json={"quota": 1})
    assert response.status == 404
