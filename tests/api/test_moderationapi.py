"""moderationapi.com's API (reference document 001) over real HTTP against the real app: every
example of the document replayed as written (only host and key changed), the answers in its
shapes field by field, and its errors."""

from __future__ import annotations

import re
import time

import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT

DOCUMENT_FILTER = {
    "email": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ email hidden }}"},
    "phone": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ phone hidden }}"},
    "name": {"enabled": True, "masking": True, "mode": "NORMAL", "mask": "{{ name hidden }}",
             "components": ["first", "middle", "last"]},
}


async def call(api, method: str, path: str, body: object = None, key: str | None = "own",
               **kwargs):  # type: ignore[no-untyped-def]
    """One request as curl would send it; return (status, headers, JSON)."""
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {api.key if key == 'own' else key}"
    if body is not None:
        kwargs["json"] = body
    async with api.http.request(method, "/api/v1" + path, headers=headers, **kwargs) as resp:
        return resp.status, resp.headers, await resp.json()


async def moderate(api, value: str) -> dict:
    status, _, body = await call(api, "POST", "/moderation/text", {"value": value})
    assert status == 200, body
    return body


async def set_filter(api, value: dict) -> dict:
    status, _, body = await call(api, "POST", f"/projects/{DEFAULT_PROJECT}", {"filter": value})
    assert status == 200, body
    return body


# -- authentication, account, projects --------------------------------------------------------


async def test_auth_says_the_key_is_valid_and_names_its_project(app_client):
    status, _, body = await call(app_client, "GET", "/auth")
    assert (status, body) == (200, {"status": "success", "message": "Valid API key",
                                    "project": DEFAULT_PROJECT})


@pytest.mark.parametrize("key", [None, "sk_not_a_key"])
async def test_a_missing_or_wrong_key_is_401_in_the_documents_shape(app_client, key):
    status, _, body = await call(app_client, "GET", "/auth", key=key)
    assert status == 401
    assert body["status"] == "error" and body["code"] == "UNAUTHORIZED"
    assert "Authorization: Bearer" in body["message"] and body["issues"] == []


async def test_projects_list_get_and_the_project_object(app_client):
    status, _, listed = await call(app_client, "GET", "/projects")
    assert status == 200 and len(listed) == 1
    status, _, project = await call(app_client, "GET", f"/projects/{DEFAULT_PROJECT}")
    assert status == 200 and project == listed[0]
    assert project["_id"] == project["name"] == DEFAULT_PROJECT
    assert project["apiKey"] == app_client.key
    for kind in ("email", "phone", "url", "address", "name", "username", "profanity",
                 "sensitive"):
        setting = project["filter"][kind]
        assert {"enabled", "mode", "masking", "mask"} <= set(setting)
    assert project["filter"]["email"]["mask"] == "{{ email hidden }}"


async def test_another_projects_id_is_not_found(app_client):
    status, _, body = await call(app_client, "GET", "/projects/someone-else")
    assert status == 404 and body["code"] == "NOT_FOUND" and body["issues"][0]["path"] == "id"


async def test_the_documents_filter_object_is_stored_and_answered(app_client):
    project = await set_filter(app_client, DOCUMENT_FILTER)
    for kind, setting in DOCUMENT_FILTER.items():
        assert project["filter"][kind] == setting
    _, _, again = await call(app_client, "GET", f"/projects/{DEFAULT_PROJECT}")
    assert again == project
    # Parameters not provided are left unchanged.
    project = await set_filter(app_client, {"email": {"mode": "SUSPICIOUS"}})
    assert project["filter"]["email"] == {**DOCUMENT_FILTER["email"], "mode": "SUSPICIOUS"}


@pytest.mark.parametrize(("body", "path"), [
    ({"filter": {"email": {"mode": "LOOSE"}}}, "filter.email.mode"),
    ({"filter": {"fax": {"enabled": True}}}, "filter.fax"),
    ({"filter": []}, "filter"),
    ({"name": "Renamed"}, "name"),
])
async def test_a_bad_project_update_is_400_naming_the_field_and_changes_nothing(app_client, body,
                                                                                path):
    status, _, error = await call(app_client, "POST", f"/projects/{DEFAULT_PROJECT}", body)
    assert status == 400 and error["code"] == "BAD_REQUEST"
    assert error["issues"][0]["path"] == path
    _, _, project = await call(app_client, "GET", f"/projects/{DEFAULT_PROJECT}")
    assert project["filter"]["email"]["mode"] == "NORMAL"


