"""The event body (Spectrum's webhook shape) and the headers sent with it."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from .. import __version__
from ..constants import EVENT_CLASSIFICATION, EVENT_TEST, JSON_CONTENT_TYPE
from ..labels import SPECTRUM_FIELDS

# Standard Webhooks header names.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
USER_AGENT = f"spectrum-rpc/{__version__}"

_RESULT_FIELDS = tuple(f for pair in SPECTRUM_FIELDS.values() for f in pair) + ("modelVersion",)


def new_event_id() -> str:
    """Return a new event id (also the webhook-id header, stable across retries)."""
    return "msg_" + secrets.token_hex(12)


def iso_time(ts: float) -> str:
    """Format a UNIX time as ISO-8601 UTC with milliseconds."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build_body(
    event_id: str,
    created_at: float,
    result: Mapping[str, Any],
    meta: Mapping[str, Any],
    text: str | None = None,
    event_type: str = EVENT_CLASSIFICATION,
) -> bytes:
    """Serialise one event once; these exact bytes are stored, signed and sent on every try."""
    body: dict[str, Any] = {"id": event_id, "type": event_type}
    body.update((k, result[k]) for k in _RESULT_FIELDS if k in result)
    body["meta"] = dict(meta)
    body["createdAt"] = iso_time(created_at)
    if text is not None:
        body["text"] = text
    return orjson.dumps(body)


def test_body(event_id: str, created_at: float) -> bytes:
    """Return a test event: type TEST, the synthetic classification, meta {"test": true}."""
    return build_body(event_id, created_at, sample_result(), {"test": True},
                      event_type=EVENT_TEST)


def sample_result() -> dict[str, Any]:
    """Return the synthetic classification sent by `webhooks test`."""
    return {
        "toxic": False,
        "toxicityConfidence": 0.0,
        "sexual": False,
        "sexualConfidence": 0.0,
        "phishing": False,
        "phishingConfidence": 0.0,
        "modelVersion": "test",
    }


def headers(
    event_id: str, timestamp: int, signature: str, authorization: str | None
) -> dict[str, str]:
    """Return the headers of one attempt."""
    sent = {
        "Content-Type": JSON_CONTENT_TYPE,
        "User-Agent": USER_AGENT,
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature,
    }
    if authorization is not None:
        sent["Authorization"] = authorization
    return sent
