"""contentmod's API (reference document 002): `POST /text` with `Authorization: Bearer KEY`,
answered in its shape, so that an integration written for it works with only the host and the
key changed.

The answer, field by field, from our analysis of the text (`Analyzer.moderate`: the project's
model and policy, profanity with the request's `bannedWords`, language, sentiment). Every
number the document puts on a 1-100 scale is `round(1 + 99 * p)` of a probability p:

- `isSafe`: no label flagged by the project's reject thresholds (`suggestedActions.reject` is
  false): every label with one (toxicity, sexual, phishing, insult by default; policy.py).
- `confidence` (1-100): confidence in `isSafe`: p is the highest score of the flagged labels
  when unsafe, else 1 minus the highest score of the labels with a reject threshold.
- `sentiment`, `sentimentScore` (1-100): VADER's label, and its compound score c in [-1, 1]
  as p = (c + 1) / 2: 1 the most negative, 50 or 51 neutral, 100 the most positive.
- `riskScores` (1-100, the document's scale for its other scores): `toxicity` from our toxicity
  label, `spam` from our phishing label (the spam and phishing messages it was fitted on),
  `overall` the highest score of every label the model answers.
- `topics`: always `[]`. We have no labelled topic data, so no topic model we could measure;
  the field is named in the `X-Unsupported-Fields` header rather than filled with guesses.
- `nsfwCategories`: `[{"category": "sexual", "severity"}]` (severity 1-100 from our sexual
  label) when the sexual label reaches the project's review line for it (its review
  threshold, or its reject threshold where review is off: as `suggestedActions.review` counts
  it), else `[]`.
- `summary`: `profanity` (the lexicon, and `options.bannedWords`, found something),
  `totalFlags` (labels flagged by the project's thresholds, plus 1 for profanity),
  `contentRating` by this rule, first match wins: `R` when the sexual label is flagged or
  violence, hate or self-harm scores 0.5 or more; `PG-13` when toxicity is flagged or profanity
  is found; `PG` when any label reaches its review line (its review threshold, or its reject
  threshold where review is off); `G` otherwise. `language`:
  the detected ISO 639-1 code (null when the text tells none).
- `suggestedActions`: the project's policy's actions (`reject` when a label reaches its reject
  threshold, `review` when one reaches its review line: its review threshold, or its reject
  threshold where review is off; a pair per label, policy.py).
- `filteredContent`: the text with each profanity's characters replaced by `*`.
- `hash`: SHA-256 of the text (UTF-8), `meta`: `options.meta` as sent (null when absent),
  `id` = `request.requestId` (a UUID), `request.timestamp` ISO 8601 in UTC with milliseconds.
- `options.actorId`: the request is added to the actor's history in the project (the labels it
  flagged, no text), shared with discuse's `user_id`; see `Store.actors`.
- `options.callbackUrl`: the full answer is also POSTed there, through the webhook outbox and
  dispatcher (`webhooks.callbacks`): signed with the callback webhook's secret (the URL becomes a
  webhook of the project, event `callback`, on first use: its secret and delivery log are on
  the admin UI's Webhooks page), retried on the webhook schedule, refused at once when it is not
  a public http(s) URL (unless `webhooks.allow_private_addresses`). Needs `webhooks.enabled`.
  At most `callbacks.MAX_CALLBACKS` (100) callback URLs per project: a new one after that is
  refused.
- `options.defer: true` (with a `callbackUrl`): the answer is `{"id", "request", "meta",
  "deferred": true}` at once; the analysis runs after it and its full answer (the same `id`)
  goes to the callback URL. The request's share of the large-body budget (`body.Bodies`) is
  held until the deferred analysis ends (finished or failed), as an immediate answer holds it
  until answered: deferred large texts wait their turn like any other. A server stopped cleanly
  finishes the deferred analyses first; one killed while analysing loses those not yet queued
  (the caller has only the id).

Errors (the document shows none): the status codes of the failure (400, 401, 405, 413, 415,
429 for a key's rate limit or monthly quota, 500) with a body
`{"error": {"code", "message", "field"}}`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from .. import labels as L
from ..analysis import Analyzer, Options, Policy
from ..constants import MAX_TEXT_BYTES
from ..resources import ANALYZER, AUTH, DISPATCHER, SETTINGS, STORE
from ..store import MAX_ACTOR_CHARS, KeyRecord, StoreRefused
from ..webhooks import WebhookError, callbacks
from .responses import json_response
from .rest import RestError, admit, field_of, handler, json_body, keep_body_budget, wrong_method

log = logging.getLogger(__name__)

PATH = "/text"
API = "contentmod"  # this dialect's name in the usage counts and actor histories
SOURCE = API
UNSUPPORTED_HEADER = "X-Unsupported-Fields"
UNSUPPORTED = "topics"
DETECT = frozenset({"labels", "profanity", "language", "sentiment"})
MAX_WORDS = 1000
MAX_WORD_CHARS = 100
# The labels whose score alone rates a text R (0.5: they have no project threshold).
ADULT = (L.VIOLENCE, L.HATE, L.SELF_HARM)
ADULT_SCORE = 0.5
OPTIONS = ("meta", "callbackUrl", "defer", "actorId", "bannedWords")
DEFERRED = web.AppKey("contentmod_deferred", set)  # deferred analyses running

_CODES = {400: "INVALID_REQUEST", 401: "UNAUTHORIZED", 405: "METHOD_NOT_ALLOWED",
          413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED",
          500: "INTERNAL_ERROR",
          503: "SERVICE_UNAVAILABLE"}


def shape(error: RestError, request: web.Request) -> dict[str, Any]:
    """This API's error body."""
    return {"error": {"code": _CODES.get(error.status, "ERROR"), "message": error.message,
                      "field": error.field}}


