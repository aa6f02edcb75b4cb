"""The app's long-lived resources, each under a typed key: what `app` builds and the API
dialects and the admin UI use."""

from __future__ import annotations

from aiohttp import web

from .analysis import Analyzer
from .auth import KeyAuthenticator, Usage
from .body import Bodies
from .media import ImageModerator
from .metrics import Metrics
from .settings import Settings
from .store import Store
from .training import RetrainSchedule
from .versions import ModelRouter
from .webhooks import Dispatcher

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
AUTH = web.AppKey("auth", KeyAuthenticator)
# Every dialect awaits USAGE.admit(key, api) after authenticating (counts, rate limit, quota).
USAGE = web.AppKey("usage", Usage)
BODIES = web.AppKey("bodies", Bodies)
CLASSIFIER = web.AppKey("classifier", ModelRouter)
ANALYZER = web.AppKey("analyzer", Analyzer)
SCHEDULE = web.AppKey("retrain_schedule", RetrainSchedule)
DISPATCHER = web.AppKey("webhook_dispatcher", Dispatcher)
# Images and GIFs by URL (discuse, OpenAI): fetched, decoded and scored, or "unsupported".
IMAGES = web.AppKey("images", ImageModerator)
# Only while metrics.enabled: absent otherwise.
METRICS = web.AppKey("metrics", Metrics)

# Set by the middleware on every request: the client's X-Request-Id if sane, else a new one.
REQUEST_ID = web.RequestKey("request_id", str)
