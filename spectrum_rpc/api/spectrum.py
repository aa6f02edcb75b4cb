"""The Spectrum API: JSON-RPC 2.0 at /api/v1/classification, `Authorization: Apikey KEY`,
with the methods classifyText and recordUserClassification, and our extension moderateText."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .. import __version__
from ..analysis import AVAILABLE, DETECTORS, MODED, MODES, Analyzer
from ..auth import KeyRateLimiter, LimitExceeded
from ..body import BUSY, TOO_LARGE, BodyRefused
from ..constants import (
    ERROR_MESSAGES,
    EVENT_MODERATION,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    PARSE_ERROR,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED,
    RPC_PATH,
    SERVER_BUSY,
    UNAUTHORIZED,
)
from ..labels import FEEDBACK_LABELS, SPECTRUM_FIELDS
from ..resources import ANALYZER, AUTH, BODIES, METRICS, REQUEST_ID, SETTINGS, STORE, USAGE
from ..store import KeyRecord, Store, now
from . import moderation_schema, openrpc, params
from .jsonrpc import Methods, RpcError, Success, error_object, invalid_params
from .jsonrpc import Protocol as JsonRpc
from .params import Param
from .responses import json_response

log = logging.getLogger(__name__)

_WWW_AUTHENTICATE = 'Apikey realm="spectrum-rpc", charset="UTF-8"'
# This dialect's name in the usage counts.
API = "spectrum"
# A refused body's HTTP status -> the JSON-RPC code it answers with.
_REFUSAL_CODES = {TOO_LARGE: PAYLOAD_TOO_LARGE, BUSY: SERVER_BUSY}


@dataclass
class Services:
    """What the methods use, built once per app."""

    analyzer: Analyzer
    store: Store
    feedback_limiter: KeyRateLimiter | None = None


@dataclass(slots=True)  # made on every request: not frozen, whose __init__ costs twice as much
class Context:
    services: Services
    key: KeyRecord
    request_id: str


SERVICES = web.AppKey("spectrum_services", Services)
PROTOCOL = web.AppKey("spectrum_protocol", JsonRpc)

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
    key = ctx.key
    result = await ctx.services.analyzer.classify(key.project, key.id, p["text"],
                                                  p.get("meta", {}))
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


MODERATE_PARAMS = (
    Param("text", params.text),
    Param("options", params.moderation_options(DETECTORS, MODED, MODES), required=False),
    Param("meta", params.meta, required=False),
)


async def moderate_text(ctx: Context, /, *args: Any, **kwargs: Any) -> Any:
    """Run the detectors asked for (labels, personal data, ...) and answer what each found."""
    p = params.bind(MODERATE_PARAMS, args, kwargs)
    asked = p.get("options", {})
    detect = asked.get("detect")
    for i, name in enumerate(detect or ()):
        if name not in AVAILABLE:
            raise invalid_params(f"options.detect[{i}]", f"{name!r} is not supported by "
                                        f"this server yet; it runs: {', '.join(AVAILABLE)}")
    analyzer = ctx.services.analyzer
    policy = await analyzer.policies.get(ctx.key.project)
    options = policy.options.overridden(  # the project's filter, the request's options over it
        detect=detect,
        modes=asked.get("modes", {}),
        banned=asked.get("bannedWords", ()),
        allowed=asked.get("allowedWords", ()),
        expected_language=asked.get("expectedLanguage"),
    )
    # Its labels' outcome goes to the webhooks as a MODERATION event (the same filters as
    # classifyText's CLASSIFICATION events); without labels there is no decision to send.
    return Success(await analyzer.moderate(ctx.key.project, p["text"], options, ctx.key.id,
                                           p.get("meta", {}), EVENT_MODERATION))


async def discover(ctx: Context, /, *args: Any, **kwargs: Any) -> Any:
    """Describe the methods: an OpenRPC document (rpc.discover)."""
    params.bind((), args, kwargs)
    return Success(discovery())


METHODS: Methods = {
    "classifyText": classify_text,
    "recordUserClassification": record_user_classification,
    "moderateText": moderate_text,
    openrpc.DISCOVER: discover,
}


def _classify_result() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for decision, confidence in SPECTRUM_FIELDS.values():
        properties[decision] = {"type": "boolean"}
        properties[confidence] = {"type": "number", "minimum": 0, "maximum": 1}
    properties["modelVersion"] = {"type": "string"}
    # Clients should tolerate additive fields.
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": True}


def _docs() -> tuple[openrpc.MethodDoc, ...]:
    return (
        openrpc.MethodDoc(
            "classifyText", "Score a text: a decision and a confidence per label.",
            CLASSIFY_PARAMS, "classification", _classify_result(),
            (INVALID_PARAMS, RATE_LIMITED, SERVER_BUSY, INTERNAL_ERROR),
            description="Webhooks matching the decisions receive a CLASSIFICATION event.",
        ),
        openrpc.MethodDoc(
            "recordUserClassification", "Record a moderator's correction of a text.",
            FEEDBACK_PARAMS, "status", {"type": "string", "enum": ["OK"]},
            (INVALID_PARAMS, RATE_LIMITED, SERVER_BUSY, INTERNAL_ERROR),
            description="Answered once the row is committed; as a notification, not answered.",
        ),
        openrpc.MethodDoc(
            "moderateText", "Run the detectors asked for and answer what each found.",
            MODERATE_PARAMS, "moderation", moderation_schema.moderate_result(),
            (INVALID_PARAMS, RATE_LIMITED, SERVER_BUSY, INTERNAL_ERROR),
            description="Our extension. Detectors served now: " + ", ".join(AVAILABLE)
                        + "; naming another is refused with -32602. "
                        + moderation_schema.LABELS_NOTE,
        ),
    )


@functools.cache
def discovery() -> dict[str, Any]:
    """Return the OpenRPC document of the Spectrum methods, every server error code in its
    components."""
    document = openrpc.document(
        "spectrum-rpc", __version__, _docs(),
        description=f"The Spectrum moderation API: JSON-RPC 2.0 at POST {RPC_PATH}, "
                    "authenticated with 'Authorization: Apikey KEY'.",
    )
    document["servers"] = [{"name": "spectrum-rpc", "url": RPC_PATH}]
    document["components"] = {"errors": {
        str(code): {"code": code, "message": message} for code, message in ERROR_MESSAGES.items()
    }}
    return document


async def handle(request: web.Request) -> web.Response:
    """POST /api/v1/classification: authenticate, then hand the body to the protocol."""
    app = request.app
    key = await app[AUTH].authenticate(request.headers.get("Authorization"))
    if key is None:
        reason = await app[AUTH].refusal(request.headers.get("Authorization"))
        body = error_object(UNAUTHORIZED, data=reason)
        return json_response(body, 401, **{"WWW-Authenticate": _WWW_AUTHENTICATE})
    try:
        limited = await app[USAGE].admit(key, API)  # RateLimit-* headers for a key with limits
    except LimitExceeded as refused:  # the whole request, batch or not: 429 and -32003
        return json_response(error_object(RATE_LIMITED, data=refused.message), 429,
                             **refused.headers())
    try:
        async with app[BODIES].receive(request) as body:
            context = Context(app[SERVICES], key, request[REQUEST_ID])
            answer = await app[PROTOCOL].handle(body, context)
    except BodyRefused as refused:
        code = _REFUSAL_CODES.get(refused.status, PARSE_ERROR)
        return json_response(error_object(code, data=refused.reason), refused.status,
                             **refused.headers)
    if answer is None:
        return web.Response(status=204, headers=limited)
    return json_response(answer) if limited is None else json_response(answer, **limited)


def setup(app: web.Application) -> None:
    """Add the endpoint, and a cleanup context that builds what the methods use (after the
    contexts providing the store, the analyzer and the authenticator)."""
    settings = app[SETTINGS]
    metrics = app.get(METRICS)
    app[PROTOCOL] = JsonRpc(METHODS, max_batch=settings.server.max_batch_size,
                            concurrency=settings.server.batch_concurrency,
                            observe=None if metrics is None else metrics.rpc_observer("spectrum"))
    app.cleanup_ctx.append(_services_ctx)
    app.router.add_post(RPC_PATH, handle)


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    training = app[SETTINGS].training
    limiter = KeyRateLimiter(training.feedback_rate, training.feedback_burst)
    app[SERVICES] = Services(app[ANALYZER], app[STORE], feedback_limiter=limiter)
    yield
