"""Perspective's comment analyzer: `POST /v1alpha1/comments:analyze` and
`POST /v1alpha1/comments:suggestscore`, with the key as `?key=` (or `Authorization: Bearer`),
answered in Perspective's shapes and Google's error format, plus the discovery document
Google's clients build themselves from, so that Perspective's samples work with only the
address changed.

An attribute is scored only when one of our labels measures it (ATTRIBUTES) and the project's
model answers that label; any other is a 400 naming it, never a made-up number.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import orjson
from aiohttp import web

from .. import labels as L
from ..analysis import LABELS_ONLY, LANGUAGE_ONLY, Options
from ..auth import KeyRateLimiter, LimitExceeded
from ..body import BodyRefused
from ..resources import ANALYZER, AUTH, BODIES, SETTINGS, STORE, USAGE
from ..store import KeyRecord, now
from . import discovery
from .errors import DialectError, guarded, sentence
from .responses import json_response

log = logging.getLogger(__name__)

ANALYZE = "/" + discovery.ANALYZE_PATH
SUGGEST = "/" + discovery.SUGGEST_PATH
DISCOVERY_PATHS = ("/$discovery/rest", "/discovery/v1/apis/commentanalyzer/v1alpha1/rest")

# Perspective's attributes -> the label of ours that scores each (None: none does). The one
# table: the `_EXPERIMENTAL` spellings map through it too. INSULT, THREAT, IDENTITY_ATTACK,
# PROFANITY and OBSCENE are scored by the toxic-span model; SEVERE_TOXICITY names a label
# nothing scores (no labelled data), so it is refused until something does.
ATTRIBUTES: dict[str, str | None] = {
    "TOXICITY": L.TOXICITY,
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": L.PROFANITY,
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": L.SEXUAL,
    "OBSCENE": L.PROFANITY,
    "SPAM": L.PHISHING,
    "FLIRTATION": None,
    "INCOHERENT": None,
    "UNSUBSTANTIAL": None,
    "INFLAMMATORY": None,
    "LIKELY_TO_REJECT": None,
    "ATTACK_ON_AUTHOR": None,
    "ATTACK_ON_COMMENTER": None,
    "AFFINITY": None,
    "COMPASSION": None,
    "CURIOSITY": None,
    "NUANCE": None,
    "PERSONAL_STORY": None,
    "REASONING": None,
    "RESPECT": None,
}
# The labels the analysis scores (the engine's and the toxic-span model's).
SCORABLE = frozenset(L.SCORABLE)
# Our models are trained on English text only.
LANGUAGES = ("en",)
# suggestscore: attribute -> the feedback label (labels.FEEDBACK_LABELS) a moderator's score
# sets, true at SUGGEST_THRESHOLD or above. SEVERE_TOXICITY only ever says "toxic": a low
# severe score does not say the text is not toxic.
FEEDBACK = {"TOXICITY": "toxic", "SEXUALLY_EXPLICIT": "sexual", "SPAM": "phishing",
            "PROFANITY": L.PROFANITY, "OBSCENE": L.PROFANITY, "INSULT": "insult",
            "THREAT": "threat", "IDENTITY_ATTACK": L.HATE, "SEVERE_TOXICITY": "toxic"}
FEEDBACK_ONLY_TRUE = frozenset({"SEVERE_TOXICITY"})
SUGGEST_THRESHOLD = 0.5

ANALYZE_FIELDS = ("comment", "context", "requestedAttributes", "spanAnnotations", "languages",
                  "doNotStore", "clientToken", "sessionId", "communityId")
SUGGEST_FIELDS = ("comment", "context", "attributeScores", "languages", "clientToken",
                  "sessionId", "communityId")
LABELS = Options(detect=frozenset({"labels", "language"}))
PROBABILITY = "PROBABILITY"
SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", PROBABILITY, "STD_DEV_SCORE", "PERCENTILE", "RAW")

# HTTP status -> Google's canonical status name.
STATUSES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
            404: "NOT_FOUND", 405: "UNIMPLEMENTED", 413: "INVALID_ARGUMENT",
            415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
            503: "UNAVAILABLE"}
_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


API = "perspective"  # this dialect's name in the usage counts

class PerspectiveError(DialectError):
    """An error in Google's shape: `{"error": {code, message, status, details}}`."""

    def __init__(self, code: int, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        body = {"error": {"code": code, "message": message,
                          "status": STATUSES.get(code, "UNKNOWN"), "details": details or []}}
        super().__init__(message, code, body, headers)
        self.code = code


def invalid(message: str, error_type: str, **detail: Any) -> PerspectiveError:
    """Return a 400 INVALID_ARGUMENT with Perspective's error type in its details."""
    return PerspectiveError(400, message, [{"@type": _ERROR_TYPE, "errorType": error_type,
                                            **detail}])


def resource_exhausted(message: str, headers: dict[str, str]) -> PerspectiveError:
    """Return the 429 RESOURCE_EXHAUSTED a per-key limit answers with (`headers`: at least
    Retry-After)."""
    return PerspectiveError(429, message, [{"@type": _ERROR_INFO, "reason": "RATE_LIMIT_EXCEEDED",
                                            "domain": "spectrum-rpc"}], headers)


async def admit(request: web.Request, key: KeyRecord) -> dict[str, str]:
    """Count the request for its key, or refuse it: the key's rate limit or monthly quota.
    Return the RateLimit-* headers for the answer (none for a key without limits)."""
    try:
        return await request.app[USAGE].admit(key, API) or {}
    except LimitExceeded as refused:
        raise resource_exhausted(refused.message, refused.headers()) from None


def _payload(message: str) -> PerspectiveError:
    return PerspectiveError(400, f"Invalid JSON payload received. {message}")


# --- requests --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Common:
    """What both methods take."""

    text: str
    languages: tuple[str, ...]
    client_token: str | None
    community_id: str | None
    session_id: str | None


def _object(body: bytes, fields: tuple[str, ...]) -> dict[str, Any]:
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _payload("Unexpected token: the body must be a JSON object.") from None
    if not isinstance(request, dict):
        raise _payload("Expected a JSON object.")
    return _known(request, fields, "")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _known(value: dict[str, Any], fields: tuple[str, ...], where: str) -> dict[str, Any]:
    """Return an object's fields by their JSON names; Google's parser takes the proto names
    (snake_case) too, and refuses unknown ones."""
    out = {}
    for name, item in value.items():
        key = _camel(name) if isinstance(name, str) else name
        if key not in fields:
            raise _payload(f'Unknown name "{str(name)[:100]}"{where}: Cannot find field.')
        out[key] = item
    return out


def _typed(value: Any, kind: type | tuple[type, ...], path: str, proto: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        shown = orjson.dumps(value)[:100].decode(errors="replace")
        raise _payload(f"Invalid value at '{path}' ({proto}), {shown}")
    return value


def _string(request: dict[str, Any], name: str) -> str | None:
    value = request.get(name)
    return None if value is None else _typed(value, str, name, "TYPE_STRING")


def _common(request: dict[str, Any], max_bytes: int) -> Common:
    comment = request.get("comment")
    if comment is None:
        raise invalid("Comment must be non-empty.", "COMMENT_EMPTY")
    comment = _known(_typed(comment, dict, "comment", "TextEntry"), ("text", "type"),
                     ' at \'comment\'')
    text = comment.get("text")
    if text is None or text == "":
        raise invalid("Comment must be non-empty.", "COMMENT_EMPTY")
    text = _typed(text, str, "comment.text", "TYPE_STRING")
    kind = comment.get("type", "PLAIN_TEXT")
    if kind == "HTML":
        raise invalid("Currently, only 'PLAIN_TEXT' comments are supported", "UNSUPPORTED_TYPE")
    if kind not in ("PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"):
        raise invalid("Unknown text type", "UNKNOWN_TEXT_TYPE")
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > max_bytes else 0
    if size > max_bytes:
        raise invalid(f"Comment text was too many bytes. Value ({size}) exceeded limit "
                      f"({max_bytes}).", "COMMENT_TOO_LONG")
    if request.get("context") is not None:
        _typed(request["context"], dict, "context", "Context")
    languages = _typed(request.get("languages") or [], list, "languages", "TYPE_STRING")
    codes = tuple(_typed(code, str, f"languages[{i}]", "TYPE_STRING").strip()
                  for i, code in enumerate(languages))
    return Common(text, codes, _string(request, "clientToken"), _string(request, "communityId"),
                  _string(request, "sessionId"))


@dataclass(frozen=True)
class Analyze:
    common: Common
    attributes: dict[str, tuple[str, float | None]]  # name as asked -> (label, threshold)
    spans: bool
    do_not_store: bool


def label_of(name: str) -> str:
    """Return the label that scores an attribute; raise the 400 naming one we cannot score."""
    base = name.removesuffix("_EXPERIMENTAL")
    if base not in ATTRIBUTES:
        raise invalid(f"Unknown requested attribute: {name[:100]}", "UNKNOWN_ATTRIBUTE")
    label = ATTRIBUTES[base]
    if label is None or label not in SCORABLE:
        raise unscorable(name)
    return label


def unscorable(name: str) -> PerspectiveError:
    """Return the 400 for an attribute this server has no honest score for."""
    served = ", ".join(a for a, label in ATTRIBUTES.items() if label in SCORABLE)
    return invalid(f"Attribute {name} is not supported by this server: it scores {served} "
                   "(and their _EXPERIMENTAL spellings).", "ATTRIBUTE_NOT_SUPPORTED",
                   attribute=name)


def parse_analyze(body: bytes, max_bytes: int) -> Analyze:
    """Return an analyze request; raise PerspectiveError for a bad one."""
    request = _object(body, ANALYZE_FIELDS)
    common = _common(request, max_bytes)
    asked = request.get("requestedAttributes")
    if not asked:
        raise invalid("Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")
    asked = _typed(asked, dict, "requested_attributes", "map")
    attributes = {name: _parameters(name, params) for name, params in asked.items()}
    flags = {name: _typed(request.get(name, False), bool, name, "TYPE_BOOL")
             for name in ("spanAnnotations", "doNotStore")}
    return Analyze(common, attributes, flags["spanAnnotations"], flags["doNotStore"])


def _parameters(name: str, params: Any) -> tuple[str, float | None]:
    label = label_of(name)
    where = f"requested_attributes[{name}].value"
    params = _known(_typed(params or {}, dict, where, "AttributeParameters"),
                    ("scoreType", "scoreThreshold"), f" at '{where}'")
    kind = params.get("scoreType", PROBABILITY)
    if kind not in SCORE_TYPES:
        raise _payload(f"Invalid value at '{where}.score_type', {str(kind)[:100]!r}")
    if kind not in (PROBABILITY, "SCORE_TYPE_UNSPECIFIED"):
        raise invalid(f"Requested score type {kind} is not supported by attribute {name}",
                      "UNSUPPORTED_SCORE_TYPE")
    threshold = params.get("scoreThreshold")
    if threshold is not None:
        _typed(threshold, (int, float), f"{where}.score_threshold", "TYPE_FLOAT")
    return label, threshold


def check_languages(names: Any, languages: tuple[str, ...]) -> None:
    """Refuse attributes for languages we cannot score, with Perspective's message."""
    unsupported = [code for code in languages
                   if code.lower().replace("_", "-").split("-")[0] not in LANGUAGES]
    if unsupported:
        name = next(iter(names))
        raise invalid(f"Attribute {name} does not support request languages: "
                      f"{', '.join(unsupported)}", "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                      languageNotSupportedByAttributeError={"detectedLanguages": unsupported,
                                                            "attribute": name})


@dataclass(frozen=True)
class Suggest:
    common: Common
    labels: dict[str, bool]


def parse_suggest(body: bytes, max_bytes: int) -> Suggest:
    """Return a suggestscore request with the scores mapped to feedback labels."""
    request = _object(body, SUGGEST_FIELDS)
    common = _common(request, max_bytes)
    scores = request.get("attributeScores")
    if not scores:
        raise invalid("attribute_scores must not be empty.", "NO_ATTRIBUTE_SCORES")
    scores = _typed(scores, dict, "attribute_scores", "map")
    labels: dict[str, bool] = {}
    for name, given in scores.items():
        value = _suggested(name, given)
        base = name.removesuffix("_EXPERIMENTAL")
        if base not in ATTRIBUTES:
            raise invalid(f"Unknown requested attribute: {name[:100]}", "UNKNOWN_ATTRIBUTE")
        if base not in FEEDBACK:
            raise unlearnable(name)
        flag = value >= SUGGEST_THRESHOLD
        if flag or base not in FEEDBACK_ONLY_TRUE:
            labels[FEEDBACK[base]] = labels.get(FEEDBACK[base], False) or flag
    return Suggest(common, labels)


def unlearnable(name: str) -> PerspectiveError:
    """Return the 400 for a suggested attribute no feedback label takes."""
    learned = ", ".join(FEEDBACK)
    return invalid(f"Attribute {name} cannot be learned by this server: suggest scores for "
                   f"{learned}.", "ATTRIBUTE_NOT_SUPPORTED", attribute=name)


def _suggested(name: str, given: Any) -> float:
    where = f"attribute_scores[{name}].value"
    given = _known(_typed(given, dict, where, "AttributeScores"),
                   ("summaryScore", "spanScores"), f" at '{where}'")
    summary = given.get("summaryScore")
    if summary is None:
        raise invalid(f"Attribute {name}: summary_score must be set.", "NO_SUMMARY_SCORE")
    summary = _known(_typed(summary, dict, f"{where}.summary_score", "Score"),
                     ("value", "type"), f" at '{where}.summary_score'")
    value = _typed(summary.get("value"), (int, float), f"{where}.summary_score.value",
                   "TYPE_FLOAT")
    if summary.get("type", PROBABILITY) != PROBABILITY or not 0 <= value <= 1:
        raise invalid(f"Attribute {name}: summary_score must be a PROBABILITY in [0, 1].",
                      "INVALID_SCORE")
    return float(value)


# --- answers ---------------------------------------------------------------------------------

def _detected(analysis: dict[str, Any]) -> list[str]:
    code = analysis["language"]["code"]
    return [code] if code else []


def _scoring_languages(common: Common, analysis: dict[str, Any]) -> tuple[str, ...]:
    """The languages a comment is scored in: those asked for, else the detected one when the
    detector is sure of it, else English (our models' language)."""
    if common.languages:
        return common.languages
    found = analysis["language"]
    return (found["code"],) if found["reliable"] and found["code"] else LANGUAGES


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "type": PROBABILITY}


