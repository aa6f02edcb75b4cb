"""Score a text as classifyText would for a project, plus the lexicon spans to highlight."""

from __future__ import annotations

import asyncio
from typing import Any

from ..analysis import Policy


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
