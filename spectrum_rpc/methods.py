"""The JSON-RPC methods: classifyText and recordUserClassification."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import params
from .constants import FEEDBACK_LABELS, RATE_LIMITED
from .params import Param
from .policy import Policies
from .rpc import Methods, RpcError, Success
from .store import KeyRecord, Store, now

log = logging.getLogger(__name__)


class Classifier(Protocol):
    """What the methods need from the engine: async scoring off the event loop."""

    async def score(self, project: str, text: str) -> tuple[dict[str, float], str]:
        """Score with the project's model; return the scores and the version that made them."""
        ...


class RateLimiter(Protocol):
    def allow(self, key_id: str) -> bool: ...


@dataclass(slots=True)
class Classification:
    """One classifyText call's outcome, handed to listeners (the webhook outbox, statistics).

    Not frozen: one is made per call, and a frozen dataclass's __init__ costs twice as much."""

    project: str
    key_id: str
    result: dict[str, Any]
    meta: dict[str, Any]
    text: str
    include_text: bool


# A listener returns an awaitable only when it has I/O to do (the outbox writing an event):
# most calls do none, and a coroutine per listener per request is work the hottest path can
# skip.
Listener = Callable[[Classification], Awaitable[None] | None]


@dataclass
class Services:
    store: Store
    classifier: Classifier
    policies: Policies
    listeners: list[Listener] = field(default_factory=list)
    feedback_limiter: RateLimiter | None = None


@dataclass(slots=True)  # made on every request: not frozen, whose __init__ costs twice as much
class Context:
    services: Services
    key: KeyRecord
    request_id: str


CLASSIFY_PARAMS = (Param("text", params.text), Param("meta", params.meta, required=False))
FEEDBACK_PARAMS = (
    Param("content", params.text),
    Param("shouldBlock", params.boolean),
    Param("meta", params.meta, required=False),
    Param("labels", params.labels(FEEDBACK_LABELS), required=False),
)


async def classify_text(ctx: Context, /, *args: Any, **kwargs: Any) -> Any:
    """Score a text and answer in the Spectrum shape; record the event for webhooks first."""
    p = params.bind(CLASSIFY_PARAMS, args, kwargs)
    services = ctx.services
    scores, version = await services.classifier.score(ctx.key.project, p["text"])
    policy = await services.policies.get(ctx.key.project)
    result = policy.answer(scores, version)
    event = Classification(
        ctx.key.project, ctx.key.id, result, p.get("meta", {}), p["text"], policy.include_text
    )
    for listener in services.listeners:
        pending = listener(event)
        if pending is not None:
            await pending
    return Success(result)


async def record_user_classification(ctx: Context, /, *args: Any, **kwargs: Any) -> Any:
    """Persist a moderator's correction; answer "OK" only once it is committed."""
    p = params.bind(FEEDBACK_PARAMS, args, kwargs)
    limiter = ctx.services.feedback_limiter
    if limiter is not None and not limiter.allow(ctx.key.id):
        raise RpcError(RATE_LIMITED, data="too many corrections from this key; retry later")
    content: str = p["content"]
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    await ctx.services.store.feedback.add(
        project=ctx.key.project,
        key_id=ctx.key.id,
        created_at=now(),
        content=content,
        content_sha256=digest,
        should_block=p["shouldBlock"],
        labels=p.get("labels"),
        meta=p.get("meta"),
    )
    log.debug(
        "feedback recorded project=%s len=%d sha256=%s", ctx.key.project, len(content), digest[:12]
    )
    return Success("OK")


METHODS: Methods = {
    "classifyText": classify_text,
    "recordUserClassification": record_user_classification,
}