def answer_analyze(asked: Analyze, analysis: dict[str, Any], languages: tuple[str, ...],
                   spans: list[tuple[int, int, dict[str, float]]] | None) -> dict[str, Any]:
    """Return Perspective's AnalyzeCommentResponse from our analysis of the comment."""
    scores = analysis["labels"]
    attributes = {}
    for name, (label, threshold) in asked.attributes.items():
        if label not in scores:  # a project's own model without this label
            raise unscorable(name)
        value = scores[label]
        if threshold is not None and value < threshold:
            continue
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if spans is not None:
            entry["spanScores"] = [{"begin": b, "end": e, "score": _score(s[label])}
                                   for b, e, s in spans if label in s]
        attributes[name] = entry
    answer: dict[str, Any] = {"attributeScores": attributes, "languages": list(languages),
                              "detectedLanguages": _detected(analysis)}
    if asked.common.client_token is not None:
        answer["clientToken"] = asked.common.client_token
    return answer


# --- handlers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    max_comment_bytes: int
    feedback: KeyRateLimiter


LIMITS = web.AppKey("perspective_limits", Limits)


def _internal(request: web.Request, request_id: str) -> PerspectiveError:
    return PerspectiveError(500, f"Internal error encountered (request id {request_id}).")


def _unavailable(request: web.Request, message: str,
                 headers: dict[str, str]) -> PerspectiveError:
    return PerspectiveError(503, message, headers=headers)


