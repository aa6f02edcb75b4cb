"""SQL for recent scores: what a project's traffic scored, to show its flag rate per label at
any threshold (the admin UI's Settings page).

Private by construction: a row holds the project, the minute and the decided labels' scores,
never the text, the key or the caller. Bounded: each write prunes a project to its newest
`keep` rows and every project to `max_age` seconds. The SQL is portable (SQLite and
PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .database import Database, Statement

# The decided labels' columns, in the order a sample gives its scores (the store imports no
# label names: the admin's recorder maps them).
SCORE_COLUMNS = ("toxicity", "sexual", "phishing")

_INSERT = ("INSERT INTO recent_scores(project, at, toxicity, sexual, phishing)"
           " VALUES (?, ?, ?, ?, ?)")
# Keeps a project's newest `keep` rows: the id of the first row past them bounds the delete.
_CAP = ("DELETE FROM recent_scores WHERE project = ? AND id <= (SELECT id FROM recent_scores"
        " WHERE project = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
_EXPIRE = "DELETE FROM recent_scores WHERE at < ?"


# One scored text: (project, when, a score per SCORE_COLUMNS or None where the model did not
# score the label). A plain tuple: the recorder makes one on every classification.
Sample = tuple[str, float, float | None, float | None, float | None]


@dataclass(frozen=True)
class FlagCounts:
    """How many of a project's recent texts were scored per label, and how many of them reach
    each threshold asked for (in the order given)."""

    texts: int
    first: float | None
    last: float | None
    scored: dict[str, int]
    flagged: dict[str, list[int]]


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
        asked = [(label, t) for label, ts in thresholds.items() if label in SCORE_COLUMNS
                 for t in ts]
        # Column names come from SCORE_COLUMNS only, never from the caller.
        sums = [f"SUM(CASE WHEN {label} >= ? THEN 1 ELSE 0 END)" for label, _ in asked]
        counts = [f"COUNT({label})" for label in SCORE_COLUMNS]
        row = await self.db.fetchone(
            f"SELECT COUNT(*), MIN(at), MAX(at), {', '.join([*counts, *sums])}"
            " FROM recent_scores WHERE project = ? AND at >= ?",
            (*(t for _, t in asked), project, since))
        assert row is not None
        values = list(row)
        scored = dict(zip(SCORE_COLUMNS, (int(v) for v in values[3:6]), strict=True))
        flagged: dict[str, list[int]] = {}
        for (label, _), value in zip(asked, values[6:], strict=True):
            flagged.setdefault(label, []).append(int(value or 0))
        return FlagCounts(int(values[0]), values[1], values[2], scored, flagged)
