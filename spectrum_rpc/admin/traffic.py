"""A project's flag rate per label on its own recent traffic (see `recent`), at its current
thresholds and at thresholds a user proposes: the Settings page shows both before a change is
saved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..labels import DECIDED
from ..store import FlagCounts
from .api import BadRequest, admin, ok, project_of
from .recent import DAY, ScoreRecorder
from .review import iso


def proposed_thresholds(query: Mapping[str, str]) -> dict[str, float]:
    """Return the thresholds proposed in the query (?toxicity=0.3&...); raise BadRequest."""
    out = {}
    for name, text in query.items():
        if name not in DECIDED:
            raise BadRequest(f"unknown parameter {name[:40]!r}; known: {', '.join(DECIDED)}")
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:  # NaN fails too
            raise BadRequest(f"the threshold for {name} must be a number from 0 to 1")
        out[name] = value
    return out


def _rate(flagged: float, scored: float) -> float | None:
    return round(min(flagged / scored, 1.0), 6) if scored else None


def _at(threshold: float, flagged: float, rows: int, scored: float) -> dict[str, Any]:
    return {"threshold": threshold, "flagged": round(flagged), "rows": rows,
            "rate": _rate(flagged, scored)}


def rates(counts: FlagCounts, current: Mapping[str, float], proposed: Mapping[str, float],
          recorder: ScoreRecorder) -> dict[str, Any]:
    """The answer: per label, the share flagged at the current and any proposed threshold.

    Each kept row stands for the texts of its interval (its weight): the shares, and the
    texts, scored and flagged counts, are weighted estimates (counts rounded); `rows` says how
    many kept rows each rests on."""
    labels: dict[str, Any] = {}
    for label in DECIDED:
        scored = counts.scored.get(label, 0.0)
        flagged = counts.flagged.get(label, [0.0, 0.0])
        flagged_rows = counts.flagged_rows.get(label, [0, 0])
        entry = {"scored": round(scored), "rows": counts.scored_rows.get(label, 0),
                 "current": _at(current[label], flagged[0], flagged_rows[0], scored)}
        if label in proposed:
            entry["proposed"] = _at(proposed[label], flagged[1], flagged_rows[1], scored)
        labels[label] = entry
    return {"texts": round(counts.texts), "rows": counts.rows, "first": iso(counts.first),
            "last": iso(counts.last), "window_days": recorder.max_age / DAY,
            "keep": recorder.keep, "most_per_minute": recorder.most_per_minute,
            "labels": labels}


async def flag_rates(request: web.Request) -> web.Response:
    """Per label, the share of the project's recent texts flagged at its current threshold and
    at the proposed ones, with how many texts that rests on and their time span."""
    project = project_of(request)
    proposed = proposed_thresholds(request.query)
    state = admin(request)
    current = (await state.analyzer.policies.get(project)).thresholds
    asked = {label: [current[label], *([proposed[label]] if label in proposed else [])]
             for label in DECIDED}
    counts = await state.traffic.counts(project, asked)
    return ok({"project": project, **rates(counts, current, proposed, state.traffic)})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/projects/{project}/flag-rates", flag_rates),
]