def scale(p: float) -> int:
    """Return a probability on the document's 1-100 scale."""
    return round(1 + 99 * min(1.0, max(0.0, p)))


async def _key(request: web.Request) -> KeyRecord:
    header = request.headers.get("Authorization")
    key = await request.app[AUTH].authenticate(header)
    if key is None:
        raise RestError(401, "Invalid API key: send `Authorization: Bearer API_KEY` with a key "
                        "made with `spectrum-rpc keys create`." if header else
                        "No API key: send `Authorization: Bearer API_KEY`.")
    return key


def parse(body: Any) -> tuple[str, dict[str, Any]]:
    """Return the text and the options of a request body; raise RestError for a bad one."""
    if not isinstance(body, dict):
        raise RestError(400, "The body must be a JSON object with a `text` field.")
    text = field_of(body, "text", str, "text", required=True)
    if not text:
        raise RestError(400, "`text` must have at least 1 character.", "text")
    if len(text) * 4 > MAX_TEXT_BYTES and len(text.encode("utf-8", "surrogatepass")) > \
            MAX_TEXT_BYTES:
        raise RestError(413, f"`text` is longer than {MAX_TEXT_BYTES} bytes in UTF-8.", "text")
    options = field_of(body, "options", dict, "options") or {}
    field_of(options, "actorId", str, "options.actorId")
    if len(options.get("actorId") or "") > MAX_ACTOR_CHARS:
        raise RestError(400, f"`options.actorId` must have at most {MAX_ACTOR_CHARS} "
                        "characters.", "options.actorId")
    field_of(options, "callbackUrl", str, "options.callbackUrl")
    if field_of(options, "defer", bool, "options.defer") and not options.get("callbackUrl"):
        raise RestError(400, "`options.defer` needs `options.callbackUrl`: the deferred answer "
                        "is sent there.", "options.defer")
    _banned(options)
    return text, options


def _banned(options: dict[str, Any]) -> list[str]:
    words = field_of(options, "bannedWords", list, "options.bannedWords") or []
    if len(words) > MAX_WORDS:
        raise RestError(400, f"`options.bannedWords` has {len(words)} words; at most "
                        f"{MAX_WORDS}.", "options.bannedWords")
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word.strip() or len(word) > MAX_WORD_CHARS:
            raise RestError(400, f"`options.bannedWords[{i}]` must be a non-empty string of at "
                            f"most {MAX_WORD_CHARS} characters.", f"options.bannedWords[{i}]")
    return words


def answer(text: str, options: dict[str, Any], result: dict[str, Any], policy: Policy,
           request_id: str, at: datetime) -> dict[str, Any]:
    """Return the document's answer from our analysis of the text."""
    labels, flagged, actions = result["labels"], result["flagged"], result["actions"]
    profane = result["profanity"]["found"]
    flags = [label for label, hit in flagged.items() if hit]
    safe = not actions["reject"]
    top = max((labels[label] for label in (flags or flagged)), default=0.0)
    sentiment = result["sentiment"]
    sexual = labels.get(L.SEXUAL)
    # The policy's own review rule, asked of the sexual label alone.
    reviewed = sexual is not None and policy.decisions({L.SEXUAL: sexual})[1]["review"]
    nsfw = [] if not reviewed else [
        {"category": "sexual", "severity": scale(sexual)}]
    return {
        "id": request_id,
        "isSafe": safe,
        "confidence": scale(1.0 - top if safe else top),
        "sentiment": sentiment["label"],
        "sentimentScore": scale((sentiment["score"] + 1.0) / 2.0),
        "riskScores": {"overall": scale(max(labels.values(), default=0.0)),
                       "spam": scale(labels.get(L.PHISHING, 0.0)),
                       "toxicity": scale(labels.get(L.TOXICITY, 0.0))},
        "topics": [],
        "nsfwCategories": nsfw,
        "summary": {"profanity": profane, "totalFlags": len(flags) + int(profane),
                    "contentRating": rating(result),
                    "language": result["language"]["code"]},
        "suggestedActions": dict(actions),
        "filteredContent": result.get("masked", text),
        "content": text,
        "request": _request(request_id, at),
        "meta": options.get("meta"),
        "hash": result["hash"],
    }