async def authenticate(request: web.Request) -> KeyRecord:
    """Return the key of `?key=`, `X-Goog-Api-Key` or `Authorization: Bearer`, as Google
    checks them: a bad API key is a 400, a bad bearer token a 401, none at all a 403."""
    auth = request.app[AUTH]
    key = request.query.get("key") or request.headers.get("X-Goog-Api-Key")
    if key is not None:
        found = await auth.authenticate("Bearer " + key)
        if found is None:
            raise PerspectiveError(400, "API key not valid. Please pass a valid API key.",
                                   [{"@type": _ERROR_INFO, "reason": "API_KEY_INVALID",
                                     "domain": "googleapis.com"}])
        return found
    header = request.headers.get("Authorization")
    if header is None:
        raise PerspectiveError(403, "The request is missing a valid API key.",
                               [{"@type": _ERROR_INFO, "reason": "API_KEY_MISSING",
                                 "domain": "googleapis.com"}])
    found = await auth.authenticate(header)
    if found is None:
        raise PerspectiveError(401, "Request had invalid authentication credentials. Expected "
                               "an API key (`key` parameter or `Authorization: Bearer KEY`).",
                               headers={"WWW-Authenticate": 'Bearer realm="spectrum-rpc"'})
    return found


async def analyze(request: web.Request) -> web.Response:
    """POST /v1alpha1/comments:analyze."""
    app = request.app
    key = await authenticate(request)
    limited = await admit(request, key)
    analyzer = app[ANALYZER]
    try:
        async with app[BODIES].receive(request) as body:
            asked = parse_analyze(body, app[LIMITS].max_comment_bytes)
            common = asked.common
            check_languages(asked.attributes, common.languages)
            # doNotStore: no key id, so no listener (webhook outbox) hears of it.
            key_id = None if asked.do_not_store else key.id
            # The span model runs only for an attribute it scores (INSULT, THREAT, ...).
            sub_labels = any(label in L.SPAN_LABELS for label, _ in asked.attributes.values())
            if common.languages:
                analysis = await analyzer.moderate(
                    key.project, common.text, replace(LABELS, sub_labels=sub_labels), key_id)
            else:  # detected first: a comment in a language we cannot score is not scored
                found = await analyzer.moderate(key.project, common.text, LANGUAGE_ONLY)
                check_languages(asked.attributes, _scoring_languages(common, found))
                analysis = await analyzer.moderate(
                    key.project, common.text, replace(LABELS_ONLY, sub_labels=sub_labels), key_id)
                analysis["language"] = found["language"]
            spans = (await analyzer.sentence_scores(key.project, common.text)
                     if asked.spans else None)
    except BodyRefused as refused:
        raise _refusal(refused, app[BODIES].max_bytes) from None
    languages = _scoring_languages(common, analysis)
    return json_response(answer_analyze(asked, analysis, languages, spans), **limited)


