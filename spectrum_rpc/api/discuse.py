"""discuse's API (reference document 003): `POST /api/v1/check` with the headers `x-client-id`
(the project's name: it must be the key's project) and `x-client-secret` (the API key),
answered in its shape, so that an integration written for it works with only the host and the
credentials changed.

The answer, key by key, from our analysis of `request.media.text`:

- `trace_context`: echoed from the body's `trace_context` (top level, or inside `request`);
  null when none was sent, as the document's example shows.
- `links`: our url detector at the project's url mode: `{"status": "ok", "hit", "matches"}`,
  `hit` when a link is found. `badwords`: the profanity detector with the project's mode and
  word lists, in the same shape. (Both are "not yet available" in the original: ours work.)
- `antivirus`: `{"status": "not_checked", "hit": false}`: this server scans nothing for
  viruses, and says so.
- `language`: `expected` (the project's expected languages, comma-separated; null when it sets
  none), `detected` (ISO 639-1, null when the text tells none), `hit` when the text is reliably
  in a language not expected.
- `sentiment`: the 0-1 scores of our labels: `toxic` (toxicity), `profanity`, `threat` and
  `insult` (the toxic-span model's, from the typed toxic spans). A label a project's model does
  not score is left out and named in the `X-Unsupported-Labels` header, as the document leaves
  out what was not scored (`"gifs": {"result": {}}`) — never a made-up number. `hit`: a score
  reaches the project's reject threshold for its label (0.5 for a label left off: the
  document's `hit` decides every score it answers).
- `images`, `gifs`: every URL of `image_url` (or `gif_url`) is fetched through the SSRF guard,
  decoded and scored for nudity (spectrum_rpc.media; README, "Image moderation"); the answer is
  the document's one object for the list: `porn`, `sexual`, `neutral` (the highest of each over
  the images, and over a GIF's sampled frames), `result` `{category, confidence}` (the
  prevailing one), `status` "ok", `hit` when porn or sexual reaches images.threshold. An image
  that cannot be scored (refused address, too large, not an image, timeout...) makes `status`
  "error", with `message` and `errors` `[{url, code, message}]`; the others are still scored.
  Without the `images` extra (or with images.enabled off): `{"result": {}, "status":
  "unsupported", "hit": false, "message"}`. Without any URL, `{"result": {}}` as the
  document's example shows. More than images.max_per_request URLs in all: 422.
- `hits`: any `hit` above.
- `request.user_id` is added to the actor's history in the project (the labels it flagged, no
  text), shared with contentmod's `actorId`; see `Store.actors`.
- `settings.project_id` is accepted (a number or a string) and not used: the project is the
  key's. Other settings are ignored and named in the `X-Ignored-Settings` header.

Errors: the document shows none; its examples are those of a FastAPI service (`accept:
application/json`, `x-client-*` headers), so they are answered in FastAPI's shape:
`{"detail": "message"}` (401, 403, 405, 413, 415, 429 for a key's rate limit or monthly
quota, 500) and, for a body that does not validate,
422 with `{"detail": [{"loc": ["body", ...], "msg", "type"}]}`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from .. import labels as L
from ..analysis import Analyzer, Options
from ..constants import MAX_TEXT_BYTES
from ..engine import nudity
from ..media import ImageResult, MediaError, Outcome, errors
from ..resources import ANALYZER, AUTH, IMAGES, SETTINGS, STORE
from ..store import MAX_ACTOR_CHARS, KeyRecord
from ..tasks import first_failure
from .responses import json_response
from .rest import RestError, admit, handler, json_body, wrong_method

log = logging.getLogger(__name__)

PATH = "/api/v1/check"
API = "discuse"  # this dialect's name in the usage counts and actor histories
SOURCE = API
CLIENT_ID = "x-client-id"
CLIENT_SECRET = "x-client-secret"
UNSUPPORTED_HEADER = "X-Unsupported-Labels"
IGNORED_HEADER = "X-Ignored-Settings"
# The document's sentiment keys -> our labels (None: not scored by our analysis).
SENTIMENT = {"toxic": L.TOXICITY, "profanity": L.PROFANITY, "threat": "threat",
             "insult": "insult"}
DETECT = frozenset({"labels", "pii", "profanity", "language"})
NOT_RUN = {"status": "", "hit": False}  # the document's value for a check that did not run
MAX_TRACE_CHARS = 1000
MAX_URLS = 100
INVALID = 422


def shape(error: RestError, request: web.Request) -> dict[str, Any]:
    """FastAPI's error body: a list of located errors for a body that does not validate."""
    if error.status == INVALID:
        loc = ["body", *(int(p) if p.isdigit() else p for p in (error.field or "").split(".")
                         if p)]
        return {"detail": [{"loc": loc, "msg": error.message, "type": "value_error"}]}
    return {"detail": error.message}


def invalid(field: str, message: str) -> RestError:
    """Return a 422 naming the field (dotted path under the body)."""
    return RestError(INVALID, message, field)


