"""A project's flag and review rates per label on its own recent traffic (see `recent`), at
its current thresholds and at thresholds a user proposes: the Settings page shows both before a
change is saved. Every label with a pair of thresholds has them (thresholds.Pair)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from ..analysis import Policies, ThresholdError
from ..labels import DECIDED
from ..store import SCORE_COLUMNS, FlagCounts
from ..thresholds import Pair
from .api import BadRequest, admin, ok, project_of
from .recent import DAY, ScoreRecorder
from .review import iso

OFF_VALUE = "off"  # a proposed field turned off
REVIEW_SUFFIX = ".review"  # ?LABEL=R proposes a reject threshold, ?LABEL.review=V a review one


def _value(name: str, text: str, off_allowed: bool) -> float | None:
    if off_allowed and text == OFF_VALUE:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise BadRequest(f"the threshold {name[:60]} must be a number from 0 to 1"
                         + (' or "off"' if off_allowed else ""))
    return value + 0.0  # -0 is 0


def proposed_changes(query: MultiMapping[str]) -> dict[str, dict[str, float | None]]:
    """Return the threshold changes proposed in the query (?toxicity=0.3&insult.review=0.2&
    hate=off...) as the settings' PUT spells them ({label: {reject, review}}, "off": null);
    raise BadRequest (a parameter given twice among them)."""
    given: dict[str, dict[str, float | None]] = {}
    for name in dict.fromkeys(query.keys()):
        label, review = (name[:-len(REVIEW_SUFFIX)], True) if name.endswith(REVIEW_SUFFIX) \
            else (name, False)
        if label not in SCORE_COLUMNS:
            raise BadRequest(f"unknown parameter {name[:40]!r}; known: each label "
                             f"({', '.join(SCORE_COLUMNS)}), and LABEL{REVIEW_SUFFIX}")
        texts = query.getall(name)
        if len(texts) > 1:
            raise BadRequest(f"the parameter {name} is given {len(texts)} times; give it once")
        value = _value(name, texts[0], off_allowed=review or label not in DECIDED)
        given.setdefault(label, {})["review" if review else "reject"] = value
    return given


async def proposed_pairs(query: MultiMapping[str], policies: Policies,
                         project: str) -> dict[str, Pair]:
    """Return the pairs proposed in the query; raise BadRequest. Each is the pair saving the
    same fields would give the project (Policies.preview_thresholds: over the project's own
    stored value, a field not given kept, a review not given derived only where saving
    derives it), and refused where saving would be."""
    changes = proposed_changes(query)
    if not changes:
        return {}
    try:
        return await policies.preview_thresholds(project, changes)
    except ThresholdError as exc:
        raise BadRequest(f"proposed {exc}") from None


def _rate(flagged: float, scored: float) -> float | None:
    return round(min(flagged / scored, 1.0), 6) if scored else None


def _at(threshold: float | None, flagged: float, rows: int, scored: float) -> dict[str, Any]:
    if threshold is None:  # off: nothing flagged
        return {"threshold": None, "flagged": 0, "rows": 0, "rate": None}
    return {"threshold": threshold, "flagged": round(flagged), "rows": rows,
            "rate": _rate(flagged, scored)}


def asked(current: Mapping[str, Pair], proposed: Mapping[str, Pair]) -> dict[str, list[float]]:
    """Return, per label, the thresholds to count texts at: each distinct reject and review
    line of the current and proposed pairs that is on."""
    out: dict[str, list[float]] = {}
    for label in SCORE_COLUMNS:
        pairs = [current[label], *([proposed[label]] if label in proposed else [])]
        lines = [t for p in pairs for t in (p.reject, p.review_line) if t is not None]
        out[label] = list(dict.fromkeys(lines))
    return out


def _pair_rates(pair: Pair, label: str, counts: FlagCounts, thresholds: list[float],
                scored: float) -> dict[str, Any]:
    def at(threshold: float | None) -> dict[str, Any]:
        if threshold is None:
            return _at(None, 0.0, 0, scored)
        i = thresholds.index(threshold)
        return _at(threshold, counts.flagged[label][i], counts.flagged_rows[label][i], scored)

    return {**at(pair.reject), "review": at(pair.review_line)}


def rates(counts: FlagCounts, current: Mapping[str, Pair], proposed: Mapping[str, Pair],
          recorder: ScoreRecorder) -> dict[str, Any]:
    """The answer: per label, the share flagged (at reject) and sent to review (at the review
    line: review, or reject where review is off) at the current and any proposed pair.

    Each kept row stands for the texts of its interval (its weight): the shares, and the
    texts, scored and flagged counts, are weighted estimates (counts rounded); `rows` says how
    many kept rows each rests on."""
    thresholds = asked(current, proposed)
    labels: dict[str, Any] = {}
    for label in SCORE_COLUMNS:
        scored = counts.scored.get(label, 0.0)
        entry = {"scored": round(scored), "rows": counts.scored_rows.get(label, 0),
                 "current": _pair_rates(current[label], label, counts, thresholds[label],
                                        scored)}
        if label in proposed:
            entry["proposed"] = _pair_rates(proposed[label], label, counts, thresholds[label],
                                            scored)
        labels[label] = entry
    return {"texts": round(counts.texts), "rows": counts.rows, "first": iso(counts.first),
            "last": iso(counts.last), "window_days": recorder.max_age / DAY,
            "keep": recorder.keep, "most_per_minute": recorder.most_per_minute,
            "labels": labels}


async def flag_rates(request: web.Request) -> web.Response:
    """Per label, the share of the project's recent texts flagged and sent to review at its
    current thresholds and at the proposed ones, with how many texts that rests on and their
    time span."""
    project = project_of(request)
    state = admin(request)
    policies = state.analyzer.policies
    current = (await policies.get(project)).pairs
    proposed = await proposed_pairs(request.query, policies, project)
    counts = await state.traffic.counts(project, asked(current, proposed))
    return ok({"project": project, **rates(counts, current, proposed, state.traffic)})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/projects/{project}/flag-rates", flag_rates),
]
