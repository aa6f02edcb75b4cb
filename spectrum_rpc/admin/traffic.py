"""A project's flag and review rates per label on its own recent traffic (see `recent`), at
its current thresholds and at thresholds a user proposes: the Settings page shows both before a
change is saved. Every label with a pair of thresholds has them (thresholds.Pair)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..labels import DECIDED
from ..store import SCORE_COLUMNS, FlagCounts
from ..thresholds import Pair, share
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
    return value


def proposed_pairs(query: Mapping[str, str], current: Mapping[str, Pair]) -> dict[str, Pair]:
    """Return the pairs proposed in the query (?toxicity=0.3&insult.review=0.2&hate=off...);
    raise BadRequest. "off" turns a field off (never a decided reject); a field not given is
    the current one, except a review where only reject is proposed: derived from it as saving
    that reject would (policy.parse_pair)."""
    given: dict[str, dict[str, float | None]] = {}
    for name, text in query.items():
        label, review = (name[:-len(REVIEW_SUFFIX)], True) if name.endswith(REVIEW_SUFFIX) \
            else (name, False)
        if label not in SCORE_COLUMNS:
            raise BadRequest(f"unknown parameter {name[:40]!r}; known: each label "
                             f"({', '.join(SCORE_COLUMNS)}), and LABEL{REVIEW_SUFFIX}")
        value = _value(name, text, off_allowed=review or label not in DECIDED)
        given.setdefault(label, {})["review" if review else "reject"] = value
    out = {}
    for label, fields in given.items():
        pair = current[label]
        reject = fields.get("reject", pair.reject)
        review = fields.get("review", pair.review)
        if "review" not in fields and (pair.derived or (
                reject is not None and review is not None and review > reject)):
            review = share(reject)
        if reject is not None and review is not None and review > reject:
            raise BadRequest(f"the proposed review threshold of {label} must not be above its "
                             f"reject threshold ({reject})")
        out[label] = Pair(reject, review)
    return out


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
    current = (await state.analyzer.policies.get(project)).pairs
    proposed = proposed_pairs(request.query, current)
    counts = await state.traffic.counts(project, asked(current, proposed))
    return ok({"project": project, **rates(counts, current, proposed, state.traffic)})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/projects/{project}/flag-rates", flag_rates),
]
