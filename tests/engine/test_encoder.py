"""The encoder tier (issue 20, part 3): shipped with its manifest, asked only for texts near a
threshold, switchable, and run in the engine's child process."""

import json

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import (
    ENCODER_FILE,
    ENCODER_MAX_CHARS,
    ENCODER_TOKENIZER_FILE,
    ENGINE_FILE,
    MANIFEST,
    SHIPPED_MODELS,
    load_engine,
)
from spectrum_rpc.engine.worker import EngineProcess
from spectrum_rpc.settings import ThresholdSettings

TEXTS = [
    "a", "ok", "hello, how are you today?", "you are a complete idiot",
    "people like you should not be allowed to vote", "send me nudes",
    "WINNER!! claim your free prize now, call 09061701461", "i will find you and hurt you",
    "what a fucking great game that was", "thanks for the report, see you tomorrow",
    "go back to where you came from", "click here to verify your account password",
]


@pytest.fixture(scope="module")
def engine():
    return load_engine()


def test_the_encoder_ships_in_the_manifest_with_its_tokenizer():
    meta = json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())
    listed = json.loads((SHIPPED_MODELS / MANIFEST).read_text())["sha256"]
    assert meta["encoder"]["files"] == [ENCODER_FILE, ENCODER_TOKENIZER_FILE]
    assert {ENCODER_FILE, ENCODER_TOKENIZER_FILE} <= set(listed)
    assert (SHIPPED_MODELS / ENCODER_FILE).stat().st_size < 40_000_000


def test_the_served_thresholds_stay_the_settings_defaults():
    """The stack's intercept carries the threshold it chose, so the defaults hold with the
    tier on or off."""
    meta = json.loads((SHIPPED_MODELS / ENGINE_FILE).read_text())
    defaults = ThresholdSettings()
    assert meta["encoder"]["thresholds"] == {label: getattr(defaults, label).reject
                                             for label in meta["encoder"]["heads"]}


def test_only_texts_in_a_band_reach_the_encoder_and_only_their_band_labels_change(engine):
    linear = engine.linear_scores(TEXTS)
    served = engine.score(TEXTS)
    asked = set(engine.encoder.in_band(TEXTS, linear, engine.labels).tolist())
    for i in range(len(TEXTS)):
        if i not in asked:
            assert np.array_equal(served[i], linear[i]), TEXTS[i]
    for band in engine.encoder.bands:
        column = engine.labels.index(band.label)
        inside = (linear[:, column] >= band.low) & (linear[:, column] <= band.high)
        assert np.array_equal(served[~inside, column], linear[~inside, column])
        if inside.any():
            texts = [t for t, keep in zip(TEXTS, inside, strict=True) if keep]
            z = engine.encoder.logits(texts)[:, band.head]
            assert np.allclose(served[inside, column], band.combine(linear[inside, column], z))
    untouched = [engine.labels.index(label) for label in (L.HATE, L.PROFANITY)]
    assert np.array_equal(served[:, untouched], linear[:, untouched])


def test_a_clear_text_is_not_sent_to_the_encoder(engine):
    before = engine.encoder.asked
    texts = ["thanks for the report, see you tomorrow"] * 3
    rows = engine.linear_scores(texts)
    if len(engine.encoder.in_band(texts, rows, engine.labels)):
        pytest.fail(f"an ordinary sentence lies in a band: {rows[0]}")
    engine.score(texts)
    assert engine.encoder.asked == before


def test_long_texts_keep_the_worst_window_rule(engine):
    text = "you are a complete idiot and " * (ENCODER_MAX_CHARS // 20)
    assert len(text) > ENCODER_MAX_CHARS
    assert not len(engine.encoder.in_band([text], np.full((1, len(engine.labels)), 0.5),
                                          engine.labels))
    assert np.array_equal(engine.score([text]), engine.linear_scores([text]))


def test_switched_off_the_engine_scores_with_the_linear_tier_alone(engine):
    off = engine.without_encoder()
    assert off.encoder is None and engine.encoder is not None
    assert np.array_equal(off.score(TEXTS), engine.linear_scores(TEXTS))


def test_a_text_scores_the_same_whatever_its_batch(engine):
    """Dynamic quantisation scales per call: each text is its own call, so a text's score
    does not depend on the texts batched with it."""
    together = engine.score(TEXTS)
    alone = np.concatenate([engine.score([t]) for t in TEXTS])
    assert np.array_equal(together, alone)
    assert np.array_equal(engine.score(TEXTS[::-1])[::-1], together)


@pytest.mark.slow
@pytest.mark.parametrize("encoder", [True, False])
async def test_the_engine_process_runs_the_tier_unless_switched_off(engine, encoder):
    process = EngineProcess(SHIPPED_MODELS, engine.version, encoder=encoder)
    await process.start()
    try:
        import asyncio

        future = asyncio.get_running_loop().create_future()
        process.submit(TEXTS, lambda rows, error: future.set_result((rows, error)))
        rows, error = await future
    finally:
        await process.close()
    assert error is None
    expected = engine.score(TEXTS) if encoder else engine.linear_scores(TEXTS)
    got = np.array([[row[label] for label in engine.labels] for row in rows])
    assert np.allclose(got, expected, atol=1e-9)
