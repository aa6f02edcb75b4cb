"""The model registry: the shipped model comes back when the model root is wiped."""

from __future__ import annotations

from pathlib import Path

from spectrum_rpc.engine import load_engine
from tests.helpers.training import training_sections


async def test_a_wiped_model_root_gets_the_shipped_model_back(make_client, tmp_path):
    import shutil

    from spectrum_rpc.versions import ModelRegistry

    api = await make_client(**training_sections(tmp_path))
    shutil.rmtree(tmp_path / "models")
    registry = ModelRegistry(api.store, tmp_path / "models")
    record = await registry.ensure_shipped(tmp_path / "shipped")
    assert load_engine(Path(record.path)).version == "tiny-1"
