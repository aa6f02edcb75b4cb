"""A model retrained from feedback carries its base model's encoder tier forward: the
candidate serves the same encoder file, tokenizer, heads, bands and stack, so a text in a
band is scored by the encoder in the candidate as in the base (before, a retrained model
dropped the tier and served the linear tier alone at the same thresholds)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import numpy as np
import pytest

from spectrum_rpc.engine import (
    SHIPPED_MODELS,
    Encoder,
    Engine,
    load_engine,
)
from spectrum_rpc.resources import CLASSIFIER, SETTINGS
from spectrum_rpc.training import Sample, retrain
from spectrum_rpc.versions import SHIPPED, load_version
from tests.helpers.training import (
    add_encoder,
    corrections,
    rpc_batch,
    training_sections,
    write_base,
    write_model,
)

# The tiny model is sure of most texts; this one's linear phishing score moves from 0.23 to
# 0.998 in the retrain, inside the test's band on both sides (the shipped band, 0.139-0.305,
# lies around the shipped linear tier's threshold, which the tiny model's scores do not
# spread around).
TEXT = "video nice"


def stacked(engine: Engine, text: str) -> tuple[float, float, float]:
    """Return (linear, served, expected-from-the-band) phishing probabilities of a text."""
    assert engine.encoder is not None, f"{engine.version} has no encoder tier"
    column = engine.labels.index("phishing")
    (band,) = engine.encoder.bands
    linear = engine.linear_scores([text])[0, column]
    logit = engine.encoder.logits([text])[0, band.head]
    expected = band.combine(np.array([linear]), np.array([logit]))[0]
    return float(linear), float(engine.score([text])[0, column]), float(expected)


async def retrained(make_client, rpc, tmp_path: Path, band: dict | None = None,  # type: ignore[no-untyped-def]
                    **engine: object):
    """Serve a tiny model with the shipped encoder tier (its band changed by `band`: `low`,
    `high`, `a`, `b`, `c`), send corrections, retrain; return (the API client, the encoder's
    record, the retrain's result)."""
    sections = training_sections(tmp_path)
    sections["engine"].update(workers=1, **engine)
    record = add_encoder(Path(sections["engine"]["model_dir"]), **(band or {}))
    api = await make_client(**sections)
    reply = await rpc(api, rpc_batch("recordUserClassification",
                                     corrections(random.Random(2), 80)))
    assert all(a["result"] == "OK" for a in reply.json)
    return api, record, await retrain(api.store, api.app[SETTINGS])


@pytest.mark.slow
async def test_a_retrained_model_keeps_the_encoder_tier(make_client, rpc, tmp_path):
    api, record, result = await retrained(make_client, rpc, tmp_path)
    assert result.promoted, result.verdict.reasons
    assert result.report["training"]["refit"] == ["phishing"]  # the linear phishing logit moved
    base = load_version(await api.store.models.latest(SHIPPED))
    candidate = load_version(await api.store.models.get(result.version))
    assert (await api.store.models.active()) == {"": result.version}

    base_linear, base_served, base_expected = stacked(base, TEXT)
    linear, served, expected = stacked(candidate, TEXT)
    assert linear != pytest.approx(base_linear)  # the retrain moved this text's linear score
    assert served == pytest.approx(expected) and served != pytest.approx(linear)
    assert base_served == pytest.approx(base_expected)
    meta = json.loads((Path(result.path) / "engine.json").read_text())["encoder"]
    assert meta["bands"] == record["bands"] and meta["heads"] == record["heads"]
    assert meta["carried_from"] == base.version
    for name in record["files"]:  # linked to the base version's files, not a second copy
        assert (Path(result.path) / name).stat().st_ino == (base.source / name).stat().st_ino
    # The server swaps to the promoted model by itself; its engine process serves the tier.
    router = api.app[CLASSIFIER]
    for _ in range(200):  # the server polls the store every 0.05 s here
        if router.version == result.version:
            break
        await asyncio.sleep(0.05)
    answer = (await rpc(api, rpc_batch("classifyText", [{"text": TEXT}]))).json[0]["result"]
    assert answer["modelVersion"] == result.version
    assert answer["phishingConfidence"] == pytest.approx(served, abs=1e-6)
    assert answer["phishingConfidence"] != pytest.approx(linear, abs=1e-6)
    tier = result.report["figures"]["candidate"]["encoder"]["phishing"]
    assert tier["holdout"]["asked"] > 0 and tier["mixed"]["roc_auc"] is not None


@pytest.mark.slow
async def test_with_the_tier_switched_off_a_candidate_is_judged_as_served_and_its_tier_too(
        make_client, rpc, tmp_path):
    _, record, result = await retrained(make_client, rpc, tmp_path, encoder=False)
    candidate = result.report["figures"]["candidate"]
    tier = candidate["encoder"]["phishing"]["mixed"]
    assert tier["asked"] > 0 and tier["roc_auc"] is not None  # the tier on disk is judged
    # The base figures are the served (linear) tier's.
    assert candidate["base"]["mixed"]["phishing"] == pytest.approx(tier["linear_roc_auc"])
    carried = json.loads((Path(result.path) / "engine.json").read_text())["encoder"]
    assert carried["bands"] == record["bands"]  # switching it on again serves it


@pytest.mark.slow
async def test_with_the_tier_switched_off_a_tier_that_hurts_is_still_refused(
        make_client, rpc, tmp_path):
    # A stack that turns the encoder's phishing logit upside down, over every score.
    upside_down = {"low": 1e-9, "high": 1.0, "a": 0.0, "b": -4.0, "c": 0.0}
    _, _, result = await retrained(make_client, rpc, tmp_path, upside_down, encoder=False)
    assert not result.promoted, (result.verdict.reasons, result.report["figures"]["candidate"])
    assert any(r.startswith("encoder tier on base test set mixed/phishing")
               for r in result.verdict.reasons), result.verdict.reasons


def tier(with_tier: float, linear: float) -> dict:
    """Return one model's evaluation figures with the given tier and linear ROC-AUC."""
    sets = {name: {"texts": 100, "asked": 10, "changed": 2, "roc_auc": with_tier,
                   "linear_roc_auc": linear} for name in ("holdout", "mixed")}
    sets["holdout"]["roc_auc"] = 0.5  # the small holdout is reported, not gated on
    return {"holdout": {"rows": 20, "log_loss": 0.3, "f1": 0.8,
                        "log_loss_gain": {"mean": 0.1, "standard_error": 0.01}},
            "base": {"mixed": {"phishing": 0.9}}, "encoder": {"phishing": sets}}


@pytest.mark.parametrize(("with_tier", "linear", "promoted"), [
    (0.95, 0.95, True),     # better in the end, though the tier adds less than in use: served
    (0.945, 0.95, True),    # the tier costs less than the tolerance
    (0.96, 0.93, True),
    (0.935, 0.95, False),   # the tier lowers the candidate's ROC-AUC by more than the tolerance
])
def test_the_gate_refuses_a_candidate_only_where_its_tier_hurts_it(with_tier, linear, promoted):
    from spectrum_rpc.training.evaluation import judge

    # In use: the tier adds 0.02 (0.90 to 0.92); final scores are judged on `base` alone.
    verdict = judge(tier(0.92, 0.90), tier(with_tier, linear), tolerance=0.01, min_gain=0.0,
                    min_holdout=5, gain_standard_errors=2.0)
    assert verdict.promote is promoted, verdict.reasons
    refused = [r for r in verdict.reasons if r.startswith("encoder tier")]
    assert bool(refused) is not promoted
    assert all("mixed/phishing" in r for r in refused)


def test_a_tier_the_model_in_use_lacks_is_still_judged():
    from spectrum_rpc.training.evaluation import judge

    current = {**tier(0.9, 0.9), "encoder": {}}
    verdict = judge(current, tier(0.80, 0.90), tolerance=0.01, min_gain=0.0, min_holdout=5,
                    gain_standard_errors=2.0)
    assert not verdict.promote
    assert any(r.startswith("encoder tier on base test set mixed/phishing") for r in
               verdict.reasons)


def test_the_tier_figures_score_each_set_once_and_take_an_empty_holdout(tmp_path):
    from sklearn.metrics import roc_auc_score

    from spectrum_rpc.training.evaluation import base_figures, score, score_tests, tier_figures

    base = write_base(tmp_path / "base")
    model = write_model(tmp_path / "model", base)
    add_encoder(model, low=1e-9, high=1.0)  # the tiny model is sure of most texts
    engine = load_engine(model)
    samples = [Sample(r["text"], "base", r["labels"]) for r in
               map(json.loads, (base / "test_mixed.jsonl").read_text().splitlines())]
    tests = {"mixed": samples}
    scored = score_tests(engine, tests)
    assert np.array_equal(scored["mixed"].served, engine.score([s.text for s in samples]))
    column = engine.labels.index("phishing")
    y = [s.labels["phishing"] for s in samples if "phishing" in s.labels]
    known = [i for i, s in enumerate(samples) if "phishing" in s.labels]
    served = scored["mixed"].served[known, column]
    linear = scored["mixed"].linear[known, column]
    assert not np.array_equal(served, linear)  # the tier changed some scores
    # The figures are the served scores' ROC-AUC, computed here independently.
    figures = base_figures(engine, tests, scored)["mixed"]
    assert figures["phishing"] == pytest.approx(roc_auc_score(y, served))
    assert base_figures(engine, tests)["mixed"]["phishing"] == figures["phishing"]
    alone = base_figures(engine, tests, score_tests(engine.without_encoder(), tests))["mixed"]
    assert alone["phishing"] == pytest.approx(roc_auc_score(y, linear))
    figures = tier_figures(engine, [], tests, {"phishing": 0.21}, scored)["phishing"]
    assert figures["holdout"] == {"texts": 0, "asked": 0, "changed": 0, "roc_auc": None,
                                  "linear_roc_auc": None}
    assert figures["mixed"]["asked"] == scored["mixed"].asked > 0
    assert figures["mixed"]["roc_auc"] is not None
    assert score(engine.without_encoder(), ["hello"]).asked == 0


def test_one_text_and_a_batch_ask_the_encoder_alike_at_the_band_edges():
    meta = json.loads((SHIPPED_MODELS / "engine.json").read_text())
    encoder = Encoder(SHIPPED_MODELS, meta["encoder"])  # in_band never loads the session
    labels = meta["labels"]
    band, *_ = encoder.bands
    column = labels.index(band.label)
    values = [np.nextafter(band.low, 0), band.low, np.nextafter(band.low, 1), (band.low +
              band.high) / 2, np.nextafter(band.high, 0), band.high, np.nextafter(band.high, 1)]
    texts = ["x" * encoder.max_chars, "x" * (encoder.max_chars + 1), "short"]
    cases = [(t, v) for t in texts for v in values]
    rows = np.full((len(cases), len(labels)), 0.0)  # no other label in its band
    for i, (_, value) in enumerate(cases):
        rows[i, column] = value
    batch = set(encoder.in_band([t for t, _ in cases], rows, labels).tolist())
    alone = {i for i, (text, _) in enumerate(cases)
             if len(encoder.in_band([text], rows[i:i + 1], labels))}
    assert batch == alone
    expected = {i for i, (text, value) in enumerate(cases)
                if len(text) <= encoder.max_chars and band.low <= value <= band.high}
    assert batch == expected and len(expected) == 2 * 5
