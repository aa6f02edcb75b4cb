"""The Playground runs every detector at the project's modes: spans, personal data, profanity,
the masked copy, language, sentiment, quality, corrected copy; nothing recorded or sent."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.admin.playground import pieces
from spectrum_rpc.resources import ANALYZER, STORE
from tests.helpers import admin
from tests.helpers.admin import API

TEXT = ("You stupid idiot <script>alert(1)</script>, mail me at bob@example.com or call "
        "555-123-4567, fuck off.")
URL = f"{API}/projects/default/playground"


client = admin.client  # alice logged in, default settings


async def play(client: TestClient, text: str) -> dict:
    """Ask the playground until every detector is loaded (the speller takes seconds)."""
    await client.app[ADMIN].warmup.start(client.app[ANALYZER])
    response = await client.post(URL, json={"text": text})
    assert response.status == 200
    data = await response.json()
    assert data["loading"] == []
    return data


async def test_a_cold_playground_answers_without_spelling_while_it_loads(client):
    warmup = client.app[ADMIN].warmup
    gate = asyncio.Event()
    warmup.task = asyncio.create_task(gate.wait())  # the speller, still loading
    data = await (await client.post(URL, json={"text": "helo wrld"})).json()
    assert data["loading"] == ["spelling"] and "corrected" not in data["analysis"]
    assert "language" in data["analysis"]
    gate.set()
    await warmup.task
    warmup.task = None
    assert "corrected" in (await play(client, "helo wrld"))["analysis"]


async def test_the_playground_answers_every_detector(client):
    data = await play(client, TEXT)
    a = data["analysis"]
    assert a["flagged"]["toxicity"] is True and a["actions"]["reject"] is True
    assert any(TEXT[s["begin"]:s["end"]] == "stupid idiot" for s in a["spans"])
    assert a["pii"]["email"]["matches"][0]["text"] == "bob@example.com"
    assert a["pii"]["phone"]["found"] is True
    assert a["profanity"]["matches"][0]["canonical"] == "fuck"
    assert "{{ email hidden }}" in a["masked"] and "bob@example.com" not in a["masked"]
    assert a["language"]["code"] == "en" and a["sentiment"]["label"] == "negative"
    assert "spam" in a["quality"] and isinstance(a["corrected"], str)
    # The pieces put the text back together, the spans and matches tagged.
    assert "".join(p["text"] for p in data["span_pieces"]) == TEXT
    assert "".join(p["text"] for p in data["match_pieces"]) == TEXT
    marked = {p["text"] for p in data["span_pieces"] if p["tags"]}
    assert "stupid idiot" in marked
    kinds = {t["kind"] for p in data["match_pieces"] for t in p["tags"]}
    assert {"email", "phone", "profanity"} <= kinds
    # The classifyText view is still there.
    assert data["result"]["toxic"] is True


async def test_the_playground_uses_the_project_modes_even_for_disabled_types(client):
    text = "write to example at gmail dot com"
    plain = (await play(client, text))["analysis"]
    assert plain["pii"]["email"]["found"] is False
    await client.put(f"{API}/projects/default/settings", json={"filter": {
        "email": {"enabled": False, "mode": "SUSPICIOUS", "mask": "[hidden]"}}})
    data = (await play(client, text))["analysis"]
    assert data["pii"]["email"]["mode"] == "SUSPICIOUS" and data["pii"]["email"]["found"]
    assert "[hidden]" in data["masked"]


async def test_the_playground_records_and_sends_nothing(client):
    hook = await client.post(f"{API}/projects/default/webhooks",
                             json={"url": "https://example.com/hook"})
    assert hook.status == 201
    assert (await client.post(URL, json={"text": TEXT})).status == 200
    store = client.app[STORE]
    assert await store.feedback.count("default") == 0
    assert await store.actors.list("default") == []
    for table in ("webhook_events", "webhook_deliveries"):
        assert (await store.db.fetchall(f"SELECT COUNT(*) FROM {table}"))[0][0] == 0


def test_pieces_cut_overlapping_ranges_in_code_points():
    text = "a😀bcd"
    out = pieces(text, [(1, 3, {"label": "x"}), (2, 4, {"label": "y"})])
    assert out == [{"text": "a", "tags": []}, {"text": "😀", "tags": [{"label": "x"}]},
                   {"text": "b", "tags": [{"label": "x"}, {"label": "y"}]},
                   {"text": "c", "tags": [{"label": "y"}]}, {"text": "d", "tags": []}]
    assert pieces("", []) == []
    assert pieces("ab", [(5, 9, {}), (1, 1, {})]) == [{"text": "ab", "tags": []}]
