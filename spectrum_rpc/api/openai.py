"""OpenAI's moderations API: `POST /v1/moderations` with `Authorization: Bearer KEY`, answered
in OpenAI's shape, so that the official `openai` client works with only `base_url` and
`api_key` changed.

A category is scored only where one of our labels is measured to score it on OpenAI's own
labelled prompts (`scripts/evaluate_openai.py`, docs/BENCHMARKS.md). OpenAI's schema requires a
number for all 13, so the others answer 0 and false, with no applied input type, and are named
in the `X-Unsupported-Categories` header: never a guess dressed as a probability.

Images: an `input` array holding `{"type": "image_url", "image_url": {"url": ...}}` parts is
ONE multi-modal input, as OpenAI reads it (one result): its text parts, joined by newlines, are
analysed as a text, and each image (an http(s) URL fetched through the SSRF guard, or a data:
URL) is scored for nudity (spectrum_rpc.media). Images score `sexual` only (NudeNet's explicit
nudity score, `porn` in README "Image moderation"; flagged at images.threshold), with "image" in
its `category_applied_input_types`. An image that cannot be scored fails the request with a
400 in OpenAI's shape naming the part (`invalid_image_url`, `image_download_failed`,
`image_download_timeout`, `image_too_large`, `invalid_image_format`), or
`unsupported_input_type` without the `images` extra.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, replace
from typing import Any

import orjson
from aiohttp import web

from .. import labels as L
from ..analysis import LABELS_ONLY, Analyzer
from ..auth import QUOTA, REVOKED_KEY, LimitExceeded
from ..body import BodyRefused
from ..constants import MAX_TEXT_BYTES
from ..engine import nudity
from ..media import ImageResult, Outcome, errors
from ..resources import ANALYZER, AUTH, BODIES, IMAGES, SETTINGS, USAGE
from ..store import KeyRecord
from ..tasks import first_failure
from .errors import DialectError, guarded, sentence
from .responses import json_response

log = logging.getLogger(__name__)

PATH = "/v1/moderations"
API = "openai"  # this dialect's name in the usage counts
UNSUPPORTED_HEADER = "X-Unsupported-Categories"
# The names OpenAI's clients send; any of them (or none) is answered by the project's model.
MODELS = ("omni-moderation-latest", "omni-moderation-2024-09-26", "text-moderation-latest",
          "text-moderation-stable")
FIELDS = ("input", "model")
CATEGORIES = ("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
              "illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions",
              "sexual", "sexual/minors", "violence", "violence/graphic")
# Measured on the moderation samples' test part (ROC-AUC, positives): sexual 0.961 (40),
# harassment 0.818 (14), hate 0.779 (25), violence 0.894 (16), self-harm 0.987 (9). The
# sub-categories' only candidate is the parent's label, which scores the parent: on 5 to 9
# positives each it cannot tell threats, gore or minors from the rest (sexual/minors at 0.5:
# precision 0.18). illicit, harassment/threatening and self-harm intent and instructions have
# no labelled data here at all.
SCORED = {
    "harassment": L.HARASSMENT,
    "hate": L.HATE,
    "self-harm": L.SELF_HARM,
    "sexual": L.SEXUAL,
    "violence": L.VIOLENCE,
}
UNSUPPORTED = tuple(c for c in CATEGORIES if c not in SCORED)
# The threshold of a label the project left off (no reject threshold): OpenAI's categories are
# always decided. A label with a pair (the project's, or a default) decides at its reject.
DEFAULT_THRESHOLD = 0.5
SCORES_ONLY = replace(LABELS_ONLY, sub_labels=False)  # the labels alone: answers no sub-label
IMAGE_CATEGORY = "sexual"  # the one category images are scored for
# A MediaError's code -> OpenAI's error code for it (OpenAI answers "Failed to download image").
IMAGE_ERRORS = {
    errors.UNSUPPORTED: "unsupported_input_type",
    errors.BAD_URL: "invalid_image_url",
    errors.REFUSED: "invalid_image_url",
    errors.UNREACHABLE: "image_download_failed",
    errors.TIMEOUT: "image_download_timeout",
    errors.TOO_LARGE: "image_too_large",
    errors.NOT_IMAGE: "invalid_image_format",
}

_UNSUPPORTED_VALUE = ",".join(UNSUPPORTED)
_INVALID_REQUEST = "invalid_request_error"


class OpenAIError(DialectError):
    """An error answered in OpenAI's shape: `{"error": {message, type, param, code}}`."""

    def __init__(self, status: int, message: str, *, param: str | None = None,
                 code: str | None = None, type: str = _INVALID_REQUEST,
                 headers: dict[str, str] | None = None):
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        super().__init__(message, status, body, headers)


