"""A label's decision thresholds: one pair type for every label, in the settings, the config
file, a project's stored settings and the decision policy.

`reject`: a score at or above it flags the label (`flagged`, `actions.reject`, classifyText's
booleans); `review`: a score at or above it asks a person to look (`actions.review`), at or
below reject. Either may be None: off. A single number, as thresholds were written before pairs
existed, is the reject threshold with its review REVIEW_SHARE of it (`Pair.of_reject`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# `review` is asked for from this share of a label's reject threshold up, where only reject
# was given: a rule, not a probability (the reference services expose the same two-threshold
# shape: review below reject). Three quarters, measured with calibrated-1's thresholds (0.21,
# 0.57, 0.21): the share of ordinary texts sent to review (any decided label at REVIEW_SHARE of
# its threshold or more) was 0.53 / 0.43 / 0.17 at one half on OLID val's inoffensive tweets /
# the moderation samples' unlabelled prompts / SMS ham, and is 0.23 / 0.19 / 0.06 at three
# quarters, while 0.73 of OLID val's offensive tweets still reach review (0.56 flagged).
REVIEW_SHARE = 0.75
PAIR_KEYS = ("reject", "review")


def share(reject: float | None) -> float | None:
    """Return the review threshold derived from a reject threshold (REVIEW_SHARE of it)."""
    return None if reject is None else round(REVIEW_SHARE * reject, 6)


@dataclass(frozen=True, slots=True)
class Pair:
    """A label's (reject, review) thresholds, None where off."""

    reject: float | None = None
    review: float | None = None
    # The review was not given but derived from reject (`share`): a project that then sets
    # only the reject gets its review derived the same way. Part of equality (and the hash):
    # two pairs that decide alike today but derive differently when only reject changes
    # (Pair.of_reject(0.4) and Pair(0.4, 0.3)) are different settings.
    derived: bool = False

    @classmethod
    def of_reject(cls, reject: float) -> Pair:
        """Return the pair one number means: reject, with the review derived from it."""
        return cls(reject, share(reject), derived=True)

    @property
    def review_line(self) -> float | None:
        """Return the score from which a text asks for review on this label: the review
        threshold, or, where review is off, the reject threshold (a text rejected on a label
        is always one a person may look at: review <= reject); None when both are off."""
        return self.reject if self.review is None else self.review

    def as_dict(self) -> dict[str, float | None]:
        """Return the pair as the admin API and the stored settings spell it."""
        return {"reject": self.reject, "review": self.review}

    def problem(self, required: bool = False) -> str | None:
        """Return what makes no sense in the pair (None if nothing): a value outside 0-1,
        review above reject, or (`required`) no reject."""
        if required and self.reject is None:
            return "needs a reject threshold"
        for value in (self.reject, self.review):
            if value is not None and not 0.0 <= value <= 1.0:  # NaN fails too
                return "must be between 0 and 1"
        if self.reject is not None and self.review is not None and self.review > self.reject:
            return "must have review <= reject"
        return None


OFF = Pair()


def parse_config(value: Any) -> Pair:
    """Return the pair a config value means (TOML, the environment or an override): a number
    (reject, review derived), [] or "" (off), [reject], [reject, review], "reject,review",
    or a table {reject, review} (a field left out: off); raise ValueError."""
    if isinstance(value, Pair):
        return value
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in PAIR_KEYS]
        if unknown:
            raise ValueError(f"unknown field {str(unknown[0])[:40]!r}")
        return Pair(*(_float(value[k]) if k in value else None for k in PAIR_KEYS))
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    elif not isinstance(value, list | tuple):
        return Pair.of_reject(_float(value))
    if len(value) > 2:
        raise ValueError("more than two numbers")
    numbers = [_float(v) for v in value]
    if len(numbers) == 1:
        return Pair.of_reject(numbers[0])
    return Pair(*numbers)


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if math.isnan(number):
        raise ValueError(value)
    return number
