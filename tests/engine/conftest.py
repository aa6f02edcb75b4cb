"""The shipped engine, loaded once per test module of this folder."""

import pytest

from spectrum_rpc.engine import Engine, load_engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()
