"""The flag-rate view over real HTTP weights each kept row by the texts of its interval, and
a query writes nothing (the Settings page asks on every keystroke)."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing

import pytest
from aiohttp.test_utils import TestClient

from spectrum_rpc.admin import ADMIN
from spectrum_rpc.auth import create_key
from spectrum_rpc.resources import STORE
from spectrum_rpc.tasks import cancel
from tests.admin.test_flag_rates import RATES, send
from tests.helpers.admin import logged_in_client

TOXIC, HARMLESS = "shut up you worthless moron", "have a lovely day"


@pytest.fixture
async def client(aiohttp_client, tmp_path) -> TestClient:
    client = await logged_in_client(aiohttp_client, tmp_path)
    recorder = client.app[ADMIN].traffic
    # The test is the clock of the intervals: no periodic flush (timing) in between.
    await cancel(recorder._task)
    recorder.random = random.Random(5).random
    recorder.per_flush = 4
    return client


def rows(tmp_path) -> int:  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(tmp_path / "db.sqlite")) as conn:
        return conn.execute("SELECT COUNT(*) FROM recent_scores").fetchone()[0]


async def test_a_burst_counts_as_many_texts_as_it_had(client, tmp_path):
    recorder = client.app[ADMIN].traffic
    key = (await create_key(client.app[STORE], "k", "shop")).key
    toxic = [(await send(client, key, "classifyText", TOXIC))["toxicityConfidence"]
             for _ in range(20)]
    await recorder.flush()  # one interval: 4 rows of weight 5
    harmless = []
    for _ in range(5):  # five quiet intervals of 4 texts, all kept
        harmless += [(await send(client, key, "classifyText", HARMLESS))["toxicityConfidence"]
                     for _ in range(4)]
        await recorder.flush()
    between = (max(harmless) + min(toxic)) / 2
    assert max(harmless) < between < min(toxic)
    answer = await (await client.get(RATES, params={"toxicity": str(between)})).json()
    assert (answer["texts"], answer["rows"]) == (40, 24)
    toxicity = answer["labels"]["toxicity"]
    assert (toxicity["scored"], toxicity["rows"]) == (40, 24)
    # Unweighted, 4 of 24 rows (17 %); the texts: 20 of 40.
    at_reject = {k: v for k, v in toxicity["proposed"].items() if k != "review"}
    assert at_reject == {"threshold": between, "flagged": 20, "rows": 4, "rate": 0.5}


async def test_queries_write_nothing_and_see_the_unwritten_sample(client, tmp_path):
    key = (await create_key(client.app[STORE], "k", "shop")).key
    for _ in range(10):
        await send(client, key, "classifyText", TOXIC)
    answers = [await (await client.get(RATES, params={"toxicity": t})).json()
               for t in ("0", "0.1", "0.2", "0.3")]
    assert rows(tmp_path) == 0
    assert [(a["texts"], a["rows"]) for a in answers] == [(10, 4)] * 4
    assert answers[0]["labels"]["toxicity"]["proposed"] == {
        "threshold": 0.0, "flagged": 10, "rows": 4, "rate": 1.0,
        "review": {"threshold": 0.0, "flagged": 10, "rows": 4, "rate": 1.0}}
    await client.app[ADMIN].traffic.flush()
    assert rows(tmp_path) == 4
