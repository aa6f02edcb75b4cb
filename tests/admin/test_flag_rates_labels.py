"""The flag-rate view for every label with thresholds, over real HTTP: moderateText's scores
(the span model's sub-labels among them) are kept as classifyText's are, each label counted
over the texts that scored it, at its reject threshold and at its review line, for the saved
pairs and for proposed ones; never the text."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from aiohttp.test_utils import TestClient

from spectrum_rpc import labels as L
from spectrum_rpc.admin import ADMIN
from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from tests.helpers import admin
from tests.helpers.admin import API, put_thresholds, send

RATES = f"{API}/projects/shop/flag-rates"
MODERATED = ["you are a pathetic worthless idiot", "shut up you stupid moron",
             "thanks for the help", "see you at the meeting on Monday"]
CLASSIFIED = ["have a lovely day", "what time is it"]
client = admin.client  # alice logged in, default settings


async def traffic(client: TestClient) -> list[dict[str, float]]:
    """Send MODERATED through moderateText and CLASSIFIED through classifyText to project
    shop; return moderateText's label scores."""
    key = (await create_key(client.app[STORE], "k", "shop")).key
    for text in CLASSIFIED:
        await send(client, key, "classifyText", text)
    return [(await send(client, key, "moderateText", t))["labels"] for t in MODERATED]


async def rates(client: TestClient, **params: str) -> dict:
    response = await client.get(RATES, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


def counted(scores: list[dict[str, float]], label: str, threshold: float) -> int:
    return sum(s[label] >= threshold for s in scores)


async def test_every_label_counts_the_texts_that_scored_it(client):
    scores = await traffic(client)
    answer = await rates(client)
    assert set(answer["labels"]) == set(L.SCORABLE)
    assert answer["texts"] == len(MODERATED) + len(CLASSIFIED)
    insult = answer["labels"][L.INSULT]
    assert insult["scored"] == len(MODERATED)  # classifyText does not score insult
    assert answer["labels"][L.TOXICITY]["scored"] == len(MODERATED) + len(CLASSIFIED)
    # the defaults: insult rejects at 0.39 and asks for review from 0.2925
    flagged, reviewed = counted(scores, L.INSULT, 0.39), counted(scores, L.INSULT, 0.2925)
    assert flagged >= 1  # the first text is a plain insult
    assert insult["current"] == {
        "threshold": 0.39, "flagged": flagged, "rows": flagged,
        "rate": round(flagged / len(MODERATED), 6),
        "review": {"threshold": 0.2925, "flagged": reviewed, "rows": reviewed,
                   "rate": round(reviewed / len(MODERATED), 6)}}
    # a label off by default: nothing flagged, nothing reviewed, still scored
    hate = answer["labels"][L.HATE]
    assert hate["scored"] == len(MODERATED)
    assert hate["current"]["threshold"] is None and hate["current"]["rate"] is None
    assert hate["current"]["review"]["threshold"] is None


async def test_proposed_pairs_show_both_rates(client):
    scores = await traffic(client)
    low = min(s[L.INSULT] for s in scores)
    answer = await rates(client, **{"insult.review": str(low), "hate": "0.0", "threat": "off"})
    insult = answer["labels"][L.INSULT]["proposed"]
    assert insult["threshold"] == 0.39  # reject not proposed: the saved one
    assert insult["review"]["threshold"] == low
    assert insult["review"]["flagged"] == len(MODERATED)
    hate = answer["labels"][L.HATE]["proposed"]  # review off: the line is reject
    assert (hate["threshold"], hate["flagged"]) == (0.0, len(MODERATED))
    assert hate["review"]["threshold"] == 0.0
    assert answer["labels"][L.THREAT]["proposed"]["threshold"] is None
    assert "proposed" not in answer["labels"][L.SEXUAL]


async def test_a_proposed_reject_alone_derives_the_review_as_saving_it_would(client):
    await traffic(client)
    toxicity = (await rates(client, toxicity="0.4"))["labels"][L.TOXICITY]["proposed"]
    assert (toxicity["threshold"], toxicity["review"]["threshold"]) == (0.4, 0.3)
    saved = await put_thresholds(client, {"toxicity": {"reject": 0.4}})
    assert saved["pairs"][L.TOXICITY] == {"reject": 0.4, "review": 0.3}
    current = (await rates(client))["labels"][L.TOXICITY]["current"]
    assert {k: v for k, v in current.items() if k != "review"} == {
        k: v for k, v in toxicity.items() if k != "review"}
    assert current["review"] == toxicity["review"]


async def test_a_saved_review_off_reviews_from_reject(client):
    scores = await traffic(client)
    await put_thresholds(client, {"insult": {"review": None}})
    current = (await rates(client))["labels"][L.INSULT]["current"]
    assert current["review"]["threshold"] == 0.39
    assert current["review"]["flagged"] == counted(scores, L.INSULT, 0.39)


async def test_only_scores_are_stored(client, tmp_path):
    await traffic(client)
    await client.app[ADMIN].traffic.flush()
    with closing(sqlite3.connect(tmp_path / "db.sqlite")) as conn:
        rows = conn.execute("SELECT insult, toxicity FROM recent_scores ORDER BY id").fetchall()
        texts = conn.execute("SELECT * FROM recent_scores").fetchall()
    assert [insult is None for insult, _ in rows] == [True] * len(CLASSIFIED) + [False] * len(
        MODERATED)
    assert all(toxicity is not None for _, toxicity in rows)
    assert not any(isinstance(v, str) and v != "shop" for row in texts for v in row)
