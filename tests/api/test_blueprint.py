"""blueprint's text review API (reference document 004) over real HTTP against the real app:
every example of the document replayed as written (only host and key changed), basic and
advanced answers field by field, `locale`, and its errors in Spring Boot's shape."""

from __future__ import annotations

import pytest

from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import ANALYZER

PATH = "/api/v2/blueprint/review/text"
ADVANCED = ["hasProfanity", "reviewRecommended", "explicit", "suggestiveMature",
            "offensiveToxic"]


async def review(api, body: object = None, key: str | None = "own", method: str = "POST",
                 **kwargs):  # type: ignore[no-untyped-def]
    """One request; return (status, headers, JSON)."""
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {api.key if key == 'own' else key}"
    if body is not None:
        kwargs["json"] = body
    async with api.http.request(method, PATH, headers=headers, **kwargs) as resp:
        return resp.status, resp.headers, await resp.json()


async def set_thresholds(api, **thresholds: float) -> None:
    # insult has a default pair too (it would reject these insults): off here, so that the
    # bands asked for are toxicity's alone.
    await api.store.projects.update_settings(DEFAULT_PROJECT,
                                             {"thresholds": {"insult": None, **thresholds}})
    api.app[ANALYZER].policies.forget()


async def test_the_documents_first_request_as_written(app_client):
    status, headers, body = await review(app_client, {
        "text": "<text to validate>", "locale": "optional, desired moderation locale"})
    assert status == 200, body
    assert list(body) == ADVANCED  # advanced by default; nothing to censor or correct
    # The placeholder itself sits near the review band of the calibrated phishing threshold
    # (review from half of 0.21): whether it is recommended for review is the policy's call.
    assert body["hasProfanity"] is False and isinstance(body["reviewRecommended"], bool)
    for score in ("explicit", "suggestiveMature", "offensiveToxic"):
        assert isinstance(body[score], float) and 0 <= body[score] < 0.5
    # No lexicon for that locale: accepted, checked in English, and said so.
    assert headers["X-Unsupported-Locale"] == "optional, desired moderation locale"
    assert headers["Content-Language"] == "en"


async def test_the_documents_basic_request_and_first_answer(app_client):
    status, headers, body = await review(app_client, {"text": "<text to validate>",
                                                      "useAdvanced": False})
    assert (status, body) == (200, {"hasProfanity": False})
    assert "X-Unsupported-Locale" not in headers


async def test_the_documents_second_answer(app_client):
    status, _, body = await review(app_client, {"text": "ass", "useAdvanced": False})
    assert (status, body) == (200, {"hasProfanity": True, "censored": "***"})


async def test_basic_corrects_spelling(app_client):
    _, _, body = await review(app_client, {"text": "Ths is a tset of speling",
                                           "useAdvanced": False})
    assert body == {"hasProfanity": False, "corrected": "Ths is a set of spelling"}


async def test_advanced_is_a_superset_of_basic(app_client):
    text = "you fucking idiot, ths is a tset"
    _, _, basic = await review(app_client, {"text": text, "useAdvanced": False})
    _, _, advanced = await review(app_client, {"text": text, "useAdvanced": True})
    assert basic == {"hasProfanity": True, "censored": "you ******* idiot, ths is a tset",
                     "corrected": "you fucking idiot, ths is a set"}
    assert {k: advanced[k] for k in basic} == basic
    assert set(advanced) == set(basic) | set(ADVANCED)


async def test_review_recommended_is_between_the_review_and_reject_thresholds(app_client):
    text = "you are wrong and stupid"
    _, _, body = await review(app_client, {"text": text})
    toxic = body["offensiveToxic"]
    assert toxic > 0
    # Inside the review band: at or above REVIEW_SHARE of the threshold, under the threshold.
    await set_thresholds(app_client, toxicity=min(1.0, toxic / ((1 + REVIEW_SHARE) / 2)),
                         sexual=1.0, phishing=1.0)
    _, _, between = await review(app_client, {"text": text})
    assert between["reviewRecommended"] is True
    await set_thresholds(app_client, toxicity=toxic / 2, sexual=1.0, phishing=1.0)
    _, _, rejected = await review(app_client, {"text": text})
    assert rejected["reviewRecommended"] is False
    await set_thresholds(app_client, toxicity=1.0, sexual=1.0, phishing=1.0)
    _, _, clean = await review(app_client, {"text": text})
    assert clean["reviewRecommended"] is (toxic >= REVIEW_SHARE)


@pytest.mark.parametrize(("locale", "unsupported", "corrected"), [
    ("en-US", None, "Ths is a set of spelling"),
    ("en_GB", None, "Ths is a set of spelling"),
    ("fr-FR", "fr-FR", None),
])
async def test_locale_chooses_the_lexicons_language(app_client, locale, unsupported, corrected):
    _, headers, body = await review(app_client, {"text": "Ths is a tset of speling",
                                                 "locale": locale, "useAdvanced": False})
    assert headers.get("X-Unsupported-Locale") == unsupported
    assert body.get("corrected") == corrected


async def test_the_key_in_x_api_key(app_client):
    status, _, body = await review(app_client, {"text": "hello"}, key=None,
                                   headers={"X-Api-Key": app_client.key})
    assert status == 200 and body["hasProfanity"] is False


def assert_spring(error: dict, status: int) -> None:
    assert set(error) == {"timestamp", "status", "error", "message", "path"}
    assert error["status"] == status and error["path"] == PATH and error["message"]


@pytest.mark.parametrize("body", [
    {}, {"text": 5}, {"text": None}, {"text": "a", "useAdvanced": "no"},
    {"text": "a", "locale": 5}, {"text": "a", "locale": "x" * 101}, [],
])
async def test_bad_input_is_400_in_springs_shape(app_client, body):
    status, _, error = await review(app_client, body)
    assert status == 400
    assert_spring(error, 400) and error["error"] == "Bad Request"


async def test_invalid_json_is_400(app_client):
    status, _, error = await review(app_client, data=b"{text",
                                    headers={"Content-Type": "application/json"})
    assert status == 400
    assert_spring(error, 400)


@pytest.mark.parametrize("key", [None, "wrong"])
async def test_a_missing_or_wrong_key_is_401(app_client, key):
    status, _, error = await review(app_client, {"text": "hello"}, key=key)
    assert status == 401
    assert_spring(error, 401) and error["error"] == "Unauthorized"


async def test_a_wrong_method_is_405(app_client):
    status, headers, error = await review(app_client, method="GET")
    assert status == 405 and headers["Allow"] == "POST"
    assert_spring(error, 405) and error["error"] == "Method Not Allowed"


async def test_an_over_long_body_is_413(make_client):
    api = await make_client(server={"max_body_bytes": 1024})
    status, _, error = await review(api, {"text": "a" * 2000})
    assert status == 413
    assert_spring(error, 413)
