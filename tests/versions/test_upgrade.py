"""An upgrade that ships a new model records it and warns; it never activates it by itself.

Each "start" opens the real SQLite store afresh and records the shipped model, as the server,
the retrain pipeline and `models` do on start.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from spectrum_rpc.store import GLOBAL, Store
from spectrum_rpc.versions import ModelRegistry
from tests.helpers.training import write_base, write_model


@pytest.fixture
def shipped(tmp_path: Path) -> dict[str, Path]:
    """Two packages' shipped models: "tiny-1", then "tiny-2"."""
    base = write_base(tmp_path / "base")
    return {version: write_model(tmp_path / version, base, version)
            for version in ("tiny-1", "tiny-2")}


async def start(db_path: Path, root: Path, source: Path) -> str:
    """Start once with `source` as the shipped model; return the active global version."""
    async with Store(db_path) as store:
        await ModelRegistry(store, root).ensure_shipped(source)
        return (await store.models.active())[GLOBAL]


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_an_upgrade_records_the_new_model_and_warns_until_it_is_promoted(
        db_path, tmp_path, shipped, caplog):
    root = tmp_path / "models"
    assert await start(db_path, root, shipped["tiny-1"]) == "tiny-1"
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.versions.registry"):
        # A rolling upgrade: hosts of both packages start; nothing switches under either.
        assert await start(db_path, root, shipped["tiny-2"]) == "tiny-1"
        assert await start(db_path, root, shipped["tiny-1"]) == "tiny-1"
    [warning] = warnings(caplog)
    assert "tiny-1" in warning and "models promote tiny-2" in warning
    async with Store(db_path) as store:
        assert (await store.models.get("tiny-2")).status == "shipped"  # recorded, not active
        await ModelRegistry(store, root).promote("tiny-2", None, "manual promotion (CLI)")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.versions.registry"):
        assert await start(db_path, root, shipped["tiny-2"]) == "tiny-2"
        assert await start(db_path, root, shipped["tiny-1"]) == "tiny-2"  # an old host
    [warning] = warnings(caplog)  # the old host is told, the new one is not
    assert "models promote tiny-1" in warning


async def test_a_retrained_global_model_starts_without_a_warning(db_path, tmp_path, shipped,
                                                                  caplog):
    root = tmp_path / "models"
    await start(db_path, root, shipped["tiny-1"])
    async with Store(db_path) as store:
        await store.models.add(version="retrained-1", project=None, origin="retrain",
                               parent="tiny-1", path=str(shipped["tiny-1"]), status="candidate",
                               report={})
        await store.models.activate(GLOBAL, "retrained-1", "promoted after retraining")
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.versions.registry"):
        assert await start(db_path, root, shipped["tiny-2"]) == "retrained-1"
    assert warnings(caplog) == []
