"""scripts/calibrate_length.py refuses a label with a stack: it folds the short fit into the
weights and bias only, so the stack's terms would keep the old scale."""

from __future__ import annotations

import pytest

from tests.helpers.scripts import load_script
from tests.helpers.training import write_base, write_model


def test_a_stacked_label_is_refused_before_anything_is_fitted(tmp_path):
    script = load_script("calibrate_length")
    model = write_model(tmp_path / "model", write_base(tmp_path / "base"), stacked=True)
    # The tiny model's stack is on toxicity; the shipped ones have none on phishing yet.
    script.LONG_LABELS = ("toxicity",)
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="toxicity has a stack"):
        script.main(["--models", str(model), "--out", str(out), "--chars", "400",
                     "--data-dir", str(tmp_path / "no-data")])
    assert not out.exists()
