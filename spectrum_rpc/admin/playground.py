"""Score a text as classifyText would for a project, plus the lexicon spans to highlight; and
the full analysis (every detector, at the project's modes), its spans cut into pieces."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..analysis import AVAILABLE, PII_TYPES, Analyzer, Options, Policy

# The detectors' state, cheapest first: the speller alone takes seconds (and ~160 MB), so the
# Playground answers without spelling until it is built rather than keep the admin waiting.
STATE = ("span_model", "sentiment_analyzer", "profanity_finder", "language_detector", "speller")
WARM_WAIT = 2.0  # seconds an analysis waits for the state before answering without spelling
# Detectors the Playground does not show, so does not run: per-sentence scores score the text
# once more per sentence.
NOT_SHOWN = frozenset({"sentences"})


def _build(detection: Any) -> None:
    for name in STATE:
        getattr(detection, name)


class Warmup:
    """Build every detector's state once, off the event loop, when the Playground is first
    used (a server that only classifies never loads them)."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def start(self, analyzer: Analyzer) -> asyncio.Task[None]:
        """Start building (once); return the task."""
        if self.task is None:
            self.task = asyncio.create_task(asyncio.to_thread(_build, analyzer.detection))
        return self.task

    async def ready(self, analyzer: Analyzer, wait: float = WARM_WAIT) -> bool:
        """Return whether every detector is built, waiting up to `wait` seconds for it."""
        task = self.start(analyzer)
        await asyncio.wait({task}, timeout=wait)
        return task.done() and task.exception() is None

    async def close(self) -> None:
        """Wait for a build in progress (a thread cannot be cancelled)."""
        if self.task is not None:
            await asyncio.wait({self.task})
            if not self.task.cancelled():
                self.task.exception()  # retrieved: a failed build was logged by the request


def segments(text: str, matches: list[Any]) -> list[dict[str, Any]]:
    """Split text into plain and matched pieces, so the browser never does index arithmetic."""
    out: list[dict[str, Any]] = []
    last = 0
    for m in matches:
        if m.start > last:
            out.append({"text": text[last:m.start], "match": None})
        out.append({"text": text[m.start:m.end],
                    "match": {"term": m.term, "category": m.category, "severity": m.severity}})
        last = m.end
    if last < len(text):
        out.append({"text": text[last:], "match": None})
    return out


async def explain(classifier: Any, policy: Policy, project: str, text: str) -> dict[str, Any]:
    """Return the classifyText result, every engine score, thresholds and highlighted spans."""
    scores, version = await classifier.score(project, text)
    # Spans come from the global model's lexicon (the router exposes no per-project engine).
    matches = await asyncio.to_thread(classifier.engine.lexicon.find, text)
    return {
        "result": policy.answer(scores, version),
        "scores": {k: round(float(v), 6) for k, v in scores.items()},
        "thresholds": policy.thresholds,
        "segments": segments(text, matches),
        "matches": len(matches),
    }


def model_version(classifier: Any, project: str | None = None) -> str:
    """Return the version of the model serving a project (or the global one)."""
    if project is not None and hasattr(classifier, "version_for"):
        return str(classifier.version_for(project))
    return str(classifier.version)


def every_detector(policy: Policy, skip: Iterable[str] = ()) -> Options:
    """The project's options with every detector it shows on (but `skip`) and every kind of
    personal data looked for, each at its mode in the project's filter, with its mask when
    masking is on."""
    chosen = policy.filter
    masks = {kind: chosen[kind]["mask"] if chosen[kind]["masking"] else None
             for kind in (*PII_TYPES, "profanity")}
    return replace(policy.options, detect=frozenset(AVAILABLE) - NOT_SHOWN - set(skip),
                   masks=masks,
                   pii_modes={kind: chosen[kind]["mode"] for kind in PII_TYPES},
                   modes={**policy.options.modes, "profanity": chosen["profanity"]["mode"]})


def pieces(text: str, ranges: Iterable[tuple[int, int, dict[str, Any]]]
           ) -> list[dict[str, Any]]:
    """Cut a text at every range's ends: each piece with the tags of the ranges covering it
    (ranges may overlap), so the browser shows them without index arithmetic (its strings
    count UTF-16 units, the offsets count code points)."""
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    tags = []
    for i, (begin, end, tag) in enumerate(ranges):
        begin, end = max(0, begin), min(len(text), end)
        if begin < end:
            starts.setdefault(begin, []).append(i)
            ends.setdefault(end, []).append(i)
        tags.append(tag)
    out: list[dict[str, Any]] = []
    active: dict[int, None] = {}  # insertion-ordered set of the ranges covering the piece
    cuts = sorted({0, len(text), *starts, *ends})
    for a, b in zip(cuts, cuts[1:], strict=False):
        for i in ends.get(a, ()):
            active.pop(i, None)
        for i in starts.get(a, ()):
            active[i] = None
        out.append({"text": text[a:b], "tags": [tags[i] for i in active]})
    return out


async def analyze(analyzer: Analyzer, policy: Policy, project: str, text: str,
                  loading: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run every detector (but those `loading`) over a text for a project (nothing told to
    listeners: no key), with the toxic spans and the matches (personal data, profanity) cut
    into pieces."""
    found = await analyzer.moderate(project, text, every_detector(policy, loading))
    spans = [(s["begin"], s["end"], {"label": s["label"], "score": s["score"]})
             for s in found.get("spans", [])]
    matches = [(m["begin"], m["end"], {"kind": kind, "text": m["text"]})
               for kind, result in found.get("pii", {}).items() for m in result["matches"]]
    matches += [(m["begin"], m["end"], {"kind": "profanity", "text": m["text"]})
                for m in found.get("profanity", {}).get("matches", [])]
    return {"analysis": found, "loading": list(loading), "span_pieces": pieces(text, spans),
            "match_pieces": pieces(text, sorted(matches, key=lambda r: r[:2]))}
