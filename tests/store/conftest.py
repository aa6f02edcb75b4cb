"""The store's tests run once per backend: a SQLite file and a PostgreSQL database.

A test that asks for `backend` (or for `store`, `location` or `committed`, which build on it)
runs on both; the PostgreSQL run is skipped, saying why, where no server can be started (see
tests/helpers/postgres.py). Tests of one backend's own mechanics ask for `db_path` alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

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
    async with Store(location) as opened:
        yield opened
