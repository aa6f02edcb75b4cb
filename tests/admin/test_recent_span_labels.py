"""Recent scores keep one meaning per column, over real HTTP: `profanity` (and the span
model's other sub-labels) is recorded only when the span model scored it. The OpenAI dialect
answers the labels alone (no span model): its rows hold null profanity, not the lexicon rule's
score; moderateText's hold the span model's score it answered."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc import labels as L
from spectrum_rpc.admin import ADMIN
from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.http import call

TEXT = "you are a fucking idiot"  # the lexicon rule scores it high: not null for that reason
SPAN_COLUMNS = ", ".join(L.SPAN_LABELS)


client = admin.client  # alice logged in, default settings


async def recorded(client: TestClient, tmp_path) -> list[tuple]:
    await client.app[ADMIN].traffic.flush()
    with closing(sqlite3.connect(tmp_path / "db.sqlite")) as conn:
        return conn.execute(f"SELECT toxicity, {SPAN_COLUMNS} FROM recent_scores "
                            "ORDER BY id").fetchall()


async def test_the_openai_dialect_records_no_profanity(client, tmp_path):
    key = (await create_key(client.app[STORE], "k", "shop")).key
    response = await client.post("/v1/moderations", json={"input": TEXT},
                                 headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, await response.text()
    engine = client.app[ADMIN].analyzer.classifier.engine
    assert engine.classify([TEXT])[0][L.PROFANITY] > 0.5  # the lexicon rule's, not recorded
    [(toxicity, *span)] = await recorded(client, tmp_path)
    assert toxicity is not None
    assert span == [None] * len(L.SPAN_LABELS)


async def test_moderate_text_records_the_span_models_scores(client, tmp_path):
    key = (await create_key(client.app[STORE], "k", "shop")).key
    response = await client.post(
        "/api/v1/classification", headers={"Authorization": f"Apikey {key}"},
        json=call("moderateText", {"text": TEXT, "options": {"detect": ["labels"]}}))
    labels = (await response.json())["result"]["labels"]
    [(toxicity, *span)] = await recorded(client, tmp_path)
    assert toxicity == pytest.approx(labels[L.TOXICITY])
    assert span == pytest.approx([labels[label] for label in L.SPAN_LABELS])
    engine = client.app[ADMIN].analyzer.classifier.engine
    assert labels[L.PROFANITY] != pytest.approx(engine.classify([TEXT])[0][L.PROFANITY])