async def test_sending_the_project_back_with_its_own_name_is_fine(app_client):
    status, _, _ = await call(app_client, "POST", f"/projects/{DEFAULT_PROJECT}",
                              {"name": DEFAULT_PROJECT, "filter": DOCUMENT_FILTER})
    assert status == 200


# -- text moderation --------------------------------------------------------------------------


async def test_the_documents_moderation_example(app_client):
    await set_filter(app_client, {"email": {"mode": "SUSPICIOUS"}, "profanity": {"enabled": False},
                                  "username": {"enabled": False},
                                  "sensitive": {"enabled": False}})
    before = int(time.time() * 1000)
    value = "You can contact me on mr_robot[at]gmail|DOT|com or call me on 12 34 65 78"
    body = await moderate(app_client, value)
    assert body["status"] == "success" and body["request"]["timestamp"] >= before
    assert body["content_moderated"] is True and body["data_found"] is True
    assert body["original"] == value
    assert body["content"] == ("You can contact me on {{ email hidden }} or call me on "
                               "{{ phone hidden }}")
    assert body["email"] == {"found": True, "mode": "SUSPICIOUS",
                             "matches": ["mr_robot[at]gmail|DOT|com"]}
    assert body["phone"] == {"found": True, "mode": "NORMAL", "matches": ["12 34 65 78"]}
    for kind in ("url", "address", "name"):
        assert body[kind] == {"found": False, "mode": "NORMAL", "matches": []}
    assert "profanity" not in body and "username" not in body  # turned off in the filter


# The document's tables: value, the lowest mode that detects it, the match.
TABLES = [
    ("email", "reach me on example@gmail.com", "NORMAL", "example@gmail.com"),
    ("email", "reach me on example at gmail dot com", "SUSPICIOUS", "example at gmail dot com"),
    ("email", "reach me on example at that google email domain", "PARANOID",
     "example at that google email domain"),
    ("phone", "12 34 56 78", "NORMAL", "12 34 56 78"),
    ("phone", "one two three four five six seven eight", "SUSPICIOUS",
     "one two three four five six seven eight"),
    ("phone", "12 this 34 is 46 an 7 example 8", "PARANOID", "12 this 34 is 46 an 7 example 8"),
    ("url", "http://anonymous.com", "NORMAL", "http://anonymous.com"),
    ("url", "anonymous.com", "SUSPICIOUS", "anonymous.com"),
    ("url", "anonymous(dot)com", "PARANOID", "anonymous(dot)com"),
    ("profanity", "fuck", "NORMAL", "fuck"),
    ("profanity", "ffuuccckkk", "SUSPICIOUS", "ffuuccckkk"),
    ("profanity", "kcuf", "PARANOID", "kcuf"),
]
MODES = ("NORMAL", "SUSPICIOUS", "PARANOID")


@pytest.mark.parametrize(("kind", "value", "lowest", "match"), TABLES)
async def test_the_documents_tables_mode_by_mode(app_client, kind, value, lowest, match):
    for mode in MODES:
        await set_filter(app_client, {kind: {"mode": mode}})
        body = await moderate(app_client, value)
        expected = MODES.index(mode) >= MODES.index(lowest)
        assert body[kind]["mode"] == mode
        assert (match in body[kind]["matches"]) is expected, (mode, body[kind])


@pytest.mark.parametrize(("components", "match"), [
    (["first", "middle", "last"], "Albus Percival Dumbledore"),
    (["middle", "last"], "Percival Dumbledore"),
    (["last"], "Dumbledore"),
])
async def test_the_documents_name_components(app_client, components, match):
    await set_filter(app_client, {"name": {"components": components}})
    body = await moderate(app_client, "My name is Albus Percival Dumbledore")
    assert body["name"]["found"] is True
    assert " ".join(body["name"]["matches"]) == match


async def test_the_documents_address_and_username_examples(app_client):
    body = await moderate(app_client, "You can visit our store on 767 5th Ave, New York, NY 10153.")
    assert body["address"]["matches"] == ["767 5th Ave, New York, NY 10153"]
    await set_filter(app_client, {"username": {"mode": "SUSPICIOUS"}})
    body = await moderate(app_client, "follow me @chris_93")
    assert body["username"] == {"found": True, "mode": "SUSPICIOUS", "matches": ["@chris_93"]}


