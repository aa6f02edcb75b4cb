"""The event filter: which classifications (events of type CLASSIFICATION) a webhook wants.

`callback` marks a webhook made for a request's own callback URL (contentmod's `callbackUrl`):
it wants no classification, only the answers sent to it (see `callbacks`).

Test events (type TEST) are not filtered: they are sent only when an operator asks, to the one
webhook asked about, whatever it lists here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .validation import WebhookError

ALL = "all"
FLAGGED = "flagged"
# Filter name -> the Spectrum decision field it looks at.
LABELS = {"toxic": "toxic", "sexual": "sexual", "phishing": "phishing"}
CALLBACK = "callback"
EVENT_NAMES = (ALL, FLAGGED, *LABELS, CALLBACK)


def parse_events(text: str | Iterable[str]) -> tuple[str, ...]:
    """Parse `all`, `flagged` or labels (comma-separated); raise WebhookError on unknown names."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    if not names:
        raise WebhookError(f"no event given: choose from {', '.join(EVENT_NAMES)}")
    unknown = [n for n in names if n not in EVENT_NAMES]
    if unknown:
        raise WebhookError(f"unknown event {unknown[0]!r}: choose from {', '.join(EVENT_NAMES)}")
    if ALL in names:
        return (ALL,)
    if CALLBACK in names and len(names) > 1:
        raise WebhookError("`callback` cannot be combined with other events")
    return names


def format_events(events: Iterable[str]) -> str:
    """Return the stored (comma-separated) form of parsed events."""
    return ",".join(events)


def matches(events: Iterable[str], result: Mapping[str, Any]) -> bool:
    """Return whether a classification result is wanted by a webhook with these events."""
    for name in events:
        if name == ALL:
            return True
        if name == FLAGGED and any(result.get(field) is True for field in LABELS.values()):
            return True
        if name in LABELS and result.get(LABELS[name]) is True:
            return True
    return False
