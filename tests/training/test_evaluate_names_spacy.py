"""scripts/evaluate_names.py --spacy: spaCy's reference rows (spaCy is no dependency of the
project, so only what runs without it is tested here)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from spectrum_rpc.training import names as T
from tests.helpers.scripts import load_script


@pytest.fixture(scope="module")
def evaluate_names():
    return load_script("evaluate_names")


def test_without_spacy_the_run_stops_at_once_saying_why(evaluate_names, monkeypatch, tmp_path,
                                                        capsys):
    # None in sys.modules makes `import spacy` raise ImportError, installed or not.
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(SystemExit) as stopped:
        # An empty data directory: the check comes before anything is read.
        evaluate_names.main(["--data-dir", str(tmp_path), "--spacy", "en_core_web_sm"])
    assert "--spacy needs spaCy, which is no dependency of spectrum-rpc" in str(stopped.value)
    assert capsys.readouterr().out == ""


def test_spacy_entities_decode_back_to_their_own_spans(evaluate_names):
    # Adjacent entities stay two (P(begin) splits them), as the shared decoder reads them.
    spans = [(0, 2), (2, 3), (5, 7)]
    p, b = evaluate_names.span_probabilities(8, spans)
    assert T.predicted_entities(p, b, 0.5) == set(spans)
    np.testing.assert_array_equal(p, [1, 1, 1, 0, 0, 1, 1, 0])