async def test_the_documents_sensitive_numbers_example(app_client):
    body = await moderate(app_client, "my password is password1234 and my card 4242 4242 4242 4242")
    assert body["sensitive"]["found"] is True
    assert set(body["sensitive"]["matches"]) >= {"4242 4242 4242 4242"}
    merged = {k: v for c in body["sensitive"]["components"] for k, v in c.items()}
    assert merged["credit_debit_number"] == "4242 4242 4242 4242"


async def test_masking_off_finds_but_keeps_the_value(app_client):
    await set_filter(app_client, {"email": {"masking": False}, "phone": {"mask": "[number]"}})
    body = await moderate(app_client, "mail example@gmail.com or call 12 34 56 78")
    assert body["email"]["found"] is True and "example@gmail.com" in body["content"]
    assert body["content"] == "mail example@gmail.com or call [number]"


async def test_nothing_found_leaves_the_content_alone(app_client):
    body = await moderate(app_client, "What a lovely day for a walk")
    assert body["content_moderated"] is False and body["data_found"] is False
    assert body["content"] == body["original"]


@pytest.mark.parametrize(("body", "message"), [
    ({}, "`value` is required"),
    ({"value": 12}, "`value` is required"),
    ({"value": "x" * 10_001}, "limit is 10,000"),
])
async def test_a_bad_value_is_400(app_client, body, message):
    status, _, error = await call(app_client, "POST", "/moderation/text", body)
    assert status == 400 and message in error["message"]
    assert error["issues"] == [{"path": "value", "message": error["message"]}]


async def test_a_body_that_is_not_json_is_400(app_client):
    status, _, error = await call(app_client, "POST", "/moderation/text", data=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and error["code"] == "BAD_REQUEST"


async def test_a_wrong_method_is_405_with_allow(app_client):
    status, headers, error = await call(app_client, "GET", "/moderation/text")
    assert status == 405 and headers["Allow"] == "POST" and error["code"] == "METHOD_NOT_ALLOWED"


async def test_exactly_10000_characters_are_accepted(app_client):
    body = await moderate(app_client, "a" * 10_000)
    assert body["status"] == "success"


# -- analyzers --------------------------------------------------------------------------------


async def test_the_language_analyzer(app_client):
    status, _, body = await call(app_client, "POST", "/analyze/language",
                                 {"value": "This is an english text"})
    assert status == 200
    assert body["code"] == "en" and body["label"] == "ENGLISH" and body["reliable"] is True
    assert 0 < body["score"] <= 1


async def test_the_language_analyzer_fails_as_documented(app_client):
    status, _, body = await call(app_client, "POST", "/analyze/language", {"value": "12345 !!"})
    assert status == 200
    assert body["code"] is None and body["label"] is None and body["score"] == 0
    assert body["error"]


@pytest.mark.parametrize(("name", "value", "scored"), [
    ("toxicity", "I will make you regret that", {"TOXICITY", "PROFANITY"}),
    ("quality", "Want to get rich quick? Go to quickmoney.sx and sign up.", {"SPAM"}),
    ("propriety", "Can I get your number? 💦", {"SEXUALLY_EXPLICIT"}),
])
async def test_the_analyzers_answer_label_and_label_scores(app_client, name, value, scored):
    status, headers, body = await call(app_client, "POST", f"/analyze/{name}", {"value": value})
    assert status == 200
    scores = body["label_scores"]
    assert scored | {"NEUTRAL"} <= set(scores)
    assert all(0 <= v <= 1 for v in scores.values())
    others = [v for k, v in scores.items() if k != "NEUTRAL"]
    assert scores["NEUTRAL"] == pytest.approx(1 - max(others), abs=1e-6)
    assert body["label"] == max(scores, key=scores.get)
    # What is not scored is left out, and named.
    unsupported = headers.get("X-Unsupported-Labels", "")
    for label in filter(None, unsupported.split(",")):
        assert label not in scores


async def test_spam_scores_spam(app_client):
    _, _, body = await call(app_client, "POST", "/analyze/quality", {
        "value": "WINNER!! You have won a £1000 prize. Call 09061701461 to claim now"})
    assert body["label"] == "SPAM"


async def test_unsupported_quality_labels_are_named_not_invented(app_client):
    _, headers, body = await call(app_client, "POST", "/analyze/quality", {"value": "hello"})
    assert re.fullmatch(r"INCOHERENT,UNSUBSTANTIAL", headers["X-Unsupported-Labels"])
    assert "INCOHERENT" not in body["label_scores"]
