"""tasks.first_failure: a task group's first failure is raised as itself, and a failure of
another kind beside it is logged, not lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from spectrum_rpc.tasks import first_failure


async def _fail(exc: Exception) -> None:
    raise exc


async def test_the_first_failure_is_raised_itself_and_another_kind_is_logged(caplog):
    with pytest.raises(KeyError), caplog.at_level(logging.ERROR, "spectrum_rpc.tasks"):
        with first_failure():
            async with asyncio.TaskGroup() as group:  # both fail before the group ends
                group.create_task(_fail(KeyError("first")))
                group.create_task(_fail(ValueError("second")))
    [record] = caplog.records
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)


async def test_failures_of_one_kind_are_raised_once_and_not_logged(caplog):
    with pytest.raises(KeyError), caplog.at_level(logging.ERROR, "spectrum_rpc.tasks"):
        with first_failure():
            async with asyncio.TaskGroup() as group:
                group.create_task(_fail(KeyError("a")))
                group.create_task(_fail(KeyError("b")))
    assert not caplog.records
