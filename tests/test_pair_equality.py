"""A threshold pair's `derived` flag is part of its equality and hash: a pair whose review
was derived from reject and one whose review was given at the same value decide alike today
but differ when only reject changes, so they are different settings."""

from __future__ import annotations

from spectrum_rpc.analysis.policy import parse_pair
from spectrum_rpc.settings import load_settings
from spectrum_rpc.thresholds import Pair


def test_derived_is_part_of_equality_and_hash():
    derived, given = Pair.of_reject(0.4), Pair(0.4, 0.3)
    assert (derived.reject, derived.review) == (given.reject, given.review)
    assert derived != given
    assert len({derived, given}) == 2
    assert derived == Pair(0.4, 0.3, derived=True)
    assert hash(derived) == hash(Pair(0.4, 0.3, derived=True))


def test_the_two_pairs_behave_differently_when_only_reject_changes():
    derived, given = Pair.of_reject(0.4), Pair(0.4, 0.3)
    assert parse_pair("toxicity", {"reject": 0.8}, derived) == Pair(0.8, 0.6, derived=True)
    assert parse_pair("toxicity", {"reject": 0.8}, given) == Pair(0.8, 0.3)


def test_settings_differing_only_in_how_a_review_was_written_differ():
    one_number = load_settings(environ={"SPECTRUM_RPC_THRESHOLDS_TOXICITY": "0.4"})
    both = load_settings(environ={"SPECTRUM_RPC_THRESHOLDS_TOXICITY": "0.4,0.3"})
    assert one_number.thresholds.toxicity.review == both.thresholds.toxicity.review
    assert one_number != both
    assert one_number == load_settings(environ={"SPECTRUM_RPC_THRESHOLDS_TOXICITY": "0.4"})
