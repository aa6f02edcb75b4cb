"""blueprint's text review API (reference document 004): `POST /api/v2/blueprint/review/text`
with `{text, locale, useAdvanced}`, answered in its shape, so that an integration written for
it works with only the host and the key changed.

- Basic moderation (`useAdvanced: false`): the lexicon and the speller only, no model:
  `hasProfanity` (the profanity detector at the project's mode, with its banned and allowed
  words), `censored` (the text with each profanity's characters replaced by `*`; sent only
  when `hasProfanity`, as the document's examples show) and `corrected` (the speller's
  correction; sent only when it changed something).
- Advanced moderation (the default: every key has it) adds, from the project's model and
  policy: `explicit` (our sexual label, 0-1), `suggestiveMature` (the higher of our violence and
  self-harm labels: mature themes; suggestive sexual text scores in `explicit`, as we have one
  sexual label), `offensiveToxic` (our toxicity label) and `reviewRecommended` (a label reached
  its review threshold in the project's policy but none its reject threshold: every label with
  a pair counts, the span model's insult among them; policy.py).
- `locale` (e.g. `en-US`) chooses the lexicon's and speller's language. We have English only:
  an English locale (or none) is answered as such; any other is accepted, checked with the
  English lexicon, not spelling-corrected, and reported in the `X-Unsupported-Locale` header.
  `Content-Language` names the language used.
- The key: `Authorization: Bearer KEY` (or `Apikey KEY`), or `X-Api-Key: KEY` (the document
  does not say how its key is sent).

Errors: the document shows none; its "Controller class" is a Spring application's, so they are
answered in Spring Boot's shape: `{"timestamp", "status", "error", "message", "path"}` (429
for a key's rate limit or monthly quota, with `Retry-After` and `RateLimit-*` headers).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

from .. import labels as L
from ..analysis import Analyzer, Options
from ..constants import MAX_TEXT_BYTES
from ..resources import ANALYZER, AUTH
from ..store import KeyRecord
from .responses import json_response
from .rest import RestError, admit, field_of, handler, json_body, wrong_method

log = logging.getLogger(__name__)

PATH = "/api/v2/blueprint/review/text"
API = "blueprint"  # this dialect's name in the usage counts
API_KEY_HEADER = "X-Api-Key"
UNSUPPORTED_LOCALE_HEADER = "X-Unsupported-Locale"
# The lexicon's and speller's languages.
LANGUAGES = ("en",)
MAX_LOCALE_CHARS = 100
BASIC = frozenset({"profanity", "spelling"})
ADVANCED = BASIC | {"labels"}
MATURE = (L.VIOLENCE, L.SELF_HARM)
# RFC 9110's reason phrases where Python 3.11's HTTPStatus still has the older ones (3.13 has
# these, as Spring's HttpStatus does): an error body must not depend on the interpreter.
_PHRASES = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable",
            422: "Unprocessable Content"}


def shape(error: RestError, request: web.Request) -> dict[str, Any]:
    """Spring Boot's error body."""
    phrase = _PHRASES.get(error.status) or HTTPStatus(error.status).phrase
    return {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "status": error.status, "error": phrase, "message": error.message,
            "path": request.path}


async def _key(request: web.Request) -> KeyRecord:
    header = request.headers.get("Authorization")
    if header is None and API_KEY_HEADER in request.headers:
        header = f"Bearer {request.headers[API_KEY_HEADER]}"
    key = await request.app[AUTH].authenticate(header)
    if key is None:
        raise RestError(401, "Invalid API key: send `Authorization: Bearer API_KEY` (or "
                        f"`{API_KEY_HEADER}`) with a key made with `spectrum-rpc keys create`."
                        if header else "No API key: send `Authorization: Bearer API_KEY`.")
    return key


def parse(body: Any) -> tuple[str, str | None, bool]:
    """Return the text, the locale and whether advanced moderation is asked for."""
    if not isinstance(body, dict):
        raise RestError(400, "The body must be a JSON object with a `text` field.")
    text = field_of(body, "text", str, "text", required=True)
    if len(text) * 4 > MAX_TEXT_BYTES and len(text.encode("utf-8", "surrogatepass")) > \
            MAX_TEXT_BYTES:
        raise RestError(413, f"`text` is longer than {MAX_TEXT_BYTES} bytes in UTF-8.", "text")
    locale = field_of(body, "locale", str, "locale")
    if locale is not None and len(locale) > MAX_LOCALE_CHARS:
        raise RestError(400, f"`locale` must have at most {MAX_LOCALE_CHARS} characters.",
                        "locale")
    advanced = field_of(body, "useAdvanced", bool, "useAdvanced")
    return text, locale, advanced is not False


def language_of(locale: str | None) -> str | None:
    """Return the lexicon language a locale asks for, or None when we have none for it."""
    if not locale or not locale.strip():
        return LANGUAGES[0]
    primary = locale.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def answer(text: str, result: dict[str, Any], advanced: bool) -> dict[str, Any]:
    """Return the document's answer (basic, or advanced: a superset) from our analysis."""
    profane = result["profanity"]["found"]
    body: dict[str, Any] = {"hasProfanity": profane}
    if profane:
        body["censored"] = result.get("masked", text)
    if result.get("corrected", text) != text:
        body["corrected"] = result["corrected"]
    if advanced:
        labels, actions = result["labels"], result["actions"]
        body.update(reviewRecommended=actions["review"] and not actions["reject"],
                    explicit=labels.get(L.SEXUAL, 0.0),
                    suggestiveMature=max((labels[m] for m in MATURE if m in labels),
                                         default=0.0),
                    offensiveToxic=labels.get(L.TOXICITY, 0.0))
    return body


async def review(request: web.Request) -> web.Response:
    """POST /api/v2/blueprint/review/text."""
    key = await _key(request)
    await admit(request, key, API)
    async with json_body(request) as data:  # its budget share held until answered
        text, locale, advanced = parse(data)
        language = language_of(locale)
        analyzer: Analyzer = request.app[ANALYZER]
        own = (await analyzer.policies.get(key.project)).options
        # The speller corrects the expected language's text: any other is left as it is.
        options: Options = own.overridden(detect=ADVANCED if advanced else BASIC,
                                          expected_language=(language or locale or "",))
        options = replace(options, masks={"profanity": "*"})
        result = await analyzer.moderate(key.project, text, options, key.id if advanced else None)
        headers = {"Content-Language": LANGUAGES[0]}
        if language is None:
            headers[UNSUPPORTED_LOCALE_HEADER] = "".join(
                c for c in str(locale) if c.isascii() and c.isprintable())[:MAX_LOCALE_CHARS]
        return json_response(answer(text, result, advanced), **headers)


def setup(app: web.Application) -> None:
    """Add `POST /api/v2/blueprint/review/text`."""
    app.router.add_route("POST", PATH, handler(review, shape, log))
    app.router.add_route("*", PATH, wrong_method("POST", shape, log))
