"""scripts/evaluate_bands.py: the development figures that bands are chosen by."""

from __future__ import annotations

import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import SHIPPED_MODELS
from spectrum_rpc.training import contrast
from spectrum_rpc.training.corpus import Sample
from tests.helpers.scripts import load_script


@pytest.fixture(scope="module")
def evaluate_bands():
    return load_script("evaluate_bands")


def test_each_source_and_both_means_are_reported(evaluate_bands):
    comments = [Sample("you are a complete waste of space", "olid_dev", {L.TOXICITY: 1}),
                Sample("what a lovely morning for a walk", "olid_dev", {L.TOXICITY: 0}),
                Sample("thanks, see you at the meeting", "olid_dev", {L.TOXICITY: 0}),
                Sample("shut up you pathetic idiot", "olid_dev", {L.TOXICITY: 1}),
                *(Sample(f"the bus to town leaves at {h} o'clock", "olid_dev", {L.TOXICITY: 0})
                  for h in range(1, 7))]
    development = {"olid_dev": comments,
                   contrast.DEV_SOURCE: contrast.development_samples()[:120]}
    lines = evaluate_bands.lines_for(SHIPPED_MODELS, development, labels=(L.TOXICITY,))
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines
            if line.startswith("| toxicity")]
    sources = [row[3] for row in rows]
    assert sources == ["olid_dev", contrast.DEV_SOURCE, "**mean without the draw**",
                       "**mean with the draw**"]
    n = {row[3]: row[4] for row in rows[:2]}
    assert n["olid_dev"] == "10"  # 2 toxic among 8 harmless: a quarter at most
    # the shipped model has no toxicity band: nothing is sent to the encoder for it
    assert all(row[1] == "none" and row[2] == "0.0%" for row in rows)
    f1 = [float(row[7].strip("*")) for row in rows]
    assert all(0.0 <= v <= 1.0 for v in f1)
    assert f1[2] == pytest.approx(f1[0], abs=1e-4)
    assert f1[3] == pytest.approx((f1[0] + f1[1]) / 2, abs=1e-4)