async def suggest(request: web.Request) -> web.Response:
    """POST /v1alpha1/comments:suggestscore: a moderator's scores, stored as feedback."""
    app = request.app
    key = await authenticate(request)
    limited = await admit(request, key)
    limits = app[LIMITS]
    if not limits.feedback.allow(key.id):
        raise resource_exhausted("Too many score suggestions from this key; retry later.",
                                 {"Retry-After": "1"})
    try:
        async with app[BODIES].receive(request) as body:
            asked = parse_suggest(body, limits.max_comment_bytes)
            found = await app[ANALYZER].moderate(key.project, asked.common.text, LANGUAGE_ONLY)
    except BodyRefused as refused:
        raise _refusal(refused, app[BODIES].max_bytes) from None
    await record(app, key, asked)
    answer: dict[str, Any] = {"detectedLanguages": _detected(found)}
    if asked.common.languages:
        answer["requestedLanguages"] = list(asked.common.languages)
    if asked.common.client_token is not None:
        answer["clientToken"] = asked.common.client_token
    return json_response(answer, **limited)


async def record(app: web.Application, key: KeyRecord, asked: Suggest) -> None:
    """Store the correction as recordUserClassification does: in the feedback store, for
    retraining; it blocks when any label is set."""
    text = asked.common.text
    meta = {"source": "perspective.suggestscore"}
    if asked.common.community_id is not None:
        meta["communityId"] = asked.common.community_id
    await app[STORE].feedback.add(
        project=key.project, key_id=key.id, created_at=now(), content=text,
        content_sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        should_block=any(asked.labels.values()), labels=asked.labels, meta=meta)


