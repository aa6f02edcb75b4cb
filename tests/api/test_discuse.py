"""discuse's API (reference document 003) over real HTTP against the real app: every example
of the document replayed as written (only host and credentials changed), the answer key by
key, its errors in FastAPI's shape, and `user_id` in the actor history."""

from __future__ import annotations

import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import ANALYZER

PATH = "/api/v1/check"

# The document's text example, byte for byte (it has a trailing comma after "text").
TEXT_EXAMPLE = b"""{
  "request": {
    "media": {
      "text": "Any text you want to check",
    },
    "user_id": "726fddcb-ba41-4eba-a14c-a5e2784c9925"
  },
  "settings": {
    "project_id": 31337
  }
}"""
IMAGE_EXAMPLE = {
    "request": {
        "media": {"gif_url": [""], "image_url": ["https://example.com/image.jpg"]},
        "user_id": "726fddcb-ba41-4eba-a14c-a5e2784c9925",
    },
    "settings": {"project_id": 31337},
}
# The request body format section's example (text, image and GIF at once).
FORMAT_EXAMPLE = {
    "request": {
        "media": {"gif_url": [""], "image_url": ["https://example.com/image.jpg"],
                  "text": "Any text you want to check"},
        "user_id": "726fddcb-ba41-4eba-a14c-a5e2784c9925",
    },
    "settings": {"project_id": 31337},
}
USER = "726fddcb-ba41-4eba-a14c-a5e2784c9925"
KEYS = ["trace_context", "links", "badwords", "antivirus", "language", "images", "gifs",
        "sentiment", "hits"]


async def check(api, body: object = None, *, client: str | None = DEFAULT_PROJECT,
                secret: str | None = "own", method: str = "POST", **kwargs
                ):  # type: ignore[no-untyped-def]
    """One request as the document's curl sends it; return (status, headers, JSON)."""
    headers = {"accept": "application/json", "Content-Type": "application/json"}
    if client is not None:
        headers["x-client-id"] = client
    if secret is not None:
        headers["x-client-secret"] = api.key if secret == "own" else secret
    if isinstance(body, bytes):
        kwargs["data"] = body
    elif body is not None:
        kwargs["json"] = body
    async with api.http.request(method, PATH, headers=headers, **kwargs) as resp:
        return resp.status, resp.headers, await resp.json()


async def set_settings(api, **settings: object) -> None:
    await api.store.projects.update_settings(DEFAULT_PROJECT, settings)
    api.app[ANALYZER].policies.forget()


async def test_the_documents_text_example_as_written_is_invalid_json(app_client):
    # The document's example has a trailing comma: a JSON parser refuses it, as discuse's
    # own FastAPI service would, with a 422 in FastAPI's shape.
    status, _, body = await check(app_client, TEXT_EXAMPLE)
    assert status == 422
    [detail] = body["detail"]
    assert detail["loc"] == ["body"] and "not valid JSON" in detail["msg"]


async def test_the_documents_text_example_answered_key_by_key(app_client):
    fixed = TEXT_EXAMPLE.replace(b'check",\n', b'check"\n')
    status, headers, body = await check(app_client, fixed)
    assert status == 200, body
    assert list(body) == KEYS
    assert body["trace_context"] is None
    assert body["links"] == {"status": "ok", "hit": False, "matches": []}
    assert body["badwords"] == {"status": "ok", "hit": False, "matches": []}
    assert body["antivirus"] == {"status": "not_checked", "hit": False}
    assert body["language"] == {"expected": None, "detected": "en", "hit": False}
    assert body["images"] == {"result": {}} and body["gifs"] == {"result": {}}
    sentiment = body["sentiment"]
    assert set(sentiment) == {"toxic", "profanity", "threat", "insult", "hit"}
    assert all(0 <= sentiment[k] < 0.5 for k in ("toxic", "profanity", "threat", "insult"))
    assert sentiment["hit"] is False and body["hits"] is False
    # Every sentiment label is scored by the analysis: none is named as unsupported.
    assert "X-Unsupported-Labels" not in headers
    history = await app_client.store.actors.history(DEFAULT_PROJECT, USER)
    assert history is not None and history.actor.requests == 1
    assert history.events[0].source == "discuse"


async def test_the_documents_image_example_where_images_are_off(make_client):
    # Image moderation itself (a real image server on loopback, the model): test_discuse_images.
    app_client = await make_client(images={"enabled": False})
    status, headers, body = await check(app_client, IMAGE_EXAMPLE)
    assert status == 200, body
    assert list(body) == KEYS
    images = body["images"]
    assert images["result"] == {} and images["status"] == "unsupported"
    assert images["hit"] is False and "not available on this server" in images["message"]
    assert body["gifs"] == {"result": {}}  # [""]: no GIF sent
    assert body["links"] == body["badwords"] == {"status": "", "hit": False}  # no text: not run
    assert body["sentiment"] == {"hit": False} and body["hits"] is False
    assert "X-Unsupported-Labels" not in headers
    history = await app_client.store.actors.history(DEFAULT_PROJECT, USER)
    assert history is not None and history.events[0].flags == []