async def _key(request: web.Request) -> KeyRecord:
    client, secret = request.headers.get(CLIENT_ID), request.headers.get(CLIENT_SECRET)
    if not client or not secret:
        raise RestError(401, f"Send the `{CLIENT_ID}` (the project) and `{CLIENT_SECRET}` (its "
                        "API key) headers.")
    key = await request.app[AUTH].authenticate(f"Bearer {secret}")
    if key is None:
        raise RestError(401, f"Invalid `{CLIENT_SECRET}`: send an API key made with "
                        "`spectrum-rpc keys create`.")
    if client != key.project:
        raise RestError(403, f"`{CLIENT_ID}` is not the project of this key (send the project's "
                        "name).")
    return key


def _object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, f"`{field}` must be an object.")
    return value


def _urls(media: dict[str, Any], field: str) -> list[str]:
    value = media.get(field)
    if value is None:
        return []
    where = f"request.media.{field}"
    if not isinstance(value, list) or len(value) > MAX_URLS:
        raise invalid(where, f"`{where}` must be an array of at most {MAX_URLS} URLs.")
    for i, url in enumerate(value):
        if not isinstance(url, str):
            raise invalid(f"{where}.{i}", f"`{where}[{i}]` must be a string.")
    return [url for url in value if url.strip()]  # the document sends [""] for none


def parse(body: Any, max_urls: int = MAX_URLS) -> dict[str, Any]:
    """Return what a request body asks to check; raise RestError (422) for a bad one."""
    if not isinstance(body, dict):
        raise invalid("", "The body must be a JSON object with `request` and `settings`.")
    request = _object(body.get("request"), "request")
    if "request" not in body:
        raise invalid("request", "`request` is required.")
    media = _object(request.get("media"), "request.media")
    text = media.get("text")
    if text is not None and not isinstance(text, str):
        raise invalid("request.media.text", "`request.media.text` must be a string.")
    if text is not None and len(text) * 4 > MAX_TEXT_BYTES and \
            len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise RestError(413, f"`request.media.text` is longer than {MAX_TEXT_BYTES} bytes.")
    images, gifs = _urls(media, "image_url"), _urls(media, "gif_url")
    if len(images) + len(gifs) > max_urls:
        raise invalid("request.media", f"`request.media` has {len(images) + len(gifs)} image "
                      f"and GIF URLs; this server checks at most {max_urls} image and GIF URLs "
                      "per request.")
    if not text and not images and not gifs and "gif_url" not in media \
            and "image_url" not in media:
        raise invalid("request.media", "`request.media` needs `text`, `image_url` or "
                      "`gif_url`.")
    user = request.get("user_id")
    if user is not None and (isinstance(user, bool) or not isinstance(user, str | int)
                             or len(str(user)) > MAX_ACTOR_CHARS):
        raise invalid("request.user_id", f"`request.user_id` must be a string (or number) of "
                      f"at most {MAX_ACTOR_CHARS} characters.")
    settings = _object(body.get("settings"), "settings")
    project_id = settings.get("project_id")
    if project_id is not None and (isinstance(project_id, bool)
                                   or not isinstance(project_id, str | int)):
        raise invalid("settings.project_id", "`settings.project_id` must be a number or a "
                      "string.")
    trace = body.get("trace_context", request.get("trace_context"))
    if trace is not None and (not isinstance(trace, str) or len(trace) > MAX_TRACE_CHARS):
        raise invalid("trace_context", f"`trace_context` must be a string of at most "
                      f"{MAX_TRACE_CHARS} characters.")
    return {"text": text or None, "images": images, "gifs": gifs, "trace": trace,
            "user": None if user is None else str(user),
            "ignored": sorted(str(k)[:100] for k in settings if k != "project_id")}


def media(urls: list[str], outcomes: list[Outcome], threshold: float) -> dict[str, Any]:
    """Return the document's `images` (or `gifs`) object for its URLs' outcomes (same order)."""
    if not outcomes:
        return {"result": {}}
    failed = [(url, o) for url, o in zip(urls, outcomes, strict=True)
              if isinstance(o, MediaError)]
    if failed and all(error.code == errors.UNSUPPORTED for _, error in failed):
        return {"result": {}, "status": "unsupported", "hit": False,
                "message": failed[0][1].message}
    scored = [o.score for o in outcomes if isinstance(o, ImageResult)]
    body: dict[str, Any] = {"result": {}, "status": "error" if failed else "ok"}
    if scored:
        worst = nudity.worst(scored)
        body["result"] = {"category": worst.category, "confidence": worst.confidence}
        body.update(porn=worst.porn, sexual=worst.sexual, neutral=worst.neutral)
    body["hit"] = any(score.nudity >= threshold for score in scored)
    if failed:
        body["message"] = (f"{len(failed)} of {len(outcomes)} could not be checked; "
                           f"{errors.shown(failed[0][0])}: {failed[0][1].message}")
        body["errors"] = [{"url": errors.shown(url), "code": error.code,
                           "message": error.message} for url, error in failed]
    return body