def rating(result: dict[str, Any]) -> str:
    """Return the content rating (G, PG, PG-13, R) the module docstring's rule gives."""
    labels, flagged = result["labels"], result["flagged"]
    if flagged.get(L.SEXUAL) or any(labels.get(label, 0.0) >= ADULT_SCORE for label in ADULT):
        return "R"
    if flagged.get(L.TOXICITY) or result["profanity"]["found"]:
        return "PG-13"
    if result["actions"]["review"]:
        return "PG"
    return "G"


async def moderate(request: web.Request) -> web.Response:
    """POST /text."""
    key = await _key(request)
    await admit(request, key, API)
    async with json_body(request) as data:  # its budget share held until answered
        text, options = parse(data)
        # Everything that can refuse the request is checked before a deferred answer is promised.
        policy, asked = await _options(request.app, key, options)
        callback = await _callback(request, key, options)
        request_id, at = str(uuid.uuid4()), datetime.now(UTC)
        work = (request.app, key, text, options, policy, asked, request_id, at)
        if callback is not None and options.get("defer"):
            # The text stays in memory until the deferred analysis ends: so does its budget share.
            release = keep_body_budget(request)
            task = asyncio.ensure_future(_deferred(*work, callback))
            deferred = request.app[DEFERRED]
            deferred.add(task)
            task.add_done_callback(deferred.discard)
            task.add_done_callback(lambda _: release())
            return json_response({"id": request_id, "request": _request(request_id, at),
                                  "meta": options.get("meta"), "deferred": True})
        body = await _analyse(*work)
        if callback is not None:
            await callbacks.send(request.app[STORE], request.app[DISPATCHER], key.project, callback,
                                 orjson.dumps(body))
        return json_response(body, **{UNSUPPORTED_HEADER: UNSUPPORTED})


async def _callback(request: web.Request, key: KeyRecord, options: dict[str, Any]) -> str | None:
    """The callback webhook's id for `options.callbackUrl` (None without one)."""
    url = options.get("callbackUrl")
    if not url:
        return None
    app = request.app
    if DISPATCHER not in app:
        raise RestError(400, "`options.callbackUrl` is not available on this server: it "
                        "sends no callbacks.", "options.callbackUrl")
    try:
        return await callbacks.target(
            app[STORE], key.project, url,
            allow_private_addresses=app[SETTINGS].webhooks.allow_private_addresses)
    except WebhookError as exc:
        raise RestError(400, f"`options.callbackUrl`: {exc}", "options.callbackUrl") from None


async def _deferred(app: web.Application, key: KeyRecord, text: str, options: dict[str, Any],
                    policy: Policy, asked: Options, request_id: str, at: datetime,
                    callback: str) -> None:
    try:
        body = await _analyse(app, key, text, options, policy, asked, request_id, at)
        await callbacks.send(app[STORE], app[DISPATCHER], key.project, callback,
                             orjson.dumps(body))
    except StoreRefused:  # its callback was not stored: the store logs that, once a minute
        pass
    except Exception:
        log.exception("deferred contentmod analysis %s failed", request_id)


async def _options(app: web.Application, key: KeyRecord, options: dict[str, Any]
                   ) -> tuple[Policy, Options]:
    """The project's policy, and the analysis this request asks of it."""
    policy = await app[ANALYZER].policies.get(key.project)
    asked = policy.options.overridden(detect=DETECT, banned=options.get("bannedWords", ()))
    if len(asked.banned) > MAX_WORDS:
        raise RestError(400, f"`options.bannedWords` and the project's banned words make "
                        f"{len(asked.banned)}; at most {MAX_WORDS}.", "options.bannedWords")
    # filteredContent masks profanity only, always with `*` (personal data stays as sent).
    return policy, replace(asked, masks={"profanity": "*"})


async def _analyse(app: web.Application, key: KeyRecord, text: str, options: dict[str, Any],
                   policy: Policy, asked: Options, request_id: str, at: datetime
                   ) -> dict[str, Any]:
    analyzer: Analyzer = app[ANALYZER]
    result = await analyzer.moderate(key.project, text, asked, key.id)
    body = answer(text, options, result, policy, request_id, at)
    if options.get("actorId"):
        flags = [label for label, hit in result["flagged"].items() if hit]
        if result["profanity"]["found"]:
            flags.append(L.PROFANITY)
        await app[STORE].actors.record(key.project, options["actorId"], SOURCE, flags)
    return body


def _request(request_id: str, at: datetime) -> dict[str, str]:
    return {"requestId": request_id,
            "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


async def _deferred_ctx(app: web.Application) -> AsyncIterator[None]:
    """Deferred analyses still running at a clean stop are finished (and their answers queued)
    before the store and the dispatcher close."""
    app[DEFERRED] = set()
    yield
    if app[DEFERRED]:
        await asyncio.gather(*app[DEFERRED], return_exceptions=True)


def setup(app: web.Application) -> None:
    """Add `POST /text`."""
    app.cleanup_ctx.append(_deferred_ctx)
    app.router.add_route("POST", PATH, handler(moderate, shape, log))
    app.router.add_route("*", PATH, wrong_method("POST", shape, log))
