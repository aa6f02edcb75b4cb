"""The admin API and pages over a real app: keys, settings, playground, feedback, dashboard."""

from __future__ import annotations

import csv
import io
import re

import orjson
from aiohttp.test_utils import TestClient

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import SETTINGS, STORE
from tests.helpers import admin
from tests.helpers.admin import API

PAGES = ["/admin/", "/admin/playground", "/admin/keys", "/admin/webhooks", "/admin/feedback",
         "/admin/settings", "/admin/audit"]


client = admin.client  # alice logged in, default settings


async def rpc(client: TestClient, key: str, method: str, params: dict) -> dict:
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    response = await client.post("/api/v1/classification", json=body,
                                 headers={"Authorization": f"Apikey {key}"})
    return await response.json()


async def test_every_page_renders_for_a_logged_in_user(client):
    for path in PAGES:
        response = await client.get(path + "?project=default")
        assert response.status == 200, path
        text = await response.text()
        assert 'name="csrf-token"' in text and "<nav" in text


async def test_keys_are_created_listed_used_and_revoked(client):
    created = await client.post(f"{API}/projects/shop/keys", json={"name": "checkout"})
    assert created.status == 201
    key = await created.json()
    assert key["key"].startswith(key["prefix"]) and key["project"] == "shop"
    answer = await rpc(client, key["key"], "classifyText", {"text": "hello"})
    assert "result" in answer
    listing = (await (await client.get(f"{API}/projects/shop/keys")).json())["keys"]
    assert [k["name"] for k in listing] == ["checkout"] and "key" not in listing[0]
    assert "shop" in (await (await client.get(f"{API}/projects")).json())["projects"]
    assert (await client.post(f"{API}/keys/{key['id']}/revoke")).status == 200
    answer = await rpc(client, key["key"], "classifyText", {"text": "hello"})
    assert answer["error"]["code"] == -32001
    assert (await client.post(f"{API}/keys/{key['id']}/revoke")).status == 404


async def test_bad_input_is_refused_with_a_reason(client):
    bad = [
        (f"{API}/projects/default/keys", {"name": ""}),
        (f"{API}/projects/default/playground", {"text": ""}),
        (f"{API}/projects/bad%20name/keys", {"name": "x"}),
    ]
    for url, body in bad:
        response = await client.post(url, json=body)
        assert response.status == 400 and (await response.json())["error"]
    put = await client.put(f"{API}/projects/default/settings",
                           json={"thresholds": {"toxicity": 2}})
    assert put.status == 400
    put = await client.put(f"{API}/projects/default/settings", json={"thresholds": {"nope": 0.1}})
    assert put.status == 400
    raw = await client.post(f"{API}/projects/default/keys", data=b"{not json")
    assert raw.status == 400
    assert (await client.get(f"{API}/audit", params={"limit": "many"})).status == 400


async def test_threshold_change_flips_the_playground_decision(client):
    url = f"{API}/projects/default/playground"
    text = "you are an idiot"
    first = await (await client.post(url, json={"text": text})).json()
    confidence = first["result"]["toxicityConfidence"]
    above = min(1.0, confidence + 0.01)
    saved = await client.put(f"{API}/projects/default/settings",
                             json={"thresholds": {"toxicity": above}, "include_text": True})
    defaults = client.app[SETTINGS].thresholds  # the served defaults for the other labels
    answer = await saved.json()
    assert answer.pop("filter")["labels"]["enabled"] is True  # the filter: its own tests
    assert answer.pop("pairs")["toxicity"]["reject"] == above  # pairs: test_threshold_pairs.py
    assert answer.pop("own") == {"toxicity": above}  # what the project set: as given
    assert answer == {
        "thresholds": {"toxicity": above, "sexual": defaults.sexual.reject,
                       "phishing": defaults.phishing.reject, "insult": defaults.insult.reject},
        "include_text": True}
    second = await (await client.post(url, json={"text": text})).json()
    assert second["result"]["toxic"] is False
    await client.put(f"{API}/projects/default/settings", json={"thresholds": {"toxicity": 0.0}})
    third = await (await client.post(url, json={"text": text})).json()
    assert third["result"]["toxic"] is True
    # The playground answers as classifyText does for a key of the same project.
    key = await create_key(client.app[STORE], "k", "default")
    answer = await rpc(client, key.key, "classifyText", {"text": text})
    assert answer["result"] == third["result"]


