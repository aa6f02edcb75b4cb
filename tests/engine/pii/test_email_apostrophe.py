"""An apostrophe inside the local part of an address written with its "@"."""

from __future__ import annotations

import pytest

from spectrum_rpc.engine.pii import Mode
from spectrum_rpc.engine.pii.email import find
from tests.helpers.pii import assert_lowest_mode, texts_found


@pytest.mark.parametrize("value", ["adrian.o'sullivan@example.ie", "d'angelo.maria@example.it"])
def test_an_apostrophe_between_letters_belongs_to_the_address(value: str) -> None:
    assert_lowest_mode(find, f"send the invoice to {value}, thanks!", value, Mode.NORMAL)


def test_quotes_around_an_address_stay_out() -> None:
    assert texts_found(find, "write to 'john@example.com' today", Mode.NORMAL) == [
        "john@example.com"]
