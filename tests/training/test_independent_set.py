"""docs/evaluation/independent_toxicity.jsonl judges whether written training rows generalise
beyond their own phrasing: no written row may repeat it (a text, a run of 5 words, or a whole
short text), or its figures would measure the rows' wording (docs/evaluation/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

from spectrum_rpc.training import contrast, solicitation
from tests.helpers.training import overlaps

SET = Path(__file__).resolve().parents[2] / "docs" / "evaluation" / "independent_toxicity.jsonl"


def independent() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]


def test_the_set_is_balanced_and_labelled():
    rows = independent()
    kinds: dict[str, set[int]] = {}
    for row in rows:
        kinds.setdefault(row["category"], set()).add(row["toxic"])
    assert len(rows) == 160 and sum(row["toxic"] for row in rows) == 80
    assert len(kinds) == 8 and all(len(labels) == 1 for labels in kinds.values())


# Four of the set's texts share a common 5-word phrase with contrast rows written earlier, by
# coincidence (the set was written without reading them): its figures for these four are
# somewhat optimistic for a model trained on the rows. No other text may come to share one.
SHARED_BY_CHANCE = {
    "keep talking and see what happens to you after school",
    "she knocked it out of the park with that presentation",
    "I'm dying to see the new season, the trailer looked amazing.",
    "Immigrants are a plague on this country and they breed like rats.",
}


def test_no_written_training_row_repeats_the_set():
    rows = [*(text for _, text in contrast.contrast_rows()),
            *(text for _, text in solicitation.solicitation_rows())]
    repeated = {row["text"] for row in independent() if overlaps([row["text"]], rows)}
    assert repeated == SHARED_BY_CHANCE