def _refusal(refused: BodyRefused, max_bytes: int) -> PerspectiveError:
    if refused.status == 413:  # Google's words for it
        message = f"Request payload size exceeds the limit: {max_bytes} bytes."
    else:
        message = sentence(refused.reason)
    return PerspectiveError(refused.status, message, headers=refused.headers)


async def discover(request: web.Request) -> web.Response:
    """GET the discovery document (`/$discovery/rest?version=v1alpha1`), addressed to the
    host the client asked for."""
    if request.query.get("version", discovery.VERSION) != discovery.VERSION:
        raise PerspectiveError(404, f"Discovery document not found for API service: "
                               f"{discovery.NAME} {request.query['version'][:32]}")
    return json_response(discovery.document(f"{request.scheme}://{request.host}/"))


async def not_found(request: web.Request) -> web.Response:
    """Anything else under /v1alpha1/."""
    raise PerspectiveError(404, "Method not found.")


def wrong_method(path: str) -> Any:
    async def handle(request: web.Request) -> web.Response:
        raise PerspectiveError(405, f"{request.method[:16]} is not allowed on {path}: use POST.",
                               headers={"Allow": "POST"})
    return handle


def setup(app: web.Application) -> None:
    """Add the two methods and the discovery document. Score suggestions share
    recordUserClassification's per-key rate (`training.feedback_rate`)."""
    settings = app[SETTINGS]
    training = settings.training
    app[LIMITS] = Limits(settings.perspective.max_comment_bytes,
                         KeyRateLimiter(training.feedback_rate, training.feedback_burst))
    guard = partial(guarded, internal=_internal, unavailable=_unavailable, log=log)
    for path, handler in ((ANALYZE, analyze), (SUGGEST, suggest)):
        app.router.add_post(path, guard(handler))
        app.router.add_route("*", path, guard(wrong_method(path)))
    for path in DISCOVERY_PATHS:
        app.router.add_get(path, guard(discover))
    app.router.add_route("*", "/v1alpha1/{tail:.*}", guard(not_found))
