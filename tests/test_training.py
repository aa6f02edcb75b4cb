"""Learning from feedback: data rules, guards, retrain and the promotion gate, end to end."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from training_helpers import corrections, rpc_batch, training_sections

from spectrum_rpc.auth import KeyRateLimiter
from spectrum_rpc.constants import RATE_LIMITED
from spectrum_rpc.resources import CLASSIFIER, SETTINGS
from spectrum_rpc.store import FeedbackRecord
from spectrum_rpc.training import RetrainRefused, retrain
from spectrum_rpc.training.dataset import Correction, feedback_set, merge, targets_of
from spectrum_rpc.training.evaluation import judge, row_log_loss
from spectrum_rpc.training.guards import check_key_shares, retrain_lock


def row(id: int, content: str, block: bool, labels=None, t: float = 0.0, key: str = "k1",
        excluded: bool = False) -> FeedbackRecord:
    return FeedbackRecord(id, "default", key, t or float(id), content, f"sha-{content}", block,
                          labels, None, excluded)


# -- data rules --------------------------------------------------------------------------------


def test_should_block_false_makes_every_label_negative():
    out = targets_of(False, None)
    assert set(out.values()) == {0} and {"toxicity", "sexual", "phishing"} <= set(out)


def test_should_block_true_without_decision_label_trains_toxicity():
    assert targets_of(True, None) == {"toxicity": 1}
    assert targets_of(True, {"violence": True}) == {"violence": 1, "toxicity": 1}
    assert targets_of(True, {"phishing": True}) == {"phishing": 1}
    mixed = targets_of(True, {"hate": True, "sexual": False})
    assert mixed == {"hate": 1, "toxicity": 1, "sexual": 0}


def test_same_content_merges_and_the_most_recent_answer_wins():
    rows = [row(1, "a", True, t=10), row(2, "a", False, t=20), row(3, "b", True),
            row(4, "b", True), row(5, "c", True, excluded=True)]
    merged, counts = merge(rows)
    by_text = {c.text: c for c in merged}
    assert by_text["a"].should_block is False and by_text["a"].id == 2
    assert "c" not in by_text
    assert counts == {"rows": 5, "excluded": 1, "duplicates": 2, "conflicts": 1, "merged": 2}


def test_holdout_is_stratified_and_stable_as_feedback_grows():
    rows = [row(i, f"text {i}", i % 4 == 0) for i in range(1, 201)]
    first = feedback_set(rows[:100], 0.2)
    assert len(first.holdout) == 20
    assert sum(c.should_block for c in first.holdout) == 5  # 25 of 100 block -> 5 of 20
    later = feedback_set(rows, 0.2)
    moved = {c.id for c in first.holdout} - {c.id for c in later.holdout}
    assert len(moved) <= 4


# -- guards ------------------------------------------------------------------------------------


def test_key_share_refusal_names_the_key():
    check_key_shares({"k1": 0.5, "k2": 0.5}, 0.6)
    with pytest.raises(RetrainRefused, match="k1 contributed 80%"):
        check_key_shares({"k1": 0.8, "k2": 0.2}, 0.6)


def test_token_bucket_per_key():
    clock = [0.0]
    limiter = KeyRateLimiter(rate=1.0, burst=2, clock=lambda: clock[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    clock[0] += 1.0
    assert limiter.allow("a") and not limiter.allow("a")
    assert all(KeyRateLimiter(0, 1).allow("a") for _ in range(100))


async def test_lock_refuses_a_second_retrain_until_it_expires(store, monkeypatch):
    async with retrain_lock(store, ttl=60):
        with pytest.raises(RetrainRefused, match="another retrain is running"):
            async with retrain_lock(store, ttl=60):
                pass
    async with retrain_lock(store, ttl=60):
        pass  # released
    # A holder that died leaves a lock that expires.
    assert await store.models.acquire_lock("retrain", "dead-process", ttl=60)
    monkeypatch.setattr("spectrum_rpc.store.model_versions.now", lambda: 10**12)
    async with retrain_lock(store, ttl=60) as owner:
        assert owner != "dead-process"


# -- the gate ----------------------------------------------------------------------------------


def test_row_log_loss_sums_the_labels_each_row_has_a_target_for():
    rows = [Correction(1, "k", "a", "a", True, {"toxicity": 1}),
            Correction(2, "k", "b", "b", False, {"toxicity": 0, "sexual": 0})]
    scores = [{"toxicity": 0.5, "sexual": 0.9}, {"toxicity": 0.5, "sexual": 0.0}]
    # log 2 each, plus a certain right answer (clipped 1e-6 away from 0) on the second row
    assert row_log_loss(rows, scores) == pytest.approx([0.693147, 0.693147 + 1e-6], abs=1e-5)


def figures(log_loss: float, f1: float, auc: float, gain: float = 0.0, se: float = 0.0) -> dict:
    held = {"rows": 80, "log_loss": log_loss, "f1": f1,
            "log_loss_gain": {"mean": gain, "standard_error": se}}
    return {"holdout": held, "base": {"public": {"toxicity": auc}}}


def test_the_gate_judges_the_holdout_by_log_loss_beyond_its_standard_error():
    gate = {"tolerance": 0.01, "min_gain": 0.0, "min_holdout": 10, "gain_standard_errors": 1.0}
    in_use = figures(0.40, 0.6, 0.90)
    # Same F1 (no held-out row crossed the threshold), clearly better probabilities: promoted.
    verdict = judge(in_use, figures(0.35, 0.6, 0.90, gain=0.05, se=0.01), **gate)
    assert verdict.promote, verdict.reasons
    assert verdict.reasons[0].startswith("holdout log-loss 0.3500 vs 0.4000 in use: better")
    # A gain smaller than its standard error is chance, whatever F1 says: refused.
    verdict = judge(in_use, figures(0.39, 0.7, 0.90, gain=0.01, se=0.02), **gate)
    assert not verdict.promote and "not better" in verdict.reasons[0]
    assert judge(in_use, figures(0.39, 0.7, 0.90, gain=0.01, se=0.02),
                 **{**gate, "gain_standard_errors": 0.0}).promote  # any gain, when asked
    # Worse probabilities: refused even with no standard error required.
    verdict = judge(in_use, figures(0.45, 0.7, 0.90, gain=-0.05, se=0.01),
                    **{**gate, "gain_standard_errors": 0.0})
    assert not verdict.promote
    # Better on the holdout, worse on a base test set by more than the tolerance: refused.
    verdict = judge(in_use, figures(0.20, 0.9, 0.88, gain=0.2, se=0.01), **gate)
    assert not verdict.promote and "public/toxicity" in verdict.reasons[1]


# -- end to end over JSON-RPC ------------------------------------------------------------------


async def send(api, rpc, params: list[dict]) -> list[dict]:
    reply = await rpc(api, rpc_batch("recordUserClassification", params))
    assert reply.status == 200
    return reply.json


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


def test_a_label_the_base_model_never_learnt_is_fitted_afresh(tmp_path):
    """Fine-tuning starts from the base weights; a constant base-rate label has none, so the
    corrections fit it anew instead of nudging a model that can never flag."""
    import numpy as np
    from training_helpers import WORDS, write_base, write_model

    from spectrum_rpc.training.corpus import Sample
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model

    base_dir = write_base(tmp_path / "base")
    model = read_model(write_model(tmp_path / "model", base_dir))
    j = model.labels.index("sexual")
    model.weights[:, j] = 0.0  # as a base trained without any sexual example
    model.bias[j] = -5.0
    rng = random.Random(11)
    fixes = [Sample(f"{rng.choice(WORDS['sexual'])} {rng.choice(WORDS['clean'])} {i}",
                    "feedback", {"sexual": 1}) for i in range(30)]
    fixes += [Sample(f"{rng.choice(WORDS['clean'])} {rng.choice(WORDS['clean'])} {i}",
                     "feedback", {"sexual": 0}) for i in range(30)]
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["sexual"], 1.0,
                              lambda _: None, method="finetune")
    fitted = candidate.fitted["sexual"]
    assert "fine-tuned" not in fitted.calibration and np.any(fitted.weights)
    assert candidate.refit == ["sexual"]