async def test_playground_returns_highlightable_segments(client):
    text = "well fuck this"
    data = await (await client.post(f"{API}/projects/default/playground",
                                    json={"text": text})).json()
    assert "".join(s["text"] for s in data["segments"]) == text
    marked = [s for s in data["segments"] if s["match"]]
    assert data["matches"] == len(marked) >= 1
    assert marked[0]["text"].lower().startswith("fuck")


async def _record_feedback(client: TestClient) -> str:
    key = await create_key(client.app[STORE], "k", "default")
    rows = [("you are an idiot", True, {"toxic": True}), ("have a nice day", False, None),
            ("click here for your password", True, {"phishing": True})]
    for content, block, labels in rows:
        params = {"content": content, "shouldBlock": block}
        if labels:
            params["labels"] = labels
        assert (await rpc(client, key.key, "recordUserClassification", params))["result"] == "OK"
    return key.key


async def test_feedback_is_browsed_with_filters_and_model_verdicts(client):
    await _record_feedback(client)
    url = f"{API}/projects/default/feedback"
    everything = await (await client.get(url)).json()
    assert everything["total"] == 3
    assert [r["content"] for r in everything["items"]][0] == "click here for your password"
    assert all("agrees" in r and "toxicityConfidence" in r["model"] for r in everything["items"])
    blocked = await (await client.get(url, params={"should_block": "true"})).json()
    assert blocked["total"] == 2
    phishing = await (await client.get(url, params={"label": "phishing"})).json()
    assert [r["content"] for r in phishing["items"]] == ["click here for your password"]
    found = await (await client.get(url, params={"q": "NICE"})).json()
    assert [r["content"] for r in found["items"]] == ["have a nice day"]
    none = await (await client.get(url, params={"until": "2000-01-01"})).json()
    assert none["total"] == 0
    assert (await client.get(url, params={"since": "yesterday"})).status == 400
    page = await client.get("/admin/feedback", params={"q": "idiot"})
    assert "you are an idiot" in await page.text()


async def test_feedback_rows_are_excluded_and_exported(client):
    await _record_feedback(client)
    items = (await (await client.get(f"{API}/projects/default/feedback")).json())["items"]
    target = items[0]["id"]
    excluded = await client.post(f"{API}/feedback/{target}/exclude", json={"excluded": True})
    assert (await excluded.json()) == {"id": target, "excluded": True}
    assert (await client.post(f"{API}/feedback/99999/exclude", json={})).status == 404
    jsonl = await client.get(f"{API}/projects/default/feedback/export", params={"format": "jsonl"})
    assert "attachment" in jsonl.headers["Content-Disposition"]
    rows = [orjson.loads(line) for line in (await jsonl.read()).splitlines()]
    assert len(rows) == 3 and {r["id"]: r["excluded"] for r in rows}[target] is True
    exported = await client.get(f"{API}/projects/default/feedback/export",
                                params={"format": "csv", "should_block": "false"})
    table = list(csv.DictReader(io.StringIO(await exported.text())))
    assert [r["content"] for r in table] == ["have a nice day"]


async def test_classifications_are_counted_per_minute_in_batches(client):
    key = await create_key(client.app[STORE], "k", "default")
    await client.put(f"{API}/projects/default/settings", json={"thresholds": {"toxicity": 0.0}})
    for text in ("hello", "you are an idiot", "fine"):
        await rpc(client, key.key, "classifyText", {"text": text})
    before = await client.app[STORE].db.fetchall("SELECT * FROM classification_stats")
    assert before == []  # no write per call: counts wait in memory for the periodic flush
    minutes = (await (await client.get(f"{API}/projects/default/stats")).json())["minutes"]
    assert sum(m["total"] for m in minutes) == 3 and sum(m["toxic"] for m in minutes) == 3
    await client.app[ADMIN].stats.flush()
    stored = await client.app[STORE].db.fetchall("SELECT total FROM classification_stats")
    assert sum(r[0] for r in stored) == 3
    dashboard = await (await client.get("/admin/")).text()
    assert "<svg" in dashboard and "Classifications per minute" in dashboard


async def test_openapi_document_describes_every_route(client):
    doc = await (await client.get(f"{API}/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    routes = {r.resource.canonical for r in client.app.router.routes()
              if r.resource is not None and r.resource.canonical.startswith(API)}
    described = {API + p for p in doc["paths"]} | {f"{API}/openapi.json"}
    assert {re.sub(r":[^}]+", "", r) for r in routes} <= described
