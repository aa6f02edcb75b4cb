"""`fit.link_or_copy`: a carried file is hard-linked, copied only where no link can be made, and
never written through a link that is already there (into another version's file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spectrum_rpc.training.fit import link_or_copy


def test_a_file_is_linked_where_it_can_be(tmp_path: Path) -> None:
    source = tmp_path / "encoder.onnx"
    source.write_bytes(b"new")
    link_or_copy(source, tmp_path / "carried.onnx")
    assert (tmp_path / "carried.onnx").stat().st_ino == source.stat().st_ino


def test_an_existing_link_to_another_version_is_not_written_through(tmp_path: Path) -> None:
    other = tmp_path / "other-version" / "encoder.onnx"
    other.parent.mkdir()
    other.write_bytes(b"the other version's encoder")
    target = tmp_path / "candidate" / "encoder.onnx"
    target.parent.mkdir()
    os.link(other, target)  # left from before: shares the other version's file
    source = tmp_path / "base" / "encoder.onnx"
    source.parent.mkdir()
    source.write_bytes(b"new")
    with pytest.raises(FileExistsError):
        link_or_copy(source, target)
    assert other.read_bytes() == b"the other version's encoder"


def test_a_file_is_copied_across_file_systems(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("/dev/shm not available: no second file system to copy across")
    if shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("/dev/shm is on the temporary directory's file system: nothing to cross")
    source = tmp_path / "encoder.onnx"
    source.write_bytes(b"new")
    target = shm / f"link-or-copy-{os.getpid()}-{tmp_path.name}"
    try:
        link_or_copy(source, target)
        assert target.read_bytes() == b"new"
        assert target.stat().st_ino != source.stat().st_ino or target.stat().st_dev != \
            source.stat().st_dev
        assert [p.name for p in shm.glob(f"{target.name}*")] == [target.name]  # no temp left
    finally:
        target.unlink(missing_ok=True)
