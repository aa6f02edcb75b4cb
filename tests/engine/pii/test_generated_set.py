"""scripts/pii_generated.py: the generated evaluation set is reproducible, its gold is what it
says, and NORMAL finds nothing in its look-alikes."""

from __future__ import annotations

import re

import pytest

from spectrum_rpc.engine.pii import DETECTORS, Mode
from spectrum_rpc.engine.pii.checksums import iban_valid, luhn_valid
from tests.helpers.scripts import load_script


@pytest.fixture(scope="module")
def generator():
    return load_script("pii_generated")


@pytest.fixture(scope="module")
def rows(generator):
    return generator.generated_rows(seed=7, per_kind=40, look_alikes=12)


def test_the_same_seed_gives_the_same_rows(generator, rows) -> None:
    assert generator.generated_rows(seed=7, per_kind=40, look_alikes=12) == rows
    assert generator.generated_rows(seed=8, per_kind=40, look_alikes=12) != rows


def test_each_type_and_look_alike_kind_has_its_rows(generator, rows) -> None:
    kinds = [row.kind for row in rows]
    assert all(kinds.count(kind) == 40 for kind in generator.KINDS)
    assert kinds.count(None) == 12 * len(generator.LOOK_ALIKES)


def test_gold_values_pass_their_checks(rows) -> None:
    for row in rows:
        if row.kind is None:
            continue
        value = row.text[row.span[0]:row.span[1]]
        compact = re.sub(r"[ -]", "", value)
        if row.kind == "credit_debit_number":
            assert luhn_valid(compact), value
        elif row.kind == "iban":
            assert iban_valid(compact), value
        elif row.kind == "phone":
            number = value.split("x")[0]  # faker writes extensions as "x122"
            assert 7 <= sum(ch.isdigit() for ch in number) <= 15, value


def test_invalid_look_alikes_fail_their_checks(rows) -> None:
    for row in rows:
        value = row.text.split(": ")[-1].split(" please")[0].rstrip(".")
        if row.variety == "look-alike invalid card":
            assert not luhn_valid(re.sub(r"\D", "", value)), row.text
        elif row.variety == "look-alike invalid IBAN":
            assert not iban_valid(re.sub(r"[ .]", "", value.split(" to ")[-1])), row.text


def test_normal_finds_nothing_in_the_look_alikes(rows) -> None:
    kinds = ("email", "url", "phone", "sensitive")
    for row in rows:
        if row.kind is None:
            found = [m for kind in kinds for m in DETECTORS[kind](row.text, Mode.NORMAL)]
            assert found == [], (row.variety, row.text, found)
