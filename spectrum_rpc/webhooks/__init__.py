"""Webhooks: the event filter, payload, signing, SSRF guard, the outbox and the dispatcher.

classifyText → `Outbox` (writes the event and its deliveries before the answer) → store →
`Dispatcher` (claims due deliveries, sends them, records attempts and reschedules).
"""

from .client import create_session
from .dispatcher import Dispatcher, Result
from .models import NotFound, WebhookError
from .outbox import Outbox

__all__ = ["Dispatcher", "NotFound", "Outbox", "Result", "WebhookError", "create_session"]
