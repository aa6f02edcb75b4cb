"""The encoder's share of the toxic spans development part (issue 20, part 3): the encoder trains
on one half, its band is fitted on the other, and neither touches a test part."""

import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.training import data_dir, load_corpus
from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.encoder import SPANS_FIT, band_development, spans_split


def _posts(n: int, positives: int) -> list[Sample]:
    return [Sample(f"post {i}", "toxic_spans", {L.TOXICITY: int(i < positives)})
            for i in range(n)]


def test_the_split_is_disjoint_complete_stratified_and_fixed():
    posts = _posts(400, 100)
    fit, held = spans_split(posts)
    assert {s.text for s in fit}.isdisjoint(s.text for s in held)
    assert len(fit) + len(held) == len(posts)
    assert len(fit) == pytest.approx(SPANS_FIT * len(posts), abs=1)
    assert sum(s.labels[L.TOXICITY] for s in fit) == pytest.approx(SPANS_FIT * 100, abs=1)
    again, _ = spans_split(posts)
    assert [s.text for s in again] == [s.text for s in fit]


def test_the_band_is_fitted_without_the_rows_the_encoder_trained_on():
    posts = _posts(200, 50)
    other = [Sample("a tweet", "olid_val", {L.TOXICITY: 0})]
    fit, held = spans_split(posts)
    development = band_development({"toxic_spans_dev": posts, "olid_val": other})
    assert [s.text for s in development["toxic_spans_dev"]] == [s.text for s in held]
    assert development["olid_val"] == other
    assert band_development({"olid_val": other}) == {"olid_val": other}


def test_on_the_data_the_encoder_never_trains_on_a_test_post():
    root = data_dir()
    if not (root / "toxicity" / "toxic_spans").is_dir():
        pytest.skip(f"../shared/data not found: {root}")
    corpus = load_corpus(root)
    fit, held = spans_split(corpus.development["toxic_spans_dev"])
    tested = {s.text for s in corpus.tests["toxic_spans_test"]}
    assert fit and held
    assert not tested & {s.text for s in fit}
