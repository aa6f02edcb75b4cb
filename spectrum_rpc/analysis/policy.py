"""Per-project decision policy: a reject and a review threshold per label, webhook privacy,
the filter; cached briefly.

Every label an analysis scores has a thresholds.Pair: `reject` (the label is `flagged`,
`actions.reject`) and `review` (at or below reject: `actions.review`, a person should look).
Either may be None: off (a label with no reject threshold is never flagged). The server's
defaults are in settings.ThresholdSettings; a project's own pairs are stored in its settings
(`thresholds`: label -> {"reject", "review"}, the fields it set; a bare number, as stored before
pairs existed, is the reject threshold, its review REVIEW_SHARE of it).

One review line per label (`Pair.review_line`) serves both `actions.review` and the toxic-spans
rule (`Policy.review_line`): the review threshold, or the reject threshold where review is off,
so that a rejected text always asks for review too."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..cache import MISSING, TtlCache
from ..labels import DECIDED, SCORABLE, SPECTRUM_FIELDS
from ..settings import Settings, ThresholdSettings
from ..store import SETTINGS, Store, StoreUnavailable, concerns
from ..thresholds import OFF, PAIR_KEYS, Pair, share
from .filters import FilterError, default_filter, filter_options, parse_filter
from .options import Options

log = logging.getLogger(__name__)
DEFAULT_OPTIONS = filter_options(default_filter())

_PAIRS = tuple(SPECTRUM_FIELDS.items())
_IGNORED_MOST = 10_000  # bad stored thresholds remembered as logged (beyond: logged again)


class ThresholdError(ValueError):
    """A threshold pair that cannot be stored: `path` names the field at fault."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path} {reason}")
        self.path, self.reason = path, reason


# Given for a label (or one field of its pair): forget the project's own value, so that the
# server's default applies again (and later changes of the default reach the project).
DEFAULT = "default"
_NAME_CUT = 40  # an error message repeats at most this much of a name it was given


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CUT else name[:_NAME_CUT] + "…"


def default_pairs(thresholds: ThresholdSettings) -> dict[str, Pair]:
    """Return the server's default pair of every scorable label (settings.ThresholdSettings)."""
    return {label: getattr(thresholds, label, OFF) for label in SCORABLE}


