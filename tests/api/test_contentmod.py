"""contentmod's API (reference document 002) over real HTTP against the real app: the
document's example replayed as written (only host and key changed), the answer field by field,
its errors, and the actor history `options.actorId` keeps."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime

import pytest

from spectrum_rpc.api.contentmod import scale
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import ANALYZER

# The document's request, as written.
EXAMPLE = {
    "text": "This is a very cool api",
    "options": {
        "meta": {},
        "callbackUrl": "<string>",
        "defer": True,
        "actorId": "<string>",
        "bannedWords": ["<string>"],
    },
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def post(api, body: object = None, key: str | None = "own", method: str = "POST",
               **kwargs):  # type: ignore[no-untyped-def]
    """One request as the document's curl sends it; return (status, headers, JSON)."""
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    if key is not None:
        headers["Authorization"] = f"Bearer {api.key if key == 'own' else key}"
    if body is not None:
        kwargs["json"] = body
    async with api.http.request(method, "/text", headers=headers, **kwargs) as resp:
        return resp.status, resp.headers, await resp.json()


def without_defer(body: dict) -> dict:
    options = {k: v for k, v in body["options"].items() if k not in ("defer", "callbackUrl")}
    return {**body, "options": options}


async def set_thresholds(api, **thresholds: float) -> None:
    await api.store.projects.update_settings(DEFAULT_PROJECT, {"thresholds": thresholds})
    api.app[ANALYZER].policies.forget()


async def test_the_documents_example_has_a_placeholder_callback_url_which_is_refused(app_client):
    status, _, body = await post(app_client, EXAMPLE)
    assert status == 400
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert body["error"]["field"] == "options.callbackUrl"
    assert "<string>" not in body["error"]["message"] or "URL" in body["error"]["message"]
    # Nothing was done: the actor was not recorded.
    assert await app_client.store.actors.get(DEFAULT_PROJECT, "<string>") is None


async def test_the_documents_example_answered_field_by_field(app_client):
    before = datetime.now(UTC)
    status, headers, body = await post(app_client, without_defer(EXAMPLE))
    after = datetime.now(UTC)
    assert status == 200, body
    text = EXAMPLE["text"]
    assert list(body) == ["id", "isSafe", "confidence", "sentiment", "sentimentScore",
                          "riskScores", "topics", "nsfwCategories", "summary",
                          "suggestedActions", "filteredContent", "content", "request", "meta",
                          "hash"]
    assert str(uuid.UUID(body["id"])) == body["id"]
    assert body["isSafe"] is True
    assert isinstance(body["confidence"], int) and 50 < body["confidence"] <= 100
    # VADER: "very cool" is positive (compound 0.3804 -> 1 + 99 * 0.6902).
    assert body["sentiment"] == "positive" and body["sentimentScore"] == 69
    risks = body["riskScores"]
    assert set(risks) == {"overall", "spam", "toxicity"}
    assert all(isinstance(v, int) and 1 <= v <= 100 for v in risks.values())
    assert risks["overall"] >= max(risks["spam"], risks["toxicity"])
    assert body["topics"] == [] and headers["X-Unsupported-Fields"] == "topics"
    assert body["nsfwCategories"] == []
    assert body["summary"] == {"profanity": False, "totalFlags": 0, "contentRating": "G",
                               "language": "en"}
    assert body["suggestedActions"] == {"reject": False, "review": False}
    assert body["filteredContent"] == body["content"] == text
    assert body["request"]["requestId"] == body["id"]
    assert ISO.match(body["request"]["timestamp"])
    at = datetime.fromisoformat(body["request"]["timestamp"].replace("Z", "+00:00"))
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= at <= after
    assert body["meta"] == {}
    assert body["hash"] == hashlib.sha256(text.encode()).hexdigest()
    history = await app_client.store.actors.history(DEFAULT_PROJECT, "<string>")
    assert history is not None and history.actor.requests == 1 and history.actor.flagged == 0
    assert history.events[0].source == "contentmod" and history.events[0].flags == []


async def test_the_minimal_request_and_meta_echoed(app_client):
    status, _, body = await post(app_client, {"text": "hello there"})
    assert status == 200 and body["meta"] is None
    meta = {"post": 17, "tags": ["a", "b"], "nested": {"x": None}}
    _, _, body = await post(app_client, {"text": "hello there", "options": {"meta": meta}})
    assert body["meta"] == meta
    _, _, body = await post(app_client, {"text": "hello", "options": {"meta": "a string"}})
    assert body["meta"] == "a string"


