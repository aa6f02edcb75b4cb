"""The functional table (issue 20): its structure, and the easy half's accuracy floors."""

from collections import Counter

import pytest

from spectrum_rpc.analysis import Policy
from spectrum_rpc.engine import load_engine
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training.functional import (
    CATEGORIES,
    EASY,
    EVERY_LABEL,
    HARD,
    accuracy_by,
    build_table,
    run,
)

# The served defaults: when they change, the floors below are measured again at the new ones.
SERVED = {label: getattr(ThresholdSettings(), label).reject for label in EVERY_LABEL}

# Floors for the EASY half, per category, at the served thresholds (toxicity 0.21, sexual 0.47
# since 2026.12.06-sexual-1 (0.46 before), phishing 0.38 since 2026.12.06-spamkind-1 (0.21 from
# 2026.12.05-encoder-2: the same easy accuracies but ham_lookalike 0.80, 16/20); sexual was
# 0.57 from 2026.12.05-calibrated-1, whose easy accuracies are in the comments;
# 2026.12.05-encoder-2 measured the same except insult_no_profanity 0.85, 17/20). Where they
# come from:
# `.venv/bin/python scripts/evaluate.py --before-rev <previous>` on the shipped model
# 2026.12.05-calibrated-1 measured the easy accuracy in the comment (correct/cases); each floor
# sits a little under it, so that today's model passes and a model that loses ground fails.
# Raise them as the model improves: issue 20's target is every category at 0.8 or more.
# Categories without easy cases (negated_hate, counter_speech) have no floor here. The one
# category that lost ground against 2026.11.22-stacked-3 (0.33, 8/24) is the explicit sexual
# requests: the sexual threshold rose to 0.57 and its training rows fell by the development
# part held out for calibration (docs/BENCHMARKS.md, "Calibrated thresholds").
EASY_FLOORS = {
    "threats": 0.35,                  # 0.41 (18/44)
    "dehumanisation": 0.60,           # 0.67 (22/33)
    "implicit_derogation": 0.95,      # 1.00 (22/22)
    "insult_no_profanity": 0.85,      # 0.90 (18/20)
    "reclaimed_slurs": 0.95,          # 1.00 (6/6)
    "non_hateful_profanity": 0.50,    # 0.55 (12/22)
    "spelling_variation": 0.95,       # 1.00 (24/24)
    "identity_neutral": 0.95,         # 1.00 (55/55)
    "short_text": 0.95,               # 0.97 (227/234)
    # 0.21 (5/24) until 2026.12.06-sexual-1 (written solicitation rows for the sexual label;
    # measured there at sexual 0.47: 0.75, 18/24; hard half 0.05, 1/20)
    "sexual_explicit_request": 0.70,  # 0.75 (18/24)
    "sexual_innocent": 0.95,          # 1.00 (20/20)
    "spam": 0.95,                     # 1.00 (30/30)
    # 0.90 (18/20) by the linear tier; 0.80 (16/20) with the encoder tier (2026.12.05-encoder-1:
    # two links to ordinary pages rose into the phishing band's stacked 0.21), which in exchange
    # raised SMS spam F1 0.949 -> 0.963 (docs/BENCHMARKS.md, "Encoder tier").
    "ham_lookalike": 0.75,
}


@pytest.fixture(scope="module")
def table():
    return build_table()


@pytest.fixture(scope="module")
def easy_outcomes(table):
    return run(load_engine(), [case for case in table if case.difficulty == EASY], SERVED)


def test_every_category_has_enough_cases(table):
    counts = Counter(case.category for case in table)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 20, counts
    assert len(table) >= 600


def test_cases_are_well_formed(table):
    assert {case.difficulty for case in table} == {EASY, HARD}
    assert {case.label for case in table} == set(EVERY_LABEL)
    for case in table:
        assert case.text.strip() and "{" not in case.text and "}" not in case.text, case
        assert isinstance(case.expected, bool) and case.template, case


def test_no_text_is_asked_twice_for_the_same_label(table):
    # A short text is asked of every label, so texts repeat across labels, never within one.
    repeated = [key for key, n in Counter((c.text, c.label) for c in table).items() if n > 1]
    assert repeated == []


def test_expansion_is_deterministic(table):
    assert build_table() == table


def test_decisions_are_the_servers(easy_outcomes):
    """`run` decides as classifyText's policy does, on a case flagged and one not."""
    policy = Policy({label: getattr(ThresholdSettings(), label) for label in EVERY_LABEL})
    seen = set()
    for outcome in easy_outcomes:
        if outcome.flagged in seen:
            continue
        seen.add(outcome.flagged)
        fields = policy.answer({outcome.case.label: outcome.confidence}, "v")
        decision = next(v for v in fields.values() if isinstance(v, bool))
        assert decision == outcome.flagged
    assert seen == {True, False}


def test_easy_floors_cover_every_category_with_easy_cases(table):
    assert set(EASY_FLOORS) == {case.category for case in table if case.difficulty == EASY}


@pytest.mark.parametrize("category", sorted(EASY_FLOORS))
def test_easy_accuracy_floor(easy_outcomes, category):
    right, total = accuracy_by(easy_outcomes, lambda c: c.category)[category]
    failures = [(o.case.text, o.case.label, o.confidence)
                for o in easy_outcomes if o.case.category == category and not o.correct]
    assert right / total >= EASY_FLOORS[category], failures
