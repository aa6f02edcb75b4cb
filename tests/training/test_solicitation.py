"""The sexual solicitation training sentences (`training.solicitation`) and how the linear tier
takes them in (`training.recipe`)."""

from __future__ import annotations

from collections import Counter

from spectrum_rpc import labels as L
from spectrum_rpc.training import recipe, solicitation
from tests.helpers.training import table_overlaps


def test_the_rows_are_the_same_for_a_seed_and_change_with_it():
    first = solicitation.solicitation_rows()
    assert first == solicitation.solicitation_rows()
    assert solicitation.solicitation_samples() == solicitation.solicitation_samples()
    assert solicitation.solicitation_rows(seed=solicitation.SEED + 1) != first


def test_each_kind_gets_its_count_of_distinct_texts():
    rows = solicitation.solicitation_rows()
    counts = Counter(kind for kind, _ in rows)
    assert set(counts) == set(solicitation.KINDS)
    for kind, wanted in solicitation.PER_KIND.items():
        assert 0.8 * wanted <= counts[kind] <= wanted, (kind, counts[kind])
    texts = [text.lower() for _, text in rows]
    assert len(set(texts)) == len(texts)
    positives = sum(solicitation.KINDS[kind] for kind, _ in rows)
    assert 0.35 <= positives / len(rows) <= 0.6


def test_samples_label_sexual_only_as_their_kind_says():
    rows, samples = solicitation.solicitation_rows(), solicitation.solicitation_samples()
    assert [s.text for s in samples] == [text for _, text in rows]
    for (kind, _), sample in zip(rows, samples, strict=True):
        assert sample.source == solicitation.SOURCE
        assert sample.labels == {L.SEXUAL: solicitation.KINDS[kind]}
    assert {k for k, v in solicitation.KINDS.items() if v} == {
        "explicit_request", "undress", "proposition"}


def test_requests_and_look_alikes_share_their_asking_words():
    by_kind: dict[str, list[str]] = {}
    for kind, text in solicitation.solicitation_rows():
        by_kind.setdefault(kind, []).append(text.lower())
    for ask in ("send me", "dm me", "show me", "snap me"):
        assert any(ask in t for t in by_kind["explicit_request"]), ask
        assert any(ask in t for t in by_kind["photo_request"] + by_kind["file_request"]), ask
    for word in ("nude", "naked", "underwear", "sex"):
        assert any(word in t for k, v in by_kind.items() if solicitation.KINDS[k] for t in v)
        assert any(word in t for k, v in by_kind.items() if not solicitation.KINDS[k]
                   for t in v), word


def test_no_text_and_no_run_of_five_words_is_shared_with_the_functional_table():
    assert table_overlaps(text for _, text in solicitation.solicitation_rows()) == []


def test_the_sexual_plan_weighs_the_rows_and_no_other_plan_reads_them():
    plan = recipe.PLANS[L.SEXUAL]
    # the plan is where the weight lives; shipped, the rows weigh as the templates do
    assert plan.source_weights[solicitation.SOURCE] == plan.source_weights["templates"] == 1.0
    for label, other in recipe.PLANS.items():
        if label != L.SEXUAL:
            assert solicitation.SOURCE not in other.source_weights
            assert solicitation.SOURCE not in other.negatives_from


def test_targets_take_the_rows_for_sexual_only(monkeypatch):
    # a weight no other source has, so the rows' weights can only come from the plan
    monkeypatch.setitem(recipe.PLANS[L.SEXUAL].source_weights, solicitation.SOURCE, 2.75)
    base = [*recipe.template_samples(), *recipe.lure_samples()]
    extra = solicitation.solicitation_samples()
    samples = [*base, *extra]
    for label in L.MODEL_LABELS:
        rows, y, w = recipe.targets(samples, label)
        before = recipe.targets(base, label)
        taken = rows[rows >= len(base)]
        if label == L.SEXUAL:
            assert len(taken) == len(extra)
            assert y[rows >= len(base)].tolist() == [s.labels[L.SEXUAL] for s in extra]
            assert set(w[rows >= len(base)]) == {2.75}
        else:
            assert len(taken) == 0
            for a, b in zip((rows, y, w), before, strict=True):
                assert a.tolist() == b.tolist()