def answer(asked: dict[str, Any], result: dict[str, Any] | None, expected: tuple[str, ...],
           decide: Any, images: dict[str, Any] | None = None,
           gifs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the document's answer from our analysis of the text (None: no text sent) and the
    `images` and `gifs` objects (`media()`)."""
    body: dict[str, Any] = {"trace_context": asked["trace"], "links": dict(NOT_RUN),
                            "badwords": dict(NOT_RUN),
                            "antivirus": {"status": "not_checked", "hit": False},
                            "language": {"expected": ",".join(expected) or None,
                                         "detected": None, "hit": False},
                            "images": images or {"result": {}},
                            "gifs": gifs or {"result": {}},
                            "sentiment": {"hit": False}}
    if result is not None:
        links = result["pii"]["url"]["matches"]
        words = result["profanity"]["matches"]
        body["links"] = {"status": "ok", "hit": bool(links), "matches": [m["text"] for m in links]}
        body["badwords"] = {"status": "ok", "hit": bool(words),
                            "matches": [m["text"] for m in words]}
        body["language"].update(detected=result["language"]["code"],
                                hit=result["language"]["hit"])
        scores = {name: result["labels"][label] for name, label in SENTIMENT.items()
                  if label in result["labels"]}
        body["sentiment"] = {**scores, "hit": any(decide(SENTIMENT[name], score)
                                                   for name, score in scores.items())}
    body["hits"] = any(part.get("hit", False) for part in body.values() if isinstance(part, dict))
    return body


async def check(request: web.Request) -> web.Response:
    """POST /api/v1/check."""
    key = await _key(request)
    await admit(request, key, API)
    async with _body(request) as data:  # its budget share held until the answer is built
        return await _check(request, key, data)


@asynccontextmanager
async def _body(request: web.Request) -> AsyncIterator[Any]:
    """rest.json_body, with FastAPI's 422 for a body it cannot read (not for what the block
    raises)."""
    read = False
    try:
        async with json_body(request) as data:
            read = True
            yield data
    except RestError as error:
        if read or error.status != 400:
            raise
        raise invalid("", error.message) from None


async def _check(request: web.Request, key: KeyRecord, data: Any) -> web.Response:
    """Answer a check whose body is read (and held in the body budget)."""
    settings = request.app[SETTINGS].images
    asked = parse(data, settings.max_per_request)
    analyzer: Analyzer = request.app[ANALYZER]
    policy = await analyzer.policies.get(key.project)
    own = policy.options

    async def text() -> dict[str, Any] | None:
        if not asked["text"]:
            return None
        options = Options(detect=DETECT, modes=own.modes, banned=own.banned, allowed=own.allowed,
                          expected_language=own.expected_language,
                          pii_modes={"url": own.pii_modes.get("url", own.mode("pii"))})
        return await analyzer.moderate(key.project, asked["text"], options, key.id)

    checker = request.app[IMAGES]
    # The text, the images and the GIFs at once: fetching waits on the network, scoring runs in
    # the image threads, and the text's analysis goes on meanwhile. A task group rather than
    # gather: if the text's analysis fails, the image checks are cancelled (their fetches and
    # places in the image gate given back), not left running with nobody waiting.
    with first_failure():
        async with asyncio.TaskGroup() as group:
            analysed = group.create_task(text())
            fetched = group.create_task(checker.check_all(asked["images"]))
            fetched_gifs = group.create_task(checker.check_all(asked["gifs"]))
    result, images, gifs = analysed.result(), fetched.result(), fetched_gifs.result()
    body = answer(asked, result, own.expected_language, policy.decide,
                  media(asked["images"], images, settings.threshold),
                  media(asked["gifs"], gifs, settings.threshold))
    if asked["user"] is not None:  # every request of the user, with what its text flagged
        flags = [] if result is None else [label for label, hit in result["flagged"].items()
                                          if hit]
        if result is not None and result["profanity"]["found"]:
            flags.append(L.PROFANITY)
        if (body["images"].get("hit") or body["gifs"].get("hit")) and L.SEXUAL not in flags:
            flags.append(L.SEXUAL)  # an image or GIF over images.threshold
        await request.app[STORE].actors.record(key.project, asked["user"], SOURCE, flags)
    headers = {}
    unsupported = [name for name in SENTIMENT if result is not None
                   and name not in body["sentiment"]]
    if unsupported:
        headers[UNSUPPORTED_HEADER] = ",".join(unsupported)
    if asked["ignored"]:
        headers[IGNORED_HEADER] = ",".join(asked["ignored"])
    return json_response(body, **headers)


def setup(app: web.Application) -> None:
    """Add `POST /api/v1/check`."""
    app.router.add_route("POST", PATH, handler(check, shape, log))
    app.router.add_route("*", PATH, wrong_method("POST", shape, log))
