"""The flag-rate view over real HTTP: classifyText and moderateText traffic of a project,
counted at its current thresholds and at proposed ones, without the texts being kept."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.auth import create_key
from spectrum_rpc.clock import Clock
from spectrum_rpc.labels import DECIDED
from spectrum_rpc.resources import STORE
from spectrum_rpc.store import SCORE_COLUMNS
from tests.helpers import admin
from tests.helpers.admin import API, logged_in_client, put_thresholds, send

RATES = f"{API}/projects/shop/flag-rates"
TEXTS = ["have a lovely day", "you are a stupid idiot", "thanks for the help",
         "what time is the meeting", "shut up you worthless moron"]
client = admin.client  # alice logged in, default settings


def at_reject(rates: dict) -> dict:
    """The rates at the reject threshold (without those at the review line)."""
    return {k: v for k, v in rates.items() if k != "review"}


async def traffic(client: TestClient) -> list[float]:
    """Send TEXTS to project shop (classifyText, the last one through moderateText); return
    their toxicity scores."""
    key = (await create_key(client.app[STORE], "k", "shop")).key
    scores = [(await send(client, key, "classifyText", t))["toxicityConfidence"]
              for t in TEXTS[:-1]]
    moderated = await send(client, key, "moderateText", TEXTS[-1])
    return [*scores, moderated["labels"]["toxicity"]]


async def test_rates_at_the_current_and_a_proposed_threshold(client):
    scores = await traffic(client)
    proposed = sorted(scores)[2]  # the three highest reach it
    answer = await (await client.get(RATES, params={"toxicity": str(proposed)})).json()
    assert answer["texts"] == len(TEXTS) and answer["window_days"] == 7.0
    assert answer["first"] is not None and answer["first"] <= answer["last"]
    toxicity = answer["labels"]["toxicity"]
    current = toxicity["current"]["threshold"]
    assert current == (await (await client.get(f"{API}/projects/shop/settings")).json()
                       )["thresholds"]["toxicity"]
    flagged = sum(s >= current for s in scores)
    assert at_reject(toxicity["current"]) == {"threshold": current, "flagged": flagged,
                                              "rows": flagged,
                                              "rate": round(flagged / len(TEXTS), 6)}
    assert at_reject(toxicity["proposed"]) == {"threshold": proposed, "flagged": 3, "rows": 3,
                                               "rate": 0.6}
    assert (answer["rows"], toxicity["scored"], toxicity["rows"]) == (len(TEXTS),) * 3
    assert "proposed" not in answer["labels"]["sexual"]
    assert set(DECIDED) <= set(answer["labels"])


async def test_a_saved_threshold_becomes_the_current_one(client):
    await traffic(client)
    await put_thresholds(client, {"toxicity": 0.0})
    answer = await (await client.get(RATES)).json()
    assert at_reject(answer["labels"]["toxicity"]["current"]) == {
        "threshold": 0.0, "flagged": len(TEXTS), "rows": len(TEXTS), "rate": 1.0}


async def test_another_project_and_an_empty_one_see_none_of_it(client):
    await traffic(client)
    answer = await (await client.get(f"{API}/projects/quiet/flag-rates",
                                     params={"sexual": "0.5"})).json()
    assert (answer["texts"], answer["first"], answer["last"]) == (0, None, None)
    assert at_reject(answer["labels"]["sexual"]["proposed"]) == {"threshold": 0.5, "flagged": 0,
                                                      "rows": 0, "rate": None}


async def test_texts_older_than_the_window_drop_out(client):
    await traffic(client)
    assert (await (await client.get(RATES)).json())["texts"] == len(TEXTS)
    later = Clock()  # the recorder's own: the session's clock stays (it would expire)
    later.advance(7 * 86400 + 120)
    client.app[ADMIN].traffic.clock = later
    assert (await (await client.get(RATES)).json())["texts"] == 0


@pytest.mark.parametrize("params", [{"toxicity": "2"}, {"toxicity": "-0.1"},
                                    {"toxicity": "nan"}, {"toxicity": "x"}, {"spam": "0.5"},
                                    {"toxicity": "off"},
                                    # review lines and the other labels' pairs
                                    {"toxicity.review": "0.5"}, {"insult.review": "x"},
                                    {"sexual": "off"}, {"spam.review": "0.1"},
                                    {"insult": "0.1", "insult.review": "0.2"}])
async def test_bad_thresholds_are_refused(client, params):
    response = await client.get(RATES, params=params)
    assert response.status == 400
    assert "error" in await response.json()


async def test_the_text_is_never_stored(client, tmp_path):
    await traffic(client)
    await client.app[ADMIN].traffic.flush()  # writes what was gathered
    with closing(sqlite3.connect(tmp_path / "db.sqlite")) as conn:
        rows = conn.execute("SELECT * FROM recent_scores").fetchall()
    assert len(rows) == len(TEXTS)
    assert all(len(row) == 3 + len(SCORE_COLUMNS) + 1 for row in rows)  # id, at, weight
    assert not any(isinstance(v, str) and v != "shop" for row in rows for v in row)


async def test_keeping_none_stores_nothing(aiohttp_client, tmp_path):
    client = await logged_in_client(aiohttp_client, tmp_path, admin={"recent_scores": 0})
    await traffic(client)
    assert (await (await client.get(RATES)).json())["texts"] == 0
