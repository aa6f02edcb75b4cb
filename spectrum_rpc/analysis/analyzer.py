"""The analysis every API dialect calls: the project's model scores, its policy decides, the
listeners hear of it."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..constants import EVENT_CLASSIFICATION
from ..labels import PHISHING, PROFANITY, TOXICITY
from .events import Classification, Listener
from .offload import Offload
from .options import SCORED, Options
from .policy import Policies
from .sentences import MAX_SPANS, THREAD_CHARS, grouped

if TYPE_CHECKING:
    from ..engine import Engine
    from .detection import Detection


class Classifier(Protocol):
    """What the analysis needs from the engine: async scoring off the event loop."""

    async def score(self, project: str, text: str) -> tuple[dict[str, float], str]:
        """Score with the project's model; return the scores and the version that made them."""
        ...

    @property
    def engine(self) -> Engine:
        """The global model's engine (its lexicon serves the profanity detector)."""
        ...



async def _together(jobs: Iterable[Awaitable[Any]]) -> list[Any]:
    """Await jobs concurrently; when one fails, cancel the others before raising."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def quality(scores: Mapping[str, float]) -> dict[str, float]:
    """The `quality` detector: `spam`, our phishing/scam label (SMS, YouTube and e-mail spam
    taught it). `incoherent` and `unsubstantial` have no labelled data here: never answered."""
    return {"spam": round(float(scores[PHISHING]), 6)} if PHISHING in scores else {}

@dataclass
class Analyzer:
    classifier: Classifier
    policies: Policies
    listeners: list[Listener] = field(default_factory=list)
    _detection: Detection | None = field(default=None, repr=False)
    offload: Offload = field(default_factory=Offload, repr=False)

    @property
    def detection(self) -> Detection:
        """The detectors, loaded on the first analysis that asks for one (classifyText never
        does: a server that only classifies never loads them)."""
        if self._detection is None:
            from .detection import Detection

            self._detection = Detection(self.classifier.engine.lexicon)
        return self._detection

    async def moderate(self, project: str, text: str, options: Options,
                       key_id: str | None = None, meta: dict[str, Any] | None = None,
                       event_type: str = EVENT_CLASSIFICATION) -> dict[str, Any]:
        """Run the detectors `options` ask for over a text; the labels with the project's
        model and policy (`flagged`, `actions`); everything else off the event loop. With a
        `key_id`, the labels' outcome is told to the listeners as classify tells them (an
        event of `event_type`, with `meta`)."""
        detect = options.detect
        # The model's scores, the sentences' and the other detectors run at the same time.
        # Spans need the text's toxicity too (a text below the review line is marked only when
        # the span model's sub-labels say so: `spans.worth_marking`): they are found without
        # it and the rule applied once both are known.
        jobs: dict[str, Awaitable[Any]] = {}
        if detect & {"labels", "quality", "spans"}:
            jobs["scores"] = self.classifier.score(project, text)
        if "sentences" in detect:
            jobs["sentences"] = self.sentence_scores(project, text)
        if detect - SCORED or ("labels" in detect and options.sub_labels):
            jobs["found"] = self.offload.run(self.detection, self.classifier.engine.source, text,
                                             options, None if "spans" in detect else True)
        spanned: frozenset[str] = frozenset()  # the labels the span model scored
        done = dict(zip(jobs, await _together(jobs.values()), strict=True))
        scores, version = done.get("scores", ({}, ""))
        policy = await self.policies.get(project) if detect & {"labels", "spans"} else None
        result: dict[str, Any] = {}
        if "quality" in detect:
            result["quality"] = quality(scores)
        if "labels" in detect:
            assert policy is not None
            result["labels"] = {k: round(float(v), 6) for k, v in scores.items()}
            result["flagged"] = result["actions"] = None  # decided below, with the sub-labels
            result["modelVersion"] = version
        if "sentences" in done:
            # Without the lexicon's profanity rule: `labels.profanity` is the span model's,
            # and one name should not mean two scores in one answer.
            result["sentences"] = [
                {"begin": b, "end": e, "scores": {k: v for k, v in s.items() if k != PROFANITY}}
                for b, e, s in done["sentences"]]
        if "found" in done:
            found = done["found"]
            if "spans" in detect:
                assert policy is not None
                line = policy.review_line(TOXICITY)  # classifyText's labels always have one
                self.detection.settle(found, line is not None
                                      and float(scores.get(TOXICITY, 1.0)) >= line)
            # The span model's sub-labels (insult, threat, identity_attack, and profanity,
            # which it scores better than the lexicon rule: docs/BENCHMARKS.md) join the
            # engine's labels before the project's thresholds decide them all.
            if "labels" in found:
                span_scores = found.pop("labels")
                spanned = frozenset(span_scores)
                result["labels"].update(span_scores)
            result.update(found)
        if "labels" in detect:
            assert policy is not None
            result["flagged"], result["actions"] = policy.decisions(result["labels"])
            if key_id is not None:  # told once the sub-labels are known (recent scores keep them)
                await self._tell(Classification(project, key_id, policy.answer(scores, version),
                                                meta or {}, text, policy.include_text,
                                                event_type, result["labels"], spanned))
        result["hash"] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return result

    async def close(self) -> None:
        """Stop the detector process, if large texts started one."""
        await self.offload.close()

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

    async def _tell(self, event: Classification) -> None:
        for listener in self.listeners:
            pending = listener(event)
            if pending is not None:
                await pending

    async def sentence_scores(self, project: str, text: str, most: int = MAX_SPANS
                              ) -> list[tuple[int, int, dict[str, float]]]:
        """Score each sentence of a text with the project's model: (begin, end, scores) in
        code points into the text, at most `most` of them (consecutive sentences are scored
        together beyond that). Nothing is told to the listeners."""
        if len(text) > THREAD_CHARS:  # a long text is split off the event loop
            spans = await self.offload.sentences(self.classifier.engine.source, text, most)
        else:
            spans = grouped(text, most)
        # Concurrent: the engine's micro-batcher scores them together.
        scored = await asyncio.gather(*(self.classifier.score(project, text[b:e])
                                        for b, e in spans))
        return [(b, e, {k: round(float(v), 6) for k, v in scores.items()})
                for (b, e), (scores, _) in zip(spans, scored, strict=True)]
