"""The analysis every API dialect calls: the project's model scores, its policy decides, the
listeners hear of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .events import Classification, Listener
from .policy import Policies


class Classifier(Protocol):
    """What the analysis needs from the engine: async scoring off the event loop."""

    async def score(self, project: str, text: str) -> tuple[dict[str, float], str]:
        """Score with the project's model; return the scores and the version that made them."""
        ...


@dataclass
class Analyzer:
    classifier: Classifier
    policies: Policies
    listeners: list[Listener] = field(default_factory=list)

    async def classify(self, project: str, key_id: str, text: str,
                       meta: dict[str, Any]) -> dict[str, Any]:
        """Score and decide a text for a project; record the event for webhooks before
        answering (an acknowledged classification's event is never lost)."""
        scores, version = await self.classifier.score(project, text)
        policy = await self.policies.get(project)
        result = policy.answer(scores, version)
        event = Classification(project, key_id, result, meta, text, policy.include_text)
        for listener in self.listeners:
            pending = listener(event)
            if pending is not None:
                await pending
        return result
