"""The router that picks a project's model: hot swap under load, rollback, per-project models
falling back to the global one. (The `models` CLI: cli/test_models.py.)"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from spectrum_rpc.auth import create_key
from spectrum_rpc.engine import load_engine
from spectrum_rpc.resources import CLASSIFIER, SETTINGS
from spectrum_rpc.training import RetrainRefused, retrain
from tests.helpers.process import wait_gone
from tests.helpers.training import corrections, rpc_batch, sentence, training_sections

pytestmark = pytest.mark.slow  # every test retrains a model


async def wait_for_version(api, version: str, project: str = "") -> None:
    router = api.app[CLASSIFIER]
    for _ in range(400):
        if router.version_for(project) == version:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"server still uses {router.version_for(project)}, not {version}")


async def trained(api, rpc, seed: int = 2, project: str | None = None, key: str | None = None):
    batch = rpc_batch("recordUserClassification", corrections(random.Random(seed), 80))
    reply = await rpc(api, batch, **({"key": key} if key else {}))
    assert all(a["result"] == "OK" for a in reply.json)
    result = await retrain(api.store, api.app[SETTINGS], project=project)
    assert result.promoted, result.verdict.reasons
    return result


@pytest.mark.parametrize("processes", [False, True], ids=["engine-threads", "engine-processes"])
async def test_hot_swap_under_concurrent_requests_fails_nothing(make_client, rpc, tmp_path,
                                                               processes):
    sections = training_sections(tmp_path)
    sections["engine"]["processes"] = processes
    api = await make_client(**sections)
    result = await trained(api, rpc)
    await api.store.models.rollback("")  # back to tiny-1 while the load runs
    await wait_for_version(api, "tiny-1")
    old_lane = api.app[CLASSIFIER].routes.lanes["tiny-1"]
    old_pids = [p.pid for p in (old_lane._process, old_lane._long_process) if p is not None]
    engines = {v: load_engine(Path(p)) for v, p in
               (("tiny-1", tmp_path / "shipped"), (result.version, result.path))}
    rng = random.Random(9)
    swapped = asyncio.Event()
    answers: list[tuple[str, dict]] = []

    async def client() -> None:
        # Keep requests in flight until well after the swap.
        after = 0
        while after < 40:
            text = sentence(rng, rng.choice(["spam", "fan", "toxicity", "clean"]))
            reply = await rpc(api, rpc_batch("classifyText", [{"text": text}])[0])
            assert reply.status == 200 and "result" in reply.json, reply.body
            answers.append((text, reply.json["result"]))
            after += swapped.is_set()

    async def swap() -> None:
        while len(answers) < 100:
            await asyncio.sleep(0.01)
        await api.store.models.activate("", result.version, "test")
        await wait_for_version(api, result.version)
        swapped.set()

    await asyncio.gather(*(client() for _ in range(8)), swap())
    versions = [a["modelVersion"] for _, a in answers]
    assert set(versions) == set(engines)
    assert versions[-1] == result.version
    # Each answer's figures are those of the version it names.
    for text, answer in answers:
        expected = engines[answer["modelVersion"]].classify([text])[0]
        assert abs(answer["phishingConfidence"] - expected["phishing"]) < 1e-5
    await wait_for_version(api, result.version)
    if processes:  # the retired version's engine processes were closed, the new ones run
        lanes = api.app[CLASSIFIER].routes.lanes
        assert list(lanes) == [result.version]
        lane = lanes[result.version]
        assert lane._process is not None and lane._process.pid is not None
        assert len(old_pids) == 2
        assert await wait_gone(old_pids) == []


async def test_rollback_returns_to_the_previous_model(make_client, rpc, tmp_path):
    api = await make_client(**training_sections(tmp_path))
    result = await trained(api, rpc)
    await wait_for_version(api, result.version)
    undone = await api.store.models.rollback("")
    assert undone.version == result.version
    await wait_for_version(api, "tiny-1")
    assert (await api.store.models.get(result.version)).status == "rolled back"
    assert await api.store.models.rollback("") is None  # the shipped model stays


async def test_a_project_model_falls_back_to_the_global_one(make_client, rpc, tmp_path):
    api = await make_client(project="games", **training_sections(tmp_path))
    other = await create_key(api.store, "other", "news")
    result = await trained(api, rpc, project="games")
    assert (await api.store.models.active()) == {"": "tiny-1", "games": result.version}
    await wait_for_version(api, result.version, "games")
    spam = "lunch crypto moon with a friend, token presale coffee"
    mine = (await rpc(api, rpc_batch("classifyText", [{"text": spam}])[0])).json["result"]
    theirs = (await rpc(api, rpc_batch("classifyText", [{"text": spam}])[0], key=other.key)).json
    assert mine["modelVersion"] == result.version and mine["phishing"]
    assert theirs["result"]["modelVersion"] == "tiny-1" and not theirs["result"]["phishing"]
    await api.store.models.rollback("games")
    assert (await api.store.models.active()) == {"": "tiny-1"}
    await wait_for_version(api, "tiny-1", "games")


async def test_other_projects_feedback_does_not_train_a_project(make_client, rpc, tmp_path):
    api = await make_client(project="games", **training_sections(tmp_path))
    await trained(api, rpc, project="games")
    with pytest.raises(RetrainRefused, match="no feedback"):
        await retrain(api.store, api.app[SETTINGS], project="news")