def _number(value: Any, path: str, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ThresholdError(path, "must be a number from 0 to 1" + (" or null" if optional
                                                                         else ""))
    return float(value) + 0.0  # -0.0 is 0.0


def parse_pair(label: str, given: Any, default: Pair, path: str = "thresholds",
               writing: bool = False) -> Pair:
    """Return a label's effective pair from the project's own value over the server's default
    pair, raising ThresholdError naming the field at fault. The own value is a number (the
    reject threshold, review REVIEW_SHARE of it, as stored before pairs), null (off) or an
    object with `reject` and/or `review` (null: off). A field left out is the default's, except
    where that would clash: review missing is derived from the given reject (REVIEW_SHARE of
    it) when the default review was derived so too or lies above it; reject missing is raised
    to a given review above it (when `writing`, an error instead: a review typed above the
    reject in force must not move that reject). Both given with review above reject is an
    error."""
    where = f"{path}.{_short(label)}"
    if label not in SCORABLE:
        raise ThresholdError(where, f"is not a label; known: {', '.join(SCORABLE)}")
    decided = label in DECIDED  # classifyText's booleans need a reject threshold
    if not isinstance(given, dict):
        if given is None and not decided:
            return OFF
        reject = _number(given, where, optional=False)
        assert reject is not None
        return Pair.of_reject(reject)
    unknown = [k for k in given if k not in PAIR_KEYS]
    if unknown:
        raise ThresholdError(f"{where}.{_short(str(unknown[0]))}",
                             "is not a field; known: reject, review")
    reject, review = default.reject, default.review
    if "reject" in given:
        reject = _number(given["reject"], f"{where}.reject", optional=not decided)
    if "review" in given:
        review = _number(given["review"], f"{where}.review", optional=True)
    if reject is None or review is None or review <= reject:
        if "reject" in given and "review" not in given and default.derived:
            return Pair(reject, share(reject), derived=True)
        return Pair(reject, review)
    if "review" in given and ("reject" in given or writing):
        raise ThresholdError(f"{where}.review", f"must not be above reject ({reject})")
    if "reject" in given:  # the default review lies above the project's reject
        return Pair(reject, share(reject), derived=True)
    return Pair(review, review)  # the default reject lies below the project's review


def _unsigned(value: Any) -> Any:
    """Return a given value with -0.0 stored as 0.0 (anything else as given)."""
    return 0.0 if isinstance(value, float) and value == 0.0 else value


def own_partial(stored: Any) -> dict[str, Any]:
    """Return a label's stored value as the object of the fields the project set."""
    if isinstance(stored, dict):
        return dict(stored)
    if stored is None:
        return {"reject": None, "review": None}
    return {"reject": stored}  # a number: reject (its review derived, as before pairs)


def as_pairs(pairs: Mapping[str, Pair]) -> dict[str, dict[str, float | None]]:
    """Return pairs as the admin API and the stored settings spell them."""
    return {label: pair.as_dict() for label, pair in pairs.items()}


@dataclass(frozen=True)
class Policy:
    # Every scorable label's pair (a label not given: off).
    pairs: Mapping[str, Pair] = field(default_factory=dict)
    include_text: bool = False
    # The project's filter, complete (filters.default_filter() when it set none), and the
    # analysis it asks for when a request names no detectors.
    filter: dict[str, Any] = field(default_factory=default_filter)
    options: Options = field(default_factory=lambda: DEFAULT_OPTIONS)
    # Read on the request path, so worked out once: the reject threshold of each label that
    # has one (classifyText's three always do), and the review line of each that has one.
    thresholds: dict[str, float] = field(init=False, repr=False)
    reviews: dict[str, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pairs = {label: self.pairs.get(label, OFF) for label in SCORABLE}
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "thresholds", {label: p.reject for label, p in pairs.items()
                                                if p.reject is not None})
        object.__setattr__(self, "reviews", {label: p.review_line for label, p in pairs.items()
                                             if p.review_line is not None})

    def decide(self, label: str, confidence: float) -> bool:
        """Return whether a confidence crosses this project's reject threshold for the label
        (0.5 for a label left off: for the dialects whose answer decides every attribute)."""
        return confidence >= self.thresholds.get(label, 0.5)

    def review_line(self, label: str) -> float | None:
        """Return the score from which a text asks for review on this label (`decisions`,
        and the toxic-spans rule): `Pair.review_line`; None when the label is off."""
        return self.reviews.get(label)

    def answer(self, scores: dict[str, float], version: str) -> dict[str, Any]:
        """Return classifyText's result object: Spectrum's decision/confidence pairs."""
        result: dict[str, Any] = {}
        threshold = self.thresholds.get
        for label, (decision, confidence) in _PAIRS:  # on every call: no method calls here
            value = scores.get(label)
            if value is not None:  # a label the engine cannot score is left out, never faked
                value = round(float(value), 6)
                result[decision] = value >= threshold(label, 0.5)
                result[confidence] = value
        result["modelVersion"] = version  # the model that scored the text, even across a swap
        return result

    def decisions(self, scores: dict[str, float]) -> tuple[dict[str, bool], dict[str, bool]]:
        """Return `flagged` for each scored label with a reject threshold, and the actions:
        `reject` when any is flagged, `review` when any label reaches its review line (a
        person should look first; the line is at or below reject, so a rejected text is one)."""
        flagged = {label: float(value) >= self.thresholds[label]
                   for label, value in scores.items() if label in self.thresholds}
        review = any(float(value) >= self.reviews[label]
                     for label, value in scores.items() if label in self.reviews)
        return flagged, {"reject": any(flagged.values()), "review": review}


class Policies:
    """Resolve a project's policy: its stored settings over the server's defaults.

    Cached for `ttl` seconds so that the request path does not read the store, while a change
    made by the CLI or the admin UI still takes effect within that time.
    """

    def __init__(self, store: Store, settings: Settings, ttl: float = 1.0):
        self.store = store
        self.default_pairs = default_pairs(settings.thresholds)
        # (project, label) of the stored thresholds found bad, each logged once.
        self._ignored: set[tuple[str, str]] = set()
        self.defaults = Policy(include_text=settings.webhooks.include_text)
        self.defaults = self._merge({})
        # While the database is away: the policy read last (within store.outage_grace).
        self._cache: TtlCache[str, Policy] = TtlCache(
            ttl, stale_for=settings.store.outage_grace, stale_on=(StoreUnavailable,))

    async def get(self, project: str) -> Policy:
        """Return the project's current policy."""
        policy = self._cache.peek(project)
        return policy if policy is not MISSING else await self._cache.get(project, self._load)

    async def merge_thresholds(self, project: str, changes: Any) -> dict[str, Any]:
        """Validate thresholds (label -> a number, null, {reject and/or review}, or "default")
        and return the project's `thresholds` setting with them (to store; nothing is stored
        here); raise ThresholdError naming the field at fault.

        Only what is given is stored, over the fields the project set before: a field left out
        keeps following the server's default. "default" for a label, or for one field of its
        pair, forgets the project's own value (null, by contrast, turns it off)."""
        if not isinstance(changes, dict):
            raise ThresholdError("thresholds", "must be an object of label: {reject, review}")
        stored = (await self.store.projects.get_settings(project)).get("thresholds", {})
        own = dict(stored) if isinstance(stored, dict) else {}
        for label, given in changes.items():
            if label not in SCORABLE:
                raise ThresholdError(f"thresholds.{_short(label)}",
                                     f"is not a label; known: {', '.join(SCORABLE)}")
            if isinstance(given, str) and given == DEFAULT:
                own.pop(label, None)
                continue
            if isinstance(given, dict):
                value = own_partial(own[label]) if label in own else {}
                for key, field_value in given.items():
                    if isinstance(field_value, str) and field_value == DEFAULT:
                        value.pop(key, None)
                    else:
                        value[key] = _unsigned(field_value)
            else:
                value = _unsigned(given)
            parse_pair(label, value, self.default_pairs[label], writing=True)
            if value == {}:
                own.pop(label, None)
            else:
                own[label] = value
        return own

    async def preview_thresholds(self, project: str, changes: Any) -> dict[str, Pair]:
        """Return the effective pair of each label in `changes` as saving them would make it
        (merge_thresholds over the project's stored value, then parse_pair over the server's
        default pair), storing nothing; raise ThresholdError as saving would."""
        own = await self.merge_thresholds(project, changes)
        pairs = dict(self.default_pairs)
        for label in changes:
            if label in own:
                pairs[label] = parse_pair(label, own[label], self.default_pairs[label])
        return {label: pairs[label] for label in changes}

    async def own_thresholds(self, project: str) -> dict[str, Any]:
        """Return what the project set of each label's pair (as stored: a number, null or an
        object of the fields it set); a label absent follows the server's default."""
        stored = (await self.store.projects.get_settings(project)).get("thresholds", {})
        return ({label: value for label, value in stored.items() if label in SCORABLE}
                if isinstance(stored, dict) else {})

    async def change_filter(self, project: str, changes: Any) -> dict[str, Any]:
        """Validate a (partial) filter over the project's current one, store it, and return
        it complete; raise FilterError naming the field at fault (nothing stored then)."""
        changed = parse_filter(changes, base=(await self.get(project)).filter)
        await self.store.projects.update_settings(project, {"filter": changed})
        self.forget(project)
        return changed

    def changed(self, topic: str, detail: str) -> None:
        """Drop a cached policy: another process changed the project's settings."""
        if concerns(topic, SETTINGS):
            self.forget(detail or None)

    def forget(self, project: str | None = None) -> None:
        """Drop cached policies (after an in-process change)."""
        self._cache.forget(project)

    async def _load(self, project: str) -> Policy:
        return self._merge(await self.store.projects.get_settings(project), project)

    def _merge(self, stored: dict[str, Any], project: str = "") -> Policy:
        pairs = dict(self.default_pairs)
        own = stored.get("thresholds", {})
        for label, given in (own.items() if isinstance(own, dict) else ()):
            try:
                pairs[label] = parse_pair(label, given, pairs.get(label, OFF))
            except ThresholdError as exc:  # validated when written: only a hand-edited database
                if (project, label) not in self._ignored:  # once, not at every reload
                    if len(self._ignored) < _IGNORED_MOST:
                        self._ignored.add((project, label))
                    log.warning("ignoring a stored threshold of project %s: %s",
                                _short(project), exc)
        project_filter = self.defaults.filter
        if "filter" in stored:
            try:
                project_filter = parse_filter(stored["filter"])
            except FilterError as exc:  # validated when written: only a hand-edited database
                log.warning("ignoring the stored filter of a project: %s", exc.path)
        return Policy(pairs, bool(stored.get("include_text", self.defaults.include_text)),
                      project_filter, filter_options(project_filter))