async def test_the_documents_request_format_example(make_client):
    app_client = await make_client(images={"enabled": False})
    status, _, body = await check(app_client, FORMAT_EXAMPLE)
    assert status == 200
    assert body["images"]["status"] == "unsupported" and body["language"]["detected"] == "en"
    assert body["links"]["status"] == "ok"


async def test_the_user_identification_example_alone_has_nothing_to_check(app_client):
    status, _, body = await check(app_client, {"request": {"user_id": "12345"}})
    assert status == 422
    assert body["detail"][0]["loc"] == ["body", "request", "media"]


async def test_links_badwords_and_the_projects_thresholds_set_hit(app_client):
    text = "You are a fucking idiot, see http://spam.example.com now"
    body = {"request": {"media": {"text": text}, "user_id": "u1"}, "trace_context": "t-1"}
    status, _, answer = await check(app_client, body)
    assert status == 200
    assert answer["trace_context"] == "t-1"
    assert answer["links"] == {"status": "ok", "hit": True,
                               "matches": ["http://spam.example.com"]}
    assert answer["badwords"] == {"status": "ok", "hit": True, "matches": ["fucking"]}
    assert answer["hits"] is True
    low = answer["sentiment"]["toxic"]
    # The project's toxicity threshold decides sentiment.hit.
    await set_settings(app_client, thresholds={"toxicity": min(low + 0.01, 1.0)})
    _, _, above = await check(app_client, {"request": {"media": {"text": "hello friend"}}})
    assert above["sentiment"]["hit"] is False
    await set_settings(app_client, thresholds={"toxicity": 0.0001})
    _, _, below = await check(app_client, {"request": {"media": {"text": "hello friend"}}})
    assert below["sentiment"]["hit"] is True and below["hits"] is True


async def test_expected_language_from_the_project(app_client):
    await set_settings(app_client, filter={"language": {"enabled": True, "expected": ["en"]}})
    text = "Dzień dobry, jak się masz? Mam nadzieję, że wszystko w porządku u ciebie w domu."
    _, _, body = await check(app_client, {"request": {"media": {"text": text}}})
    assert body["language"] == {"expected": "en", "detected": "pl", "hit": True}
    assert body["hits"] is True


async def test_the_trace_context_inside_request_and_unknown_settings(app_client):
    body = {"request": {"media": {"text": "hi"}, "trace_context": "abc"},
            "settings": {"project_id": "p", "strictness": 3}}
    status, headers, answer = await check(app_client, body)
    assert status == 200 and answer["trace_context"] == "abc"
    assert headers["X-Ignored-Settings"] == "strictness"


async def test_user_id_shares_the_actor_history_with_contentmod(app_client):
    await check(app_client, {"request": {"media": {"text": "hello"}, "user_id": 42}})
    async with app_client.http.post("/text", json={"text": "fuck", "options": {"actorId": "42"}},
                                    headers={"Authorization": f"Bearer {app_client.key}"}):
        pass
    history = await app_client.store.actors.history(DEFAULT_PROJECT, "42")
    assert history is not None and history.actor.requests == 2 and history.actor.flagged == 1
    assert [e.source for e in history.events] == ["contentmod", "discuse"]


@pytest.mark.parametrize(("body", "loc"), [
    ({}, ["body", "request"]),
    ([], ["body"]),
    ({"request": []}, ["body", "request"]),
    ({"request": {"media": {"text": 5}}}, ["body", "request", "media", "text"]),
    ({"request": {"media": {"text": ""}}}, ["body", "request", "media"]),
    ({"request": {"media": {"image_url": "x"}}}, ["body", "request", "media", "image_url"]),
    ({"request": {"media": {"gif_url": [3]}}}, ["body", "request", "media", "gif_url", 0]),
    ({"request": {"media": {"text": "a"}, "user_id": True}}, ["body", "request", "user_id"]),
    ({"request": {"media": {"text": "a"}}, "settings": {"project_id": [1]}},
     ["body", "settings", "project_id"]),
    ({"request": {"media": {"text": "a"}}, "trace_context": 5}, ["body", "trace_context"]),
])
async def test_bad_input_is_422_in_fastapis_shape(app_client, body, loc):
    status, _, error = await check(app_client, body)
    assert status == 422
    [detail] = error["detail"]
    assert detail["loc"] == loc and detail["msg"] and detail["type"] == "value_error"


@pytest.mark.parametrize(("client", "secret", "status"), [
    (None, "own", 401),
    (DEFAULT_PROJECT, None, 401),
    (DEFAULT_PROJECT, "not-a-key", 401),
    ("another-project", "own", 403),
])
async def test_bad_credentials(app_client, client, secret, status):
    got, _, error = await check(app_client, {"request": {"media": {"text": "hi"}}},
                                client=client, secret=secret)
    assert got == status and isinstance(error["detail"], str)


async def test_a_wrong_method_is_405(app_client):
    status, headers, error = await check(app_client, method="GET")
    assert status == 405 and headers["Allow"] == "POST" and isinstance(error["detail"], str)


async def test_an_over_long_body_is_413(make_client):
    api = await make_client(server={"max_body_bytes": 1024})
    status, _, error = await check(api, {"request": {"media": {"text": "a" * 2000}}})
    assert status == 413 and isinstance(error["detail"], str)