@dataclass(frozen=True)
class Limits:
    max_inputs: int
    concurrency: int
    max_images: int = 10
    image_threshold: float = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Multimodal:
    """One input of text and image parts: the texts joined (None: none), the images' URLs with
    the index of their part (for the error's `param`)."""

    text: str | None
    images: tuple[tuple[int, str], ...]


Input = str | Multimodal


LIMITS = web.AppKey("openai_limits", Limits)


def invalid(param: str | None, message: str, code: str | None = "invalid_value") -> OpenAIError:
    """Return a 400 naming the bad parameter."""
    return OpenAIError(400, message, param=param, code=code)


def parse(body: bytes, max_inputs: int, max_images: int = 10) -> list[Input]:
    """Return the inputs a request body asks to moderate (texts, or one multi-modal input);
    raise OpenAIError for a bad one."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid(None, "We could not parse the JSON body of your request. The API "
                      "expects a JSON object with an 'input' field.", None) from None
    if not isinstance(request, dict):
        raise invalid(None, "The body must be a JSON object with an 'input' field.", None)
    for name in request:
        if name not in FIELDS:
            raise invalid(str(name)[:100], "Unrecognized request argument supplied: "
                          f"{str(name)[:100]}", "unknown_parameter")
    model = request.get("model")
    if model is not None and model not in MODELS:
        raise invalid("model", f"The model `{str(model)[:100]}` does not exist. This server "
                      f"accepts {', '.join(MODELS)} (or none): each is answered by the "
                      "project's own model.", "model_not_found")
    if "input" not in request:
        raise invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter")
    value = request["input"]
    if isinstance(value, list) and any(isinstance(item, dict) and item.get("type") == "image_url"
                                       for item in value):
        return [_multimodal(value, max_images)]
    return _texts(value, max_inputs)


def _multimodal(parts: list[Any], max_images: int) -> Multimodal:
    texts: list[str] = []
    images: list[tuple[int, str]] = []
    for i, part in enumerate(parts):
        param = f"input[{i}]"
        if isinstance(part, dict) and part.get("type") == "image_url":
            images.append((i, _image_url(param, part.get("image_url"))))
        elif isinstance(part, dict):
            texts.append(_text(param, part))
        else:
            raise invalid(param, f"'{param}' must be an object of type 'text' or 'image_url' in "
                          "a multi-modal input.", "invalid_type")
    if len(images) > max_images:
        raise invalid("input", f"'input' has {len(images)} images; this server moderates at "
                      f"most {max_images} images per request.")
    text = _sized("input", "\n".join(texts)) if texts else None
    return Multimodal(text, tuple(images))


def _image_url(param: str, value: Any) -> str:
    url = value.get("url") if isinstance(value, dict) else None
    if not isinstance(url, str) or not url:
        raise invalid(f"{param}.image_url.url", f"'{param}.image_url.url' must be a URL (http, "
                      "https or a base64 data: URL).", "invalid_type")
    return url


def _texts(value: Any, max_inputs: int) -> list[str]:
    if isinstance(value, str):
        return [_sized("input", value)]
    if not isinstance(value, list):
        raise invalid("input", "'input' must be a string, an array of strings or an array of "
                      "objects of type 'text'.", "invalid_type")
    if not value:
        raise invalid("input", "'input' must not be empty: send at least one text.")
    if len(value) > max_inputs:
        raise invalid("input", f"'input' has {len(value)} items; this server moderates at "
                      f"most {max_inputs} per request.")
    return [_text(f"input[{i}]", item) for i, item in enumerate(value)]


def _text(param: str, item: Any) -> str:
    if isinstance(item, str):
        return _sized(param, item)
    if not isinstance(item, dict):
        raise invalid(param, f"'{param}' must be a string or an object of type 'text'.",
                      "invalid_type")
    kind = item.get("type")
    if kind != "text":
        raise invalid(f"{param}.type", f"'{param}.type' must be 'text'.")
    if not isinstance(item.get("text"), str):
        raise invalid(f"{param}.text", f"'{param}.text' must be a string.", "invalid_type")
    return _sized(f"{param}.text", item["text"])


def _sized(param: str, text: str) -> str:
    if len(text) * 4 > MAX_TEXT_BYTES and len(text.encode("utf-8", "surrogatepass")) > \
            MAX_TEXT_BYTES:
        raise invalid(param, f"'{param}' is longer than {MAX_TEXT_BYTES} bytes in UTF-8.")
    return text


def result(moderated: dict[str, Any] | None, image: nudity.NudityScore | None = None,
           image_threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Return one of OpenAI's results from our analysis of a text (`Analyzer.moderate`; None:
    no text) and the scores of its images (None: no image)."""
    labels, decided = (moderated["labels"], moderated["flagged"]) if moderated else ({}, {})
    categories: dict[str, bool] = {}
    scores: dict[str, float] = {}
    applied: dict[str, list[str]] = {}
    for category in CATEGORIES:
        label = SCORED.get(category)
        score = labels.get(label) if label is not None else None
        # not scored: 0 and false, as the schema needs, and said so
        categories[category], scores[category], applied[category] = False, 0.0, []
        if score is not None:
            flag = decided.get(label)  # the project's threshold, where the label has one
            categories[category] = flag if flag is not None else score >= DEFAULT_THRESHOLD
            scores[category], applied[category] = score, ["text"]
        if image is not None and category == IMAGE_CATEGORY:
            categories[category] = categories[category] or image.porn >= image_threshold
            scores[category] = max(scores[category], image.porn)
            applied[category] = [*applied[category], "image"]
    return {"flagged": any(categories.values()), "categories": categories,
            "category_scores": scores, "category_applied_input_types": applied}