async def test_banned_words_count_as_profanity_and_are_filtered(app_client):
    status, _, body = await post(app_client, {"text": "This is a very cool api",
                                              "options": {"bannedWords": ["api"]}})
    assert status == 200
    assert body["filteredContent"] == "This is a very cool ***"
    assert body["content"] == "This is a very cool api"
    assert body["summary"]["profanity"] is True and body["summary"]["totalFlags"] == 1
    assert body["summary"]["contentRating"] == "PG-13"


async def test_profanity_is_replaced_by_stars_and_personal_data_is_left(app_client):
    text = "You are a fucking idiot, mail me at someone@example.com"
    _, _, body = await post(app_client, {"text": text})
    assert body["filteredContent"] == "You are a ******* idiot, mail me at someone@example.com"
    assert body["summary"]["profanity"] is True


async def test_a_flagged_text_is_unsafe_rated_and_rejected(app_client):
    # Thresholds the project set: every score reaches them.
    await set_thresholds(app_client, toxicity=0.0001, sexual=0.0001, phishing=0.0001)
    status, _, body = await post(app_client, {"text": "send nudes tonight",
                                              "options": {"actorId": "u1"}})
    assert status == 200
    assert body["isSafe"] is False
    assert body["suggestedActions"] == {"reject": True, "review": True}
    assert body["summary"]["totalFlags"] == 3 and body["summary"]["contentRating"] == "R"
    [nsfw] = body["nsfwCategories"]
    assert nsfw["category"] == "sexual" and 1 <= nsfw["severity"] <= 100
    history = await app_client.store.actors.history(DEFAULT_PROJECT, "u1")
    assert history is not None and history.actor.flagged == 1
    assert history.events[0].flags == ["phishing", "sexual", "toxicity"]


async def test_an_actors_history_over_several_requests(app_client):
    await post(app_client, {"text": "hello", "options": {"actorId": "alice"}})
    await post(app_client, {"text": "fuck off", "options": {"actorId": "alice"}})
    await post(app_client, {"text": "hello", "options": {"actorId": "bob"}})
    history = await app_client.store.actors.history(DEFAULT_PROJECT, "alice")
    assert history is not None
    assert (history.actor.requests, history.actor.flagged) == (2, 1)
    assert "profanity" in history.events[0].flags and history.events[1].flags == []


def test_the_scale():
    assert (scale(0.0), scale(0.5), scale(1.0), scale(1.7)) == (1, 50, 100, 100)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": 12}, "text"),
    ({"text": ["a"]}, "text"),
    ({"text": "a", "options": []}, "options"),
    ({"text": "a", "options": {"bannedWords": "api"}}, "options.bannedWords"),
    ({"text": "a", "options": {"bannedWords": [""]}}, "options.bannedWords[0]"),
    ({"text": "a", "options": {"actorId": 7}}, "options.actorId"),
    ({"text": "a", "options": {"actorId": "x" * 257}}, "options.actorId"),
    ({"text": "a", "options": {"defer": "yes"}}, "options.defer"),
    ({"text": "a", "options": {"defer": True}}, "options.defer"),
    ({"text": "a", "options": {"callbackUrl": 5}}, "options.callbackUrl"),
    ({"text": "a", "options": {"callbackUrl": "ftp://example.com/hook"}}, "options.callbackUrl"),
    ({"text": "a", "options": {"callbackUrl": "http://127.0.0.1/hook"}}, "options.callbackUrl"),
])
async def test_bad_input_is_400_in_its_shape(app_client, body, field):
    status, _, error = await post(app_client, body)
    assert status == 400
    assert set(error) == {"error"} and error["error"]["code"] == "INVALID_REQUEST"
    assert error["error"]["field"] == field and error["error"]["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
async def test_a_body_that_is_not_a_json_object_is_400(app_client, raw):
    status, _, error = await post(app_client, data=raw)
    assert status == 400 and error["error"]["code"] == "INVALID_REQUEST"


@pytest.mark.parametrize("key", [None, "not-a-key"])
async def test_a_missing_or_wrong_key_is_401(app_client, key):
    status, _, error = await post(app_client, {"text": "hello"}, key=key)
    assert status == 401 and error["error"]["code"] == "UNAUTHORIZED"
    assert "Authorization: Bearer" in error["error"]["message"]


async def test_a_wrong_method_is_405_with_allow(app_client):
    status, headers, error = await post(app_client, method="GET")
    assert status == 405 and headers["Allow"] == "POST"
    assert error["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_an_over_long_text_is_413(make_client):
    api = await make_client(server={"max_body_bytes": 1024})
    status, _, error = await post(api, {"text": "a" * 2000})
    assert status == 413 and error["error"]["code"] == "PAYLOAD_TOO_LARGE"
    status, _, _ = await post(api, {"text": "a" * 900})
    assert status == 200
