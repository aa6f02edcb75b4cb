"""Fixtures that run a test folder's tests once per store backend (SQLite, PostgreSQL).

A folder opts in from its conftest.py by naming these fixtures there (see tests/store/). A test
that asks for `backend` (or `store`, `location`, `committed` or `make_settings`, and so the app
fixtures `make_client` and `app_client`, which build on them) then runs on both; the PostgreSQL
run is skipped, saying why, where no server can be started (see tests/helpers/postgres.py).
Tests of one backend's own mechanics ask for `db_path`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from spectrum_rpc.settings import Settings, load_settings
from spectrum_rpc.store import Store
from tests.helpers.postgres import Backend, backend_for


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, db_path: Path) -> Backend:
    """Where the store lives, and how to read it from outside (one per backend)."""
    return backend_for(request, db_path)


@pytest.fixture
def location(backend: Backend) -> str:
    """The store's location: a SQLite file path or a PostgreSQL URL."""
    return backend.location


@pytest.fixture
def committed(backend: Backend) -> Callable[..., list[tuple[Any, ...]]]:
    """Query the store through a separate connection: sees only committed rows."""
    return backend.committed


@pytest.fixture
async def store(location: str) -> AsyncIterator[Store]:
    """An open store on the backend's database (closed after the test)."""
    async with Store(location) as opened:
        yield opened


@pytest.fixture
def make_settings(location: str) -> Callable[..., Settings]:
    """load_settings() with the store on the backend's database, plus overrides."""

    def make(**sections: Mapping[str, Any]) -> Settings:
        # In-app tests score in threads (see tests/conftest.py).
        merged: dict[str, dict[str, Any]] = {
            "store": {"path": location}, "engine": {"processes": False}
        }  # fmt: skip
        for name, values in sections.items():
            merged.setdefault(name, {}).update(values)
        return load_settings(overrides=merged)

    return make
