"""The worst-part rule at several window scales (issue 20): a short toxic part or explicit
material spread through a long harmless text is caught, long harmless text is not flagged,
and texts of one window score as they always did."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from spectrum_rpc.engine import SCALES, Engine, Scale, fits_one_window
from spectrum_rpc.engine.windows import edges, spans
from spectrum_rpc.settings import ThresholdSettings

SERVED = ThresholdSettings()
HARMLESS = [
    "The committee met on Tuesday to review the budget for the new library wing.",
    "We walked along the river after lunch and watched the boats go by.",
    "My sister is learning to bake bread and the kitchen smells wonderful.",
    "The train was late again, so I read a chapter of my book on the platform.",
    "Our team finished the quarterly report and sent it to the board.",
    "The garden needs water every evening during the summer months.",
    "He fixed the bicycle chain and cleaned the gears before the ride.",
    "The museum opens a new exhibition about ancient maps next month.",
]
EXPLICIT = [
    "She slowly took off her clothes and he kissed her naked breasts.",
    "They had hot sex on the couch until she moaned and came.",
    "He licked her wet pussy while she stroked his hard cock.",
]
INSULT = "You are a pathetic worthless idiot."


def first_scale_only(engine: Engine) -> Engine:
    """A copy of the engine scoring long texts as before the scales (512-char windows)."""
    before = copy.copy(engine)
    before.scales = SCALES[:1]
    return before


def column(engine: Engine, label: str) -> int:
    return engine.labels.index(label)


def story(between: int) -> str:
    """The explicit sentences, each after `between` harmless ones."""
    parts: list[str] = []
    for i, sentence in enumerate(EXPLICIT):
        parts += [HARMLESS[(3 * i + k) % len(HARMLESS)] for k in range(between)]
        parts.append(sentence)
    return " ".join(parts + HARMLESS[:between])


def test_explicit_material_spread_through_a_story_is_caught(engine):
    text = story(3)
    sexual = column(engine, "sexual")
    assert not fits_one_window(text)
    assert first_scale_only(engine).score([text])[0, sexual] < SERVED.sexual.reject
    assert engine.score([text])[0, sexual] >= SERVED.sexual.reject


@pytest.mark.parametrize("repeat", [2, 6, 40])  # about 1.7 KB to 40 KB: both scoring paths
def test_a_short_insult_inside_long_harmless_text_is_caught(engine, repeat):
    filler = " ".join(HARMLESS * repeat)
    middle = filler.find(" ", len(filler) // 2)
    text = filler[:middle] + " " + INSULT + filler[middle:]
    toxicity = column(engine, "toxicity")
    assert first_scale_only(engine).score([text])[0, toxicity] < SERVED.toxicity.reject
    assert engine.score([text])[0, toxicity] >= SERVED.toxicity.reject


@pytest.mark.parametrize("repeat", [2, 6, 40])
def test_long_harmless_text_is_not_flagged(engine, repeat):
    (row,) = engine.score([" ".join(HARMLESS * repeat)])
    for label in ("toxicity", "sexual", "phishing"):
        assert row[column(engine, label)] < getattr(SERVED, label).reject, label


def test_a_scale_counts_only_for_its_labels(engine):
    text = " ".join(HARMLESS * 3) + " " + INSULT + " " + story(2)
    before, after = first_scale_only(engine).score([text])[0], engine.score([text])[0]
    touched = set().union(*(s.labels for s in SCALES[1:]))
    for label in engine.labels:
        k = column(engine, label)
        if label in touched:
            assert after[k] >= before[k], label
        else:
            assert after[k] == before[k], label  # phishing, profanity, ...
    assert after[column(engine, "toxicity")] > before[column(engine, "toxicity")]


def test_texts_of_one_window_score_the_same_under_any_scales(engine):
    texts = [INSULT, EXPLICIT[0], HARMLESS[0] * 10, "a", ""]
    assert all(map(fits_one_window, texts))
    mixed = texts + [story(5)]  # a long text in the batch takes the windowed path
    assert np.array_equal(engine.score(mixed)[:-1], first_scale_only(engine).score(texts))


def test_the_stream_path_scores_each_scale_as_windows_alone(engine):
    text = " ".join(HARMLESS * 300) + " " + story(2) + " " + INSULT  # over 16 KB: streamed
    whole = engine.score([text])[0]
    worst = np.zeros(len(engine.labels))
    for scale in SCALES:
        mask = [scale.labels is None or label in scale.labels for label in engine.labels]
        assert np.where(mask, worst, 0.0).max() >= scale.gate  # the gates open for this text
        parts = [text[a:b] for a, b in spans(text, scale.size, scale.overlap, scale.wide)]
        long = (np.full(len(parts), len(text) > engine.length.chars)  # the long calibration
                if engine.length is not None else None)
        rows = engine._rows(*engine._featurizer.featurize(parts), long=long).max(axis=0)
        worst = np.maximum(worst, np.where(mask, rows, 0.0))
    assert whole == pytest.approx(worst, rel=0, abs=1e-12)


@pytest.mark.parametrize("scale", SCALES, ids=lambda s: f"{s.size}/{s.overlap}")
def test_windows_cover_the_text_and_overlap_as_the_scale_says(scale):
    text = " ".join(HARMLESS * 50)
    cut = list(spans(text, scale.size, scale.overlap, scale.wide))
    assert cut[0][0] == 0 and cut[-1][1] == len(text)
    for (a, b), (c, d) in zip(cut, cut[1:], strict=False):
        assert a < c <= b < d  # each window starts inside the previous one and ends later
        shared = b - c
        assert shared <= scale.overlap
        if scale.wide:
            assert shared >= scale.overlap - 20  # about `overlap` chars, to a word
    assert edges(text, cut) is not None  # every inner edge at a space: streamable


def test_a_gated_scale_skips_texts_that_show_none_of_its_labels(engine):
    gated = [s for s in SCALES if s.gate > 0]
    assert gated
    text = " ".join(HARMLESS * 40)  # sexual about 0.01 in every window: no gate opens
    sexual = column(engine, "sexual")
    ungated = copy.copy(engine)
    ungated.scales = [Scale(s.size, s.overlap, s.labels, s.wide) for s in SCALES]
    assert engine.score([text])[0, sexual] < min(s.gate for s in gated)
    below = first_scale_only(engine)
    below.scales = [s for s in SCALES if s.gate == 0]
    assert engine.score([text])[0, sexual] == below.score([text])[0, sexual]
    # ... while explicit material spread thinly opens them
    assert engine.score([story(3)])[0, sexual] == ungated.score([story(3)])[0, sexual]