async def moderate(analyzer: Analyzer, key: KeyRecord, texts: list[str],
                   concurrency: int) -> list[dict[str, Any]]:
    """Analyse the texts concurrently (the engine batches them), at most `concurrency` at once;
    each one's outcome goes to the listeners (webhooks) as a classifyText call's does."""
    if len(texts) == 1:  # the common case: no task to make
        return [await analyzer.moderate(key.project, texts[0], SCORES_ONLY, key.id)]
    gate = asyncio.Semaphore(concurrency)

    async def one(text: str) -> dict[str, Any]:
        async with gate:
            return await analyzer.moderate(key.project, text, SCORES_ONLY, key.id)

    # A task group rather than gather: if one analysis fails, the others are cancelled, not
    # left running for an answer nobody will read.
    with first_failure():
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(text)) for text in texts]
    return [task.result() for task in tasks]


def _internal(request: web.Request, request_id: str) -> OpenAIError:
    return OpenAIError(500, "The server had an error while processing your request "
                       f"(request id {request_id}).", type="server_error")


def _unavailable(request: web.Request, message: str, headers: dict[str, str]) -> OpenAIError:
    return OpenAIError(503, message, type="server_error", code="service_unavailable",
                       headers=headers)


async def moderations(request: web.Request) -> web.Response:
    """POST /v1/moderations."""
    app = request.app
    header = request.headers.get("Authorization")
    key = await app[AUTH].authenticate(header)
    if key is None:
        raise _unauthorized(header, await app[AUTH].refusal(header))
    try:
        headers = await app[USAGE].admit(key, API) or {}  # RateLimit-* for a key with limits
    except LimitExceeded as refused:
        raise limited(refused) from None
    limits = app[LIMITS]
    try:
        async with app[BODIES].receive(request) as body:
            inputs = parse(body, limits.max_inputs, limits.max_images)
            if isinstance(inputs[0], Multimodal):
                model, results = await _multimodal_result(app, key, inputs[0], limits)
            else:
                texts = [i for i in inputs if isinstance(i, str)]
                analyses = await moderate(app[ANALYZER], key, texts, limits.concurrency)
                model, results = analyses[0]["modelVersion"], [result(a) for a in analyses]
    except BodyRefused as refused:
        raise _refusal(refused) from None
    answer = {"id": "modr-" + secrets.token_hex(16), "model": model, "results": results}
    return json_response(answer, **{UNSUPPORTED_HEADER: unscored(results)}, **headers)


async def _multimodal_result(app: web.Application, key: KeyRecord, asked: Multimodal,
                             limits: Limits) -> tuple[str, list[dict[str, Any]]]:
    """Analyse the text and score the images at once; return the model and the one result."""
    analyzer: Analyzer = app[ANALYZER]

    async def text() -> dict[str, Any] | None:
        if asked.text is None:
            return None
        return (await moderate(analyzer, key, [asked.text], limits.concurrency))[0]

    # A task group rather than gather: if the text's analysis fails, the image checks are
    # cancelled (their fetches and places in the image gate given back), not left running.
    with first_failure():
        async with asyncio.TaskGroup() as group:
            analysed = group.create_task(text())
            checked = group.create_task(app[IMAGES].check_all([url for _, url in asked.images]))
    moderated, outcomes = analysed.result(), checked.result()
    scored = [image_score(index, url, outcome)
              for (index, url), outcome in zip(asked.images, outcomes, strict=True)]
    model = moderated["modelVersion"] if moderated else \
        analyzer.classifier.version_for(key.project)
    return model, [result(moderated, nudity.worst(scored), limits.image_threshold)]


