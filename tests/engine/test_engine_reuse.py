"""load_engine keeps the last engine built and reuses it for the same files, wherever they are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spectrum_rpc.engine import SHIPPED_MODELS, ModelIntegrityError, load_engine


def _copy(target: Path) -> Path:
    shutil.copytree(SHIPPED_MODELS, target)
    return target


def test_a_copy_of_the_same_files_shares_the_model_but_names_its_own_directory(tmp_path):
    shipped = load_engine()
    copied = load_engine(_copy(tmp_path / "copy"))
    assert copied.model is shipped.model  # the word table was not built again
    assert copied.source == tmp_path / "copy"  # engine processes load from the copy
    assert shipped.source == SHIPPED_MODELS
    assert copied.classify(["you idiot"]) == shipped.classify(["you idiot"])


def test_files_are_verified_on_every_load_even_when_the_engine_is_kept(tmp_path):
    load_engine()
    tampered = _copy(tmp_path / "tampered")
    with (tampered / "lexicon.json").open("a") as f:
        f.write(" ")
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_engine(tampered)


def test_a_kept_engine_reads_its_encoder_from_its_own_directory(tmp_path):
    first = load_engine(_copy(tmp_path / "first"))
    if first.encoder is None:
        pytest.skip("the shipped model has no encoder tier")
    second = load_engine(_copy(tmp_path / "second"))
    shutil.rmtree(tmp_path / "first")  # a candidate removed, another app's directory gone
    assert second.encoder is not None and second.encoder.model_dir == tmp_path / "second"
    assert second.encoder.logits(["hello there"]).shape == (1, len(second.encoder.heads))
