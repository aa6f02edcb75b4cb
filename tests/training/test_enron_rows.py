"""Enron e-mails train the phishing label alone (issue 20, part 3).

They are appended after the vocabulary and idf are chosen; no other label may read them (not
as its own rows, not as clean negatives), the feedback fine-tuning's anchor draw must ignore
them, and the Enron subsets of training, development and test must stay apart.
"""

from __future__ import annotations

import random

import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine.lexicon import Lexicon
from spectrum_rpc.training import corpus as C
from spectrum_rpc.training import data_dir, load_corpus, recipe
from spectrum_rpc.training.corpus import ENRON, Sample
from spectrum_rpc.training.dataset import load_base
from spectrum_rpc.training.fit import ANCHOR_ROWS, _anchors
from tests.helpers.training import base_samples, fits_differ


def mails() -> list[Sample]:
    long = "subject: meeting\n" + "please find the agenda below . " * 40
    return [Sample(long, ENRON, {L.PHISHING: 0}),
            Sample("subject: cheap meds\nbuy now , best prices online", ENRON, {L.PHISHING: 1}),
            Sample("subject: lunch\nsee you at noon", ENRON, {L.PHISHING: 0})]


def test_the_rows_are_cut_to_one_window():
    rows = recipe.enron_samples(mails())
    assert len(rows[0].text) == recipe.ENRON_CHARS < len(mails()[0].text)
    assert [s.text for s in rows[1:]] == [s.text for s in mails()[1:]]
    assert [s.labels for s in rows] == [s.labels for s in mails()]


def test_the_phishing_plan_names_the_weight_of_the_rows():
    # an absent key would fall back to 1.0 unseen; shipped, an Enron row weighs as an SMS row
    assert recipe.PLANS[L.PHISHING].source_weights[ENRON] == 1.0


def test_targets_take_the_rows_for_phishing_only(monkeypatch):
    # a weight no other source has, so the rows' weights can only come from the plan
    monkeypatch.setitem(recipe.PLANS[L.PHISHING].source_weights, ENRON, 2.75)
    base = [*recipe.template_samples(), *recipe.lure_samples(),
            Sample("ok see you later", "sms", {L.PHISHING: 0}),
            Sample("win a prize now", "sms", {L.PHISHING: 1})]
    extra = recipe.enron_samples(mails())
    samples = [*base, *extra]
    for label in L.MODEL_LABELS:
        rows, y, w = recipe.targets(samples, label)
        taken = rows >= len(base)
        if label == L.PHISHING:
            assert taken.sum() == len(extra)
            assert y[taken].tolist() == [s.labels[L.PHISHING] for s in extra]
            assert set(w[taken]) == {2.75}
        else:  # an Enron ham e-mail is no other label's clean negative
            assert not taken.any()
            for a, b in zip((rows, y, w), recipe.targets(base, label), strict=True):
                assert a.tolist() == b.tolist()


def test_the_anchor_draw_ignores_the_enron_rows():
    real = [Sample(f"text {i}", "olid", {L.TOXICITY: i % 2}) for i in range(ANCHOR_ROWS * 3)]
    assert _anchors([*real, *mails()]) == _anchors(real)
    assert not any(s.source == ENRON for s in _anchors([*real[:10], *mails()]))


def test_training_with_the_rows_changes_the_phishing_fit_alone():
    train = base_samples(random.Random(0), 600)
    runs = [recipe.train(C.Corpus(train, {}, {}, phishing_rows=rows), Lexicon([]),
                         log=lambda _: None, stacked=False, contrasts=False)
            for rows in ([], mails() * 4)]
    assert fits_differ(*runs) == [L.PHISHING]


@pytest.fixture(scope="module")
def corpus():
    root = data_dir()
    if not (root / "spam" / "enron").is_dir():
        pytest.skip(f"../shared/data not found: {root}")
    return load_corpus(root)


def test_the_subsets_stay_apart(corpus):
    train = {s.text for s in corpus.phishing_rows}
    dev = {s.text for s in corpus.development["enron_dev"]}
    test = {s.text for s in corpus.tests["enron_test"]}
    assert not any(s.source == ENRON for s in corpus.train)
    if not C.ENRON_TRAINING:  # the shipped model: enron1 and enron3 are development
        assert not train and len(dev) > 10_000 - 20
        return
    assert len(corpus.phishing_rows) == 5172  # enron1: 3,672 ham, 1,500 spam
    assert sum(s.labels[L.PHISHING] for s in corpus.phishing_rows) == 1500
    assert len(corpus.development["enron_dev"]) == 5512  # enron3
    assert len(train & dev) < 20  # the development subset judges e-mails it never saw
    # The same spam reached several mailboxes: 229 of enron1's texts are in the test subsets
    # too (scripts/evaluate_spam.py --test reports the test part without them as well).
    assert len(train & test) < 250


def test_the_split_follows_the_switch_when_the_corpus_is_loaded(monkeypatch):
    # shipped since 2026.12.06-spamkind-1 (docs/BENCHMARKS.md, "Enron-Spam with a length-aware
    # phishing calibration"): enron1 trains the phishing label
    assert C.ENRON_TRAINING is True
    assert C.enron_split() == (("enron1",), ("enron3",))
    monkeypatch.setattr(C, "ENRON_TRAINING", False)  # read at call time, not at import
    assert C.enron_split() == ((), ("enron1", "enron3"))
    assert C.enron_split(True) == (("enron1",), ("enron3",))


def test_the_switch_on_moves_enron1_from_development_to_training(corpus, monkeypatch):
    monkeypatch.setattr(C, "ENRON_TRAINING", True)
    on = load_corpus(data_dir())
    assert len(on.phishing_rows) == 5172 and len(on.development["enron_dev"]) == 5512
    assert sum(s.labels[L.PHISHING] for s in on.phishing_rows) == 1500
    assert len(on.development["enron_dev"]) + len(on.phishing_rows) == len(
        corpus.development["enron_dev"]) + len(corpus.phishing_rows)
    assert [s.text for s in on.train] == [s.text for s in corpus.train]


def test_the_base_corpus_ends_with_the_enron_rows(corpus, monkeypatch):
    """The feedback fine-tuning's base corpus appends the rows in `recipe.train`'s order: the
    written rows, then the Enron e-mails last."""
    monkeypatch.setattr(C, "ENRON_TRAINING", False)
    off = load_base(data_dir()).train
    monkeypatch.setattr(C, "ENRON_TRAINING", True)
    on = load_base(data_dir()).train
    rows = recipe.enron_samples(load_corpus(data_dir()).phishing_rows)
    assert rows and on == [*off, *rows]