def image_score(index: int, url: str, outcome: Outcome) -> nudity.NudityScore:
    """Return an image's scores, or raise the OpenAIError for why it has none."""
    if isinstance(outcome, ImageResult):
        return outcome.score
    code = IMAGE_ERRORS.get(outcome.code, "invalid_image_url")
    if outcome.code == errors.UNSUPPORTED:
        raise invalid(f"input[{index}].type", f"Image inputs are not supported by this server: "
                      f"{outcome.message} Send {{\"type\": \"text\", \"text\": ...}} items.", code)
    what = "Could not read the image" if outcome.code in (errors.NOT_IMAGE, errors.TOO_LARGE) \
        else "Failed to download image"
    raise invalid(f"input[{index}].image_url.url",
                  f"{what} from {errors.shown(url)}: {outcome.message}.", code)


def unscored(results: list[dict[str, Any]]) -> str:
    """Return the header's value: the categories some result did not score (UNSUPPORTED, and
    any a project's model has no label for)."""
    missing = [c for c in SCORED
               if any(not r["category_applied_input_types"][c] for r in results)]
    if not missing:
        return _UNSUPPORTED_VALUE
    return ",".join(c for c in CATEGORIES if c in UNSUPPORTED or c in missing)


def _unauthorized(header: str | None, reason: str) -> OpenAIError:
    if reason == REVOKED_KEY:
        message = "This API key was revoked. Use another key (an admin can create one)."
    elif not header:
        message = ("You didn't provide an API key. You need to provide your API key in an "
                   "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    else:
        message = "Incorrect API key provided. Use a key made with `spectrum-rpc keys create`."
    return OpenAIError(401, message, code="invalid_api_key")


def limited(refused: LimitExceeded) -> OpenAIError:
    """Return OpenAI's 429 for a key's rate limit (`rate_limit_exceeded`) or its monthly quota
    (`insufficient_quota`), with `Retry-After`, the `RateLimit-*` headers and OpenAI's own."""
    headers = {**refused.headers(), "x-ratelimit-limit-requests": str(refused.allowed),
               "x-ratelimit-remaining-requests": "0",
               "x-ratelimit-reset-requests": f"{refused.reset}s"}
    if refused.limit == QUOTA:  # not worth the official client's automatic retries
        headers["x-should-retry"] = "false"
        return OpenAIError(429, "You exceeded your current quota: this key's monthly quota of "
                           f"{refused.allowed} requests is used up. It renews at the start of "
                           "the next month (UTC), or ask the server's operator to raise it.",
                           type="insufficient_quota", code="insufficient_quota",
                           headers=headers)
    return OpenAIError(429, f"Rate limit reached for requests on this key: {refused.message}.",
                       type="requests", code="rate_limit_exceeded", headers=headers)


# A body refused by body.py (its HTTP status) -> OpenAI's error type and code for it.
_REFUSALS = {
    413: ("invalid_request_error", "request_too_large"),
    415: ("invalid_request_error", "unsupported_content_encoding"),
    400: ("invalid_request_error", "invalid_body"),
    503: ("server_error", "server_busy"),
}


def _refusal(refused: BodyRefused) -> OpenAIError:
    kind, code = _REFUSALS.get(refused.status, ("invalid_request_error", None))
    return OpenAIError(refused.status, sentence(refused.reason), code=code, type=kind,
                       headers=refused.headers)


async def wrong_method(request: web.Request) -> web.Response:
    """Any method but POST on the endpoint: 405 in OpenAI's shape."""
    return OpenAIError(405, f"Invalid method for URL ({request.method[:16]} {PATH}): use POST.",
                       headers={"Allow": "POST"}).response()


def setup(app: web.Application) -> None:
    """Add the endpoint; inputs per request are capped, and scored at once, as JSON-RPC
    batches are (`server.max_batch_size`, `server.batch_concurrency`)."""
    server, images = app[SETTINGS].server, app[SETTINGS].images
    app[LIMITS] = Limits(server.max_batch_size, server.batch_concurrency,
                         images.max_per_request, images.threshold)
    app.router.add_post(PATH, guarded(moderations, _internal, _unavailable, log))
    app.router.add_route("*", PATH, wrong_method)
