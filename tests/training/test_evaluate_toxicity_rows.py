"""scripts/evaluate_toxicity_rows.py: its flags (the hand-written set is checked up front)."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine import SHIPPED_MODELS
from tests.helpers.scripts import load_script


@pytest.fixture(scope="module")
def evaluate_toxicity_rows():
    return load_script("evaluate_toxicity_rows")


def test_a_missing_texts_file_is_refused_before_anything_is_scored(evaluate_toxicity_rows,
                                                                   tmp_path, capsys):
    missing = tmp_path / "independent.jsonl"
    with pytest.raises(SystemExit) as stopped:
        evaluate_toxicity_rows.main(["--models", str(SHIPPED_MODELS), "--texts", str(missing),
                                     "--no-data"])
    assert stopped.value.code == 2
    out = capsys.readouterr()
    assert f"no such file: {missing}" in out.err
    assert out.out == ""  # no model was loaded, no hand text scored
