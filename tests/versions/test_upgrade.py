"""An upgrade that ships a newer model: the old shipped model is replaced only if no one chose it.

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


async def test_an_upgrade_activates_the_newly_shipped_model(db_path, tmp_path, shipped):
    root = tmp_path / "models"
    assert await start(db_path, root, shipped["tiny-1"]) == "tiny-1"
    assert await start(db_path, root, shipped["tiny-2"]) == "tiny-2"
    async with Store(db_path) as store:
        latest = (await store.models.history(GLOBAL))[0]
    assert (latest.version, latest.previous, latest.reason) == (
        "tiny-2", "tiny-1", "shipped model upgraded")
    # A host still on the old package (a rolling upgrade) does not switch back.
    assert await start(db_path, root, shipped["tiny-1"]) == "tiny-2"


async def test_an_admin_promoted_shipped_model_is_kept_with_a_warning(
        db_path, tmp_path, shipped, caplog):
    root = tmp_path / "models"
    await start(db_path, root, shipped["tiny-1"])
    async with Store(db_path) as store:
        await ModelRegistry(store, root).promote("tiny-1", None, "manual promotion (CLI)")
    with caplog.at_level(logging.WARNING, logger="spectrum_rpc.versions.registry"):
        assert await start(db_path, root, shipped["tiny-2"]) == "tiny-1"
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "tiny-1" in warning and "tiny-2" in warning


async def test_a_rollback_to_the_old_shipped_model_is_kept(db_path, tmp_path, shipped):
    root = tmp_path / "models"
    await start(db_path, root, shipped["tiny-1"])
    await start(db_path, root, shipped["tiny-2"])
    async with Store(db_path) as store:
        await store.models.rollback(GLOBAL)  # the admin goes back to tiny-1 on purpose
    assert await start(db_path, root, shipped["tiny-2"]) == "tiny-1"
