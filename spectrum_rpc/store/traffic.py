"""SQL for recent scores: what a project's traffic scored, to show its flag rate per label at
any threshold (the admin UI's Settings page).

Private by construction: a row holds the project, the minute and the scores of the labels
that have thresholds (null where the call did not score one), never the text, the key or the
caller. Bounded: each write prunes a project to its newest `keep` rows and every project to
`max_age` seconds. The SQL is portable (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .database import Database, Statement

# The columns of the labels with thresholds, in the order a sample gives its scores (the
# store imports no label names: the admin's recorder maps them; a test holds them equal).
SCORE_COLUMNS = ("toxicity", "sexual", "phishing", "harassment", "hate", "violence", "self_harm",
                 "profanity", "insult", "threat", "identity_attack")
_WEIGHT = 2 + len(SCORE_COLUMNS)  # a sample's weight: after project, at and the scores

_INSERT = (f"INSERT INTO recent_scores(project, at, {', '.join(SCORE_COLUMNS)}, weight)"
           f" VALUES ({', '.join('?' * (_WEIGHT + 1))})")
# Keeps a project's newest `keep` rows: the id of the first row past them bounds the delete.
_CAP = ("DELETE FROM recent_scores WHERE project = ? AND id <= (SELECT id FROM recent_scores"
        " WHERE project = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
_EXPIRE = "DELETE FROM recent_scores WHERE at < ?"


# One kept text: (project, when, a score per SCORE_COLUMNS or None where the call did not
# score the label, weight: how many texts of its interval it stands for). A plain tuple.
Sample = tuple[Any, ...]


@dataclass(frozen=True)
class FlagCounts:
    """A project's recent texts, per label those scored and those reaching each threshold
    asked for (in the order given): as the texts the kept rows stand for (their summed
    weights, an estimate) and as the rows themselves (what the estimate rests on)."""

    texts: float
    rows: int
    first: float | None
    last: float | None
    scored: dict[str, float]
    scored_rows: dict[str, int]
    flagged: dict[str, list[float]]
    flagged_rows: dict[str, list[int]]

    @classmethod
    def of(cls, samples: Iterable[Sample], since: float,
           thresholds: Mapping[str, Sequence[float]]) -> FlagCounts:
        """Count samples from `since` on as `TrafficStore.flag_counts` counts stored rows
        (the recorder's unwritten ones; every sample given counts, whatever its project)."""
        asked = _asked(thresholds)
        kept = [s for s in samples if s[1] >= since]
        column = {label: 2 + i for i, label in enumerate(SCORE_COLUMNS)}
        scored = dict.fromkeys(SCORE_COLUMNS, 0.0)
        scored_rows = dict.fromkeys(SCORE_COLUMNS, 0)
        flagged: dict[str, list[float]] = {}
        flagged_rows: dict[str, list[int]] = {}
        for label, threshold in asked:
            hits = [s for s in kept if (v := s[column[label]]) is not None and v >= threshold]
            flagged.setdefault(label, []).append(float(sum(s[_WEIGHT] for s in hits)))
            flagged_rows.setdefault(label, []).append(len(hits))
        for sample in kept:
            for label in SCORE_COLUMNS:
                if sample[column[label]] is not None:
                    scored[label] += sample[_WEIGHT]
                    scored_rows[label] += 1
        times = [s[1] for s in kept]
        return cls(float(sum(s[_WEIGHT] for s in kept)), len(kept), min(times, default=None),
                   max(times, default=None), scored, scored_rows, flagged, flagged_rows)

    def __add__(self, other: FlagCounts) -> FlagCounts:
        """The counts of both sets of rows (asked for at the same thresholds)."""
        times = [t for t in (self.first, self.last, other.first, other.last) if t is not None]
        return FlagCounts(
            self.texts + other.texts, self.rows + other.rows,
            min(times) if times else None, max(times) if times else None,
            _plus(self.scored, other.scored), _plus(self.scored_rows, other.scored_rows),
            _plus_each(self.flagged, other.flagged),
            _plus_each(self.flagged_rows, other.flagged_rows))


def _plus(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in {**a, **b}}


def _plus_each(a: Mapping[str, list[Any]], b: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {key: [x + y for x, y in zip(a.get(key) or [0] * len(b[key]),
                                        b.get(key) or [0] * len(a[key]), strict=True)]
            for key in {**a, **b}}


def _asked(thresholds: Mapping[str, Sequence[float]]) -> list[tuple[str, float]]:
    return [(label, t) for label, ts in thresholds.items() if label in SCORE_COLUMNS
            for t in ts]


class TrafficStore:
    def __init__(self, db: Database):
        self.db = db

    def add_statements(self, samples: Iterable[Sample], keep: int, oldest: float
                       ) -> list[Statement]:
        """Return the writes that add samples and prune to `keep` per project and to rows
        from `oldest` on (to commit with other writes)."""
        statements: list[Statement] = []
        projects: dict[str, None] = {}
        for sample in samples:
            statements.append((_INSERT, sample))
            projects[sample[0]] = None
        statements += [(_CAP, (project, project, keep)) for project in projects]
        statements.append((_EXPIRE, (oldest,)))
        return statements

    async def add(self, samples: Sequence[Sample], keep: int, oldest: float) -> None:
        """Add samples durably, pruning as `add_statements` says."""
        if samples:
            await self.db.write(self.add_statements(samples, keep, oldest))

    async def flag_counts(self, project: str, since: float,
                          thresholds: Mapping[str, Sequence[float]]) -> FlagCounts:
        """Count a project's texts from `since` on, and per label those scoring at least each
        of its thresholds (labels among SCORE_COLUMNS)."""
        asked = _asked(thresholds)
        # Column names come from SCORE_COLUMNS only, never from the caller.
        scored = [f"SUM(CASE WHEN {label} IS NOT NULL THEN weight ELSE 0 END)"
                  for label in SCORE_COLUMNS]
        counts = [f"COUNT({label})" for label in SCORE_COLUMNS]
        sums = [f"SUM(CASE WHEN {label} >= ? THEN {what} ELSE 0 END)" for label, _ in asked
                for what in ("weight", "1")]
        columns = ", ".join(["COUNT(*)", "SUM(weight)", "MIN(at)", "MAX(at)", *scored, *counts,
                             *sums])
        row = await self.db.fetchone(
            f"SELECT {columns} FROM recent_scores WHERE project = ? AND at >= ?",
            (*(t for _, t in asked for _ in range(2)), project, since))
        assert row is not None
        values = list(row)
        n = len(SCORE_COLUMNS)
        flagged: dict[str, list[float]] = {}
        flagged_rows: dict[str, list[int]] = {}
        rest = values[4 + 2 * n:]
        for i, (label, _) in enumerate(asked):
            flagged.setdefault(label, []).append(float(rest[2 * i] or 0))
            flagged_rows.setdefault(label, []).append(int(rest[2 * i + 1] or 0))
        return FlagCounts(
            float(values[1] or 0), int(values[0]), values[2], values[3],
            dict(zip(SCORE_COLUMNS, (float(v or 0) for v in values[4:4 + n]), strict=True)),
            dict(zip(SCORE_COLUMNS, (int(v) for v in values[4 + n:4 + 2 * n]), strict=True)),
            flagged, flagged_rows)
