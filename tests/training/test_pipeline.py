"""Learning from feedback end to end over JSON-RPC: retrain, the promotion gate, the server
swapping to the promoted model by itself, the retrain schedule, the feedback rate limit."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from spectrum_rpc.constants import RATE_LIMITED
from spectrum_rpc.resources import CLASSIFIER, SETTINGS
from spectrum_rpc.training import RetrainRefused, retrain
from spectrum_rpc.training.guards import retrain_lock
from tests.helpers.training import corrections, rpc_batch, training_sections


async def send(api, rpc, params: list[dict]) -> list[dict]:
    reply = await rpc(api, rpc_batch("recordUserClassification", params))
    assert reply.status == 200
    return reply.json


@pytest.mark.slow
@pytest.mark.parametrize("method", ["finetune", "refit"])
async def test_good_feedback_promotes_and_the_server_swaps_by_itself(
    make_client, rpc, tmp_path, method
):
    api = await make_client(**training_sections(tmp_path, method=method))
    spam = "lunch crypto moon with a friend, token presale coffee"
    before = (await rpc(api, rpc_batch("classifyText", [{"text": spam}]))).json[0]["result"]
    assert before["modelVersion"] == "tiny-1" and not before["phishing"]
    answers = await send(api, rpc, corrections(random.Random(2), 80))
    assert all(a["result"] == "OK" for a in answers)

    result = await retrain(api.store, api.app[SETTINGS])
    assert result.promoted, result.verdict.reasons
    report = result.report
    assert report["data"]["feedback"]["rows"] == 80 and report["data"]["feedback"]["holdout"] == 16
    assert report["data"]["base"]["train_rows"] == 360
    held = report["figures"]
    assert held["candidate"]["holdout"]["f1"] > held["in_use"]["holdout"]["f1"]
    assert held["candidate"]["holdout"]["log_loss"] < held["in_use"]["holdout"]["log_loss"]
    assert (tmp_path / "models" / result.version / "training.json").is_file()
    assert (await api.store.models.get(result.version)).report["decision"]["promoted"]

    router = api.app[CLASSIFIER]
    for _ in range(200):  # the server polls the store every 0.05 s here
        if router.version == result.version:
            break
        await asyncio_sleep(0.05)
    after = (await rpc(api, rpc_batch("classifyText", [{"text": spam}]))).json[0]["result"]
    assert after["modelVersion"] == result.version and after["phishing"]


@pytest.mark.slow
async def test_flipped_labels_are_refused_by_the_base_test_sets(make_client, rpc, tmp_path):
    # Weighted heavily enough to win on its own (equally poisoned) holdout, flipped feedback
    # would wreck the model: the base test sets stop it.
    api = await make_client(**training_sections(tmp_path, feedback_weight=200.0))
    await send(api, rpc, corrections(random.Random(3), 120, flipped=True))
    result = await retrain(api.store, api.app[SETTINGS])
    assert not result.promoted
    reasons = result.verdict.reasons
    assert "better" in reasons[0] and "not better" not in reasons[0]
    assert any("mixed/toxicity" in r and "worse by more than" in r for r in reasons)
    assert (await api.store.models.active()) == {"": "tiny-1"}
    assert (await api.store.models.get(result.version)).status == "rejected"


async def test_excluded_rows_do_not_train(make_client, rpc, tmp_path):
    api = await make_client(**training_sections(tmp_path))
    await send(api, rpc, corrections(random.Random(4), 40))
    await api.store.feedback.set_excluded(list(range(1, 41)))
    with pytest.raises(RetrainRefused, match="no feedback"):
        await retrain(api.store, api.app[SETTINGS])


async def test_one_dominant_key_is_refused(make_client, rpc, tmp_path):
    api = await make_client(**training_sections(tmp_path, max_key_share=0.6))
    await send(api, rpc, corrections(random.Random(5), 40))
    with pytest.raises(RetrainRefused, match="contributed 100%"):
        await retrain(api.store, api.app[SETTINGS])


async def test_a_held_lock_refuses_retrain(make_client, rpc, tmp_path):
    api = await make_client(**training_sections(tmp_path))
    await send(api, rpc, corrections(random.Random(6), 40))
    async with retrain_lock(api.store, ttl=60):
        with pytest.raises(RetrainRefused, match="another retrain"):
            await retrain(api.store, api.app[SETTINGS])


@pytest.mark.slow
async def test_dry_run_records_nothing(make_client, rpc, tmp_path):
    api = await make_client(**training_sections(tmp_path))
    await send(api, rpc, corrections(random.Random(7), 60))
    result = await retrain(api.store, api.app[SETTINGS], dry_run=True)
    assert result.path is None and result.report["decision"]["dry_run"]
    assert [m.version for m in await api.store.models.list()] == ["tiny-1"]


async def test_feedback_rate_limit_answers_too_many_requests(make_client, rpc, tmp_path):
    sections = training_sections(tmp_path, feedback_rate=0.001, feedback_burst=3)
    api = await make_client(**sections)
    answers = await send(api, rpc, corrections(random.Random(8), 5))
    errors = [a["error"] for a in answers if "error" in a]
    assert sum("result" in a for a in answers) == 3
    assert [e["code"] for e in errors] == [RATE_LIMITED] * 2
    assert errors[0]["message"] == "Too many requests"


@pytest.mark.slow
async def test_the_schedule_retrains_inside_the_server(make_client, rpc, tmp_path):
    from spectrum_rpc.resources import SCHEDULE

    api = await make_client(**training_sections(tmp_path, schedule_interval=0.2))
    await send(api, rpc, corrections(random.Random(2), 80))
    schedule = api.app[SCHEDULE]
    for _ in range(600):
        if schedule.promotions:
            break
        await asyncio_sleep(0.05)
    assert schedule.promotions == 1 and schedule.failures == 0
    for _ in range(200):
        if api.app[CLASSIFIER].version != "tiny-1":
            break
        await asyncio_sleep(0.05)
    assert api.app[CLASSIFIER].version.startswith("tiny-1+ft.")


def test_training_settings_are_validated(make_settings):
    from spectrum_rpc.settings import ConfigError

    with pytest.raises(ConfigError, match="training.holdout_share"):
        make_settings(training={"holdout_share": 0})
    assert replace(make_settings().training, tolerance=0.5).tolerance == 0.5


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
