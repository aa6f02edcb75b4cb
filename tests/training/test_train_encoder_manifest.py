"""train_encoder.py's export records what it wrote in the manifest (so `stack` can load it)."""

from __future__ import annotations

import json
from pathlib import Path

from spectrum_rpc.engine import MANIFEST, sha256
from tests.helpers.scripts import load_script


def _script():
    return load_script("train_encoder")


def _stale(directory: Path) -> list[str]:
    recorded = json.loads((directory / MANIFEST).read_text())["sha256"]
    return [name for name, digest in recorded.items() if sha256(directory / name) != digest]


def test_a_rewritten_file_passes_its_check_once_recorded(tmp_path):
    (tmp_path / "encoder.onnx").write_bytes(b"old weights")
    (tmp_path / "other.json").write_text("{}")
    (tmp_path / MANIFEST).write_text(json.dumps({"sha256": {}}))
    script = _script()
    script._record_in_manifest(tmp_path, ("other.json", "encoder.onnx"))
    assert _stale(tmp_path) == []
    (tmp_path / "encoder.onnx").write_bytes(b"new weights")
    assert _stale(tmp_path) == ["encoder.onnx"]
    script._record_in_manifest(tmp_path, ("encoder.onnx",))
    assert _stale(tmp_path) == []
    recorded = json.loads((tmp_path / MANIFEST).read_text())["sha256"]
    assert list(recorded) == ["encoder.onnx", "other.json"]


def test_a_directory_without_a_manifest_is_left_alone(tmp_path):
    (tmp_path / "encoder.onnx").write_bytes(b"weights")
    _script()._record_in_manifest(tmp_path, ("encoder.onnx",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder.onnx"]
