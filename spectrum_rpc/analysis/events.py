"""What an analysis tells its listeners (the webhook outbox, the dashboard's statistics)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..constants import EVENT_CLASSIFICATION


@dataclass(slots=True)
class Classification:
    """One classification's outcome, handed to every listener.

    Not frozen: one is made per call, and a frozen dataclass's __init__ costs twice as much."""

    project: str
    key_id: str
    result: dict[str, Any]
    meta: dict[str, Any]
    text: str
    include_text: bool
    event_type: str = EVENT_CLASSIFICATION
    # Every label the call scored (moderateText's `labels`: the sub-labels among them), for
    # listeners that look past `result`, classifyText's three; None: `result` is all there is.
    labels: dict[str, float] | None = None
    # Which of `labels` the span model scored (labels.SPAN_LABELS it ran for): a span label
    # not among them (profanity: the lexicon rule's) is not the score a listener keeps under
    # that name.
    span_labels: frozenset[str] = frozenset()


# A listener returns an awaitable only when it has I/O to do (the outbox writing an event):
# most calls do none, and a coroutine per listener per request is work the hottest path can
# skip.
Listener = Callable[[Classification], Awaitable[None] | None]
