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


def test_on_the_data_the_encoder_trains_on_no_test_post_but_the_known_duplicates():
    """The posts file holds some texts twice under different ids; the corpus halves posts, not
    texts, so its development and test parts share 56 texts, 34 of them in the encoder's half
    (the model card says so). No other test text is trained on."""
    root = data_dir()
    if not (root / "toxicity" / "toxic_spans").is_dir():
        pytest.skip(f"../shared/data not found: {root}")
    corpus = load_corpus(root)
    development = corpus.development["toxic_spans_dev"]
    fit, held = spans_split(development)
    assert fit and held
    tested = {s.text for s in corpus.tests["toxic_spans_test"]}
    shared = tested & {s.text for s in development}
    assert tested & {s.text for s in fit} <= shared
    assert len(tested & {s.text for s in fit}) <= 34
    others = {s.text for name, rows in corpus.tests.items() if name != "toxic_spans_test"
              for s in rows}
    assert not others & {s.text for s in fit}
