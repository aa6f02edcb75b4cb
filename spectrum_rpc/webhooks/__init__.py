"""Webhooks: the event filter, payload, signing, SSRF guard, the outbox and the dispatcher.

classifyText → `Outbox` (writes the event and its deliveries before the answer) → store →
`Dispatcher` (claims due deliveries, sends them, records attempts and reschedules).
"""

from . import callbacks, management
from .client import create_session
from .dispatcher import Dispatcher, Result
from .filters import EVENT_NAMES
from .outbox import Outbox
from .validation import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, NotFound, WebhookError

# `management`: the operations on webhooks (add, update, test, replay...) that the CLI and the
# admin UI share; `callbacks`: answers sent to a request's own callback URL.
__all__ = ["EVENT_NAMES", "MAX_DESCRIPTION_LENGTH", "MAX_URL_LENGTH", "Dispatcher", "NotFound",
           "Outbox", "Result", "WebhookError", "callbacks", "create_session", "management"]
