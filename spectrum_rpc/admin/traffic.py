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
            raise BadRequest(f"unknown parameter {name!r}; known: {', '.join(DECIDED)}")
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:  # NaN fails too
            raise BadRequest(f"the threshold for {name} must be a number from 0 to 1")
        out[name] = value
    return out


def _rate(flagged: int, scored: int) -> float | None:
    return round(flagged / scored, 6) if scored else None


def rates(counts: FlagCounts, current: Mapping[str, float], proposed: Mapping[str, float],
          recorder: ScoreRecorder) -> dict[str, Any]:
    """The answer: per label, the share flagged at the current and any proposed threshold."""
    labels: dict[str, Any] = {}
    for label in DECIDED:
        scored, flagged = counts.scored.get(label, 0), counts.flagged.get(label, [0, 0])
        entry = {"scored": scored, "current": {
            "threshold": current[label], "flagged": flagged[0], "rate": _rate(flagged[0], scored)}}
        if label in proposed:
            entry["proposed"] = {"threshold": proposed[label], "flagged": flagged[1],
                                 "rate": _rate(flagged[1], scored)}
        labels[label] = entry
    return {"texts": counts.texts, "first": iso(counts.first), "last": iso(counts.last),
            "window_days": recorder.max_age / DAY, "keep": recorder.keep,
            "most_per_minute": recorder.most_per_minute, "labels": labels}


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
