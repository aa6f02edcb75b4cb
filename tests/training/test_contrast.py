"""The contrastive training sentences (`training.contrast`): the rows themselves, the linear
tier's use of them (toxicity only; `recipe.CONTRAST_ROWS` and `CONTRAST_IN_STACK` off as
shipped, read when training runs) and the "mix2" encoder recipe's draws. Helpers from
`tests.helpers.training`: `base_samples` (a small corpus), `fits_differ` (which labels two
trainings fit differently), `table_overlaps` (no row repeats the functional table)."""

from __future__ import annotations

import random
import re
from collections import Counter

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine.lexicon import Lexicon
from spectrum_rpc.training import contrast, recipe, solicitation
from spectrum_rpc.training.corpus import Corpus, Sample
from spectrum_rpc.training.stacking import stack_rows
from tests.helpers.scripts import load_script
from tests.helpers.training import base_samples, fits_differ, table_overlaps

SWEARS = re.compile(r"fuck|shit|damn|bloody|freaking|effing|bleeding|hell|crap|bastard|git|"
                    r"slob|mess|dork|sod|idiot", re.IGNORECASE)


@pytest.fixture(scope="module")
def train_encoder():
    return load_script("train_encoder")


def test_the_rows_are_the_same_for_a_seed_and_change_with_it():
    first, again = contrast.contrast_rows(), contrast.contrast_rows()
    assert first == again
    assert contrast.contrast_samples() == contrast.contrast_samples()
    other = contrast.contrast_rows(seed=contrast.SEED + 1)
    assert other != first


def test_each_kind_gets_its_count_of_distinct_texts():
    rows = contrast.contrast_rows()
    assert Counter(kind for kind, _ in rows) == contrast.PER_KIND
    texts = [text.lower() for _, text in rows]
    assert len(set(texts)) == len(texts)
    assert 1000 <= len(rows) <= 2000


def test_samples_are_labelled_as_their_kind_says():
    rows, samples = contrast.contrast_rows(), contrast.contrast_samples()
    assert [s.text for s in samples] == [text for _, text in rows]
    for (kind, text), sample in zip(rows, samples, strict=True):
        assert sample.source == contrast.SOURCE
        assert sample.labels[L.TOXICITY] == contrast.KINDS[kind], (kind, text)
        assert sample.labels[L.SEXUAL] == 0
        assert sample.labels.get(L.PHISHING) == (0 if kind == "ordinary_link" else None)
    positives = {k for k, v in contrast.KINDS.items() if v}
    assert positives == {"attack", "insult", "swear_at", "threat"}


def test_pairs_share_their_words_across_the_label():
    rows = contrast.contrast_rows()
    by_kind: dict[str, list[str]] = {}
    for kind, text in rows:
        by_kind.setdefault(kind, []).append(text.lower())
    # every degrading claim appears both asserted (toxic) and denied or reported (harmless)
    for claim in contrast.CLAIMS:
        assert any(claim in t for t in by_kind["attack"]), claim
        assert any(claim in t for t in by_kind["condemn"]), claim
    # the same insult words aimed at someone and quoted by their target
    insults = [i for i in contrast.SLURS_OF_NO_GROUP if i.isalpha()]
    for word in insults:
        assert any(re.search(rf"\b{word}\b", t) for t in by_kind["insult"] + by_kind["swear_at"])
        assert any(re.search(rf"\b{word}\b", t) for t in by_kind["report"]), word
    # swearing that insults nobody holds a swear word; ordinary messages hold a link
    assert all(SWEARS.search(t) for t in by_kind["swear_emphasis"])
    assert all(re.search(r"https?://|www\.|\.com/", t) for t in by_kind["ordinary_link"])


def test_the_linear_tier_takes_the_rows_for_toxicity_only(monkeypatch):
    # a weight no other source has, so the rows' weights can only come from the plan
    monkeypatch.setitem(recipe.PLANS[L.TOXICITY].source_weights, contrast.SOURCE, 2.75)
    rows, samples = contrast.contrast_rows(), contrast.toxicity_samples()
    assert [(s.source, s.text, s.labels) for s in samples] == [
        (contrast.SOURCE, text, {L.TOXICITY: contrast.KINDS[kind]}) for kind, text in rows]
    base = [*recipe.template_samples(), *recipe.lure_samples(),
            *solicitation.solicitation_samples()]
    for label in L.MODEL_LABELS:
        taken_rows, y, w = recipe.targets([*base, *samples], label)
        before = recipe.targets(base, label)
        taken = taken_rows >= len(base)
        if label == L.TOXICITY:
            assert taken.sum() == len(samples)
            assert y[taken].tolist() == [contrast.KINDS[kind] for kind, _ in rows]
            assert set(w[taken]) == {2.75}
        else:
            assert not taken.any()
            for a, b in zip((taken_rows, y, w), before, strict=True):
                assert a.tolist() == b.tolist()
    # no clean-negative pool of any label holds a contrast row
    pools = recipe._pools([*base, *samples])
    assert all(i < len(base) for pool in pools.values() for i in pool)


def test_the_shipped_recipe_has_no_contrast_rows():
    # measured at weight 1 outside the stack and not shipped (docs/BENCHMARKS.md, "Contrastive
    # toxicity rows in the linear tier")
    assert recipe.CONTRAST_ROWS is False and recipe.CONTRAST_IN_STACK is False
    assert recipe.PLANS[L.TOXICITY].source_weights[contrast.SOURCE] == 1.0
    assert recipe.written_samples() == solicitation.solicitation_samples()


def test_training_with_the_rows_changes_the_toxicity_fit_alone():
    corpus = Corpus(base_samples(random.Random(0), 600), {}, {})
    runs = [recipe.train(corpus, Lexicon([]), log=lambda _: None, stacked=False, contrasts=on)
            for on in (False, True)]
    assert fits_differ(*runs) == [L.TOXICITY]


def test_the_switches_are_read_when_called(monkeypatch):
    # a driver sets the constants after import (docs/BENCHMARKS.md's run_variant.py)
    monkeypatch.setattr(recipe, "CONTRAST_ROWS", True)
    assert recipe.written_samples() == recipe.written_samples(contrasts=True)
    assert recipe.written_samples(contrasts=False) == solicitation.solicitation_samples()


def test_the_stack_takes_the_rows_only_when_switched_on_and_present(monkeypatch):
    base = [*recipe.template_samples(), *solicitation.solicitation_samples()]
    rows = [*base, *contrast.toxicity_samples()]
    assert recipe.stacked_written(rows) is None  # shipped: off
    monkeypatch.setattr(recipe, "CONTRAST_IN_STACK", True)
    assert recipe.stacked_written(base) is None  # no contrast row: the model is unchanged
    assert recipe.stacked_written(rows) == (contrast.SOURCE, 1.0)
    # the weight is the plan's as it is when called
    monkeypatch.setitem(recipe.PLANS[L.TOXICITY].source_weights, contrast.SOURCE, 3.0)
    assert recipe.stacked_written(rows) == (contrast.SOURCE, 3.0)


def test_the_stack_rows_with_and_without_written_rows():
    sources = ["contrast", "olid_train", "davidson", "templates", "moderation", "olid_train",
               "contrast", "templates", "moderation", "contrast"]
    samples = [Sample(f"text {i}", source, {L.TOXICITY: i % 2}) for i, source in
               enumerate(sources)]
    rows = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9])  # sample 8 is not among the label's rows
    chosen, kind, fixed, counts = stack_rows(samples, rows, 2.0)
    # positions in `rows`: OLID train (1, 5), moderation (4), templates (3, 7)
    assert chosen.tolist() == [1, 5, 4, 3, 7]
    assert kind.tolist() == [0, 0, 1, 2, 2]
    assert fixed.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0]
    assert counts == {"olid_train": 2, "moderation": 1, "templates": 2}
    chosen, kind, fixed, counts = stack_rows(samples, rows, 2.0, (contrast.SOURCE, 0.5))
    # the written rows come last, at their own weight (sample 9 is row 8)
    assert chosen.tolist() == [1, 5, 4, 3, 7, 0, 6, 8]
    assert kind.tolist() == [0, 0, 1, 2, 2, 3, 3, 3]
    assert fixed.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 0.5, 0.5, 0.5]
    assert counts == {"olid_train": 2, "moderation": 1, "templates": 2, contrast.SOURCE: 3}
    assert [samples[rows[k]].source for k in chosen[kind == 3]] == [contrast.SOURCE] * 3


def test_training_follows_the_switch_set_after_import(monkeypatch):
    corpus = Corpus(base_samples(random.Random(0), 600), {}, {})
    off = recipe.train(corpus, Lexicon([]), log=lambda _: None, stacked=False)
    monkeypatch.setattr(recipe, "CONTRAST_ROWS", True)
    on = recipe.train(corpus, Lexicon([]), log=lambda _: None, stacked=False)
    assert fits_differ(off, on) == [L.TOXICITY]


def test_no_text_and_no_run_of_five_words_is_shared_with_the_functional_table():
    # the training rows only: the development draw fits the (unshipped) encoder's stack and
    # is never trained on
    assert table_overlaps(text for _, text in contrast.contrast_rows()) == []


def test_mix2_gives_the_contrast_rows_their_share_and_keeps_mix(train_encoder):
    mix, mix2 = train_encoder.MIXES["mix"], train_encoder.MIXES["mix2"]
    assert mix is train_encoder.MIX and "contrast" not in mix
    assert sum(mix.values()) == pytest.approx(1.0)
    assert sum(mix2.values()) == pytest.approx(1.0)
    assert mix2["contrast"] == train_encoder.CONTRAST_SHARE
    for group, share in mix.items():
        assert mix2[group] == pytest.approx(share * (1 - train_encoder.CONTRAST_SHARE))
    assert set(train_encoder.RECIPES) == {"encoder-1", "mix", "mix2"}


def test_sampling_order_draws_each_group_its_share(train_encoder):
    groups = [g for g in sorted(train_encoder.MIX2) for _ in range(50)]
    order = train_encoder.sampling_order(groups, 3200, mix=train_encoder.MIX2)
    assert np.array_equal(order, train_encoder.sampling_order(groups, 3200,
                                                              mix=train_encoder.MIX2))
    drawn = Counter(groups[i] for i in order)
    assert drawn["contrast"] == round(train_encoder.CONTRAST_SHARE * 3200)
    assert drawn["olid"] == round(train_encoder.MIX2["olid"] * 3200)
    # the "mix" recipe has no share for the contrast rows: they are refused, not dropped
    with pytest.raises(ValueError, match="contrast"):
        train_encoder.sampling_order(groups, 3200)
