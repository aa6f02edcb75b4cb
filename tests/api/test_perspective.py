"""Perspective's comments:analyze and comments:suggestscore over real HTTP, as curl sends them
(Perspective's docs show curl): the answer's shape, every mistake answered in Google's error
format with Perspective's message, doNotStore proven on the database, suggestscore in the
feedback store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from spectrum_rpc.api import perspective
from spectrum_rpc.api.perspective import ANALYZE, ATTRIBUTES, FEEDBACK, SCORABLE, SUGGEST
from spectrum_rpc.labels import FEEDBACK_LABELS
from spectrum_rpc.resources import ANALYZER
from spectrum_rpc.webhooks import management as ops

TOXIC = "You are a stupid idiot and everyone hates you."
TWO = "You are a stupid idiot. Have a lovely day!"
SUPPORTED_TODAY = ("TOXICITY", "PROFANITY", "SEXUALLY_EXPLICIT", "SPAM")


async def post(app_client, path: str = ANALYZE, body: Any = None, key: str | None = "own",
               **kwargs: Any) -> tuple[int, Any, Any]:
    """POST as curl would, with `?key=`; return (status, headers, JSON)."""
    params = dict(kwargs.pop("params", {}))
    if key is not None:
        params["key"] = app_client.key if key == "own" else key
    if body is not None:
        kwargs["data"] = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    async with app_client.http.post(path, params=params, headers=headers, **kwargs) as response:
        return response.status, response.headers, await response.json(content_type=None)


def analyze(text: str = TOXIC, **more: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **more}


def google_error(reply: tuple, code: int, status: str, message: str | None = None) -> dict:
    """Check Google's error shape; return the error object."""
    got, _, body = reply
    assert got == code, body
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "status", "details"}
    assert error["code"] == code and error["status"] == status
    assert isinstance(error["details"], list)
    if message is not None:
        assert error["message"] == message
    return error


def error_type(error: dict) -> str:
    [detail] = error["details"]
    assert detail["@type"] == "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
    return detail["errorType"]


# --- analyze ---------------------------------------------------------------------------------

async def test_the_quickstart_curl_request_is_answered_in_perspectives_shape(app_client):
    status, headers, answer = await post(app_client, body={
        "comment": {"text": "what kind of idiot name is foo?"}, "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}}})
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert set(answer) == {"attributeScores", "languages", "detectedLanguages"}
    score = answer["attributeScores"]["TOXICITY"]
    assert set(score) == {"summaryScore"}
    assert score["summaryScore"]["type"] == "PROBABILITY"
    assert 0.5 < score["summaryScore"]["value"] <= 1
    assert answer["languages"] == ["en"] and answer["detectedLanguages"] == ["en"]


async def test_scores_are_the_analysis_labels(app_client):
    body = {"comment": {"text": TOXIC, "type": "PLAIN_TEXT"},
            "requestedAttributes": {name: {} for name in SUPPORTED_TODAY}}
    _, _, answer = await post(app_client, body=body)
    moderated = await app_client.app[ANALYZER].moderate(
        "default", TOXIC, perspective.LABELS_ONLY)
    for name in SUPPORTED_TODAY:
        value = answer["attributeScores"][name]["summaryScore"]["value"]
        assert value == moderated["labels"][ATTRIBUTES[name]]


async def test_experimental_spellings_map_to_the_same_scores(app_client):
    names = {"SEXUALLY_EXPLICIT": {}, "SEXUALLY_EXPLICIT_EXPERIMENTAL": {}, "SPAM": {},
             "SPAM_EXPERIMENTAL": {}, "OBSCENE_EXPERIMENTAL": {}, "PROFANITY": {}}
    _, _, answer = await post(app_client, body={"comment": {"text": "send nudes"},
                                                "requestedAttributes": names})
    scores = {k: v["summaryScore"]["value"] for k, v in answer["attributeScores"].items()}
    assert set(scores) == set(names)
    assert scores["SEXUALLY_EXPLICIT"] == scores["SEXUALLY_EXPLICIT_EXPERIMENTAL"]
    assert scores["SPAM"] == scores["SPAM_EXPERIMENTAL"]
    assert scores["OBSCENE_EXPERIMENTAL"] == scores["PROFANITY"]


async def test_score_threshold_leaves_lower_scores_out(app_client):
    body = {"comment": {"text": TOXIC}, "requestedAttributes": {
        "TOXICITY": {"scoreThreshold": 0.5, "scoreType": "PROBABILITY"},
        "SPAM": {"scoreThreshold": 0.99}}}
    _, _, answer = await post(app_client, body=body)
    assert list(answer["attributeScores"]) == ["TOXICITY"]


async def test_span_annotations_score_each_sentence(app_client):
    _, _, answer = await post(app_client, body=analyze(TWO, spanAnnotations=True))
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 23), (24, 42)]
    assert [TWO[s["begin"]:s["end"]] for s in spans] == ["You are a stupid idiot.",
                                                         "Have a lovely day!"]
    assert all(s["score"]["type"] == "PROBABILITY" for s in spans)
    assert spans[0]["score"]["value"] > 0.5 > spans[1]["score"]["value"]
    _, _, plain = await post(app_client, body=analyze(TWO))
    assert "spanScores" not in plain["attributeScores"]["TOXICITY"]


async def test_span_offsets_are_code_points(app_client):
    text = "😀 héllo there. You idiot!"
    _, _, answer = await post(app_client, body=analyze(text, spanAnnotations=True))
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    assert [text[s["begin"]:s["end"]] for s in spans] == ["😀 héllo there.", "You idiot!"]


async def test_client_token_is_echoed_and_ids_accepted(app_client):
    _, _, answer = await post(app_client, body=analyze(
        clientToken="tok-1", sessionId="s-1", communityId="forum",
        context={"entries": [{"text": "parent"}]}))
    assert answer["clientToken"] == "tok-1"


async def test_proto_field_names_are_accepted_as_google_accepts_them(app_client):
    body = {"comment": {"text": TWO}, "requested_attributes": {"TOXICITY": {"score_type":
                                                                            "PROBABILITY"}},
            "span_annotations": True, "client_token": "c"}
    status, _, answer = await post(app_client, body=body)
    assert status == 200 and answer["clientToken"] == "c"
    assert len(answer["attributeScores"]["TOXICITY"]["spanScores"]) == 2


async def test_the_key_may_come_as_a_bearer_token_or_google_header(app_client):
    for headers in ({"Authorization": f"Bearer {app_client.key}"},
                    {"X-Goog-Api-Key": app_client.key}):
        status, _, _ = await post(app_client, body=analyze(), key=None, headers=headers)
        assert status == 200


async def test_detected_language_is_answered_and_languages_are_checked(app_client):
    _, _, answer = await post(app_client, body=analyze("Thank you, this is a helpful article "
                                                       "about gardening in the spring."))
    assert answer["detectedLanguages"] == ["en"] and answer["languages"] == ["en"]
    _, _, answer = await post(app_client, body=analyze("Gracias por todo, amigos míos.",
                                                       languages=["en-US"]))
    assert answer["languages"] == ["en-US"]


# --- attributes we cannot score ---------------------------------------------------------------

@pytest.mark.parametrize("name", [a for a, label in ATTRIBUTES.items() if label not in SCORABLE])
async def test_an_attribute_we_cannot_score_is_a_400_naming_it(app_client, name):
    error = google_error(await post(app_client, body={"comment": {"text": "hi"},
                                                      "requestedAttributes": {name: {}}}),
                         400, "INVALID_ARGUMENT")
    assert error["message"].startswith(f"Attribute {name} is not supported by this server")
    assert error_type(error) == "ATTRIBUTE_NOT_SUPPORTED"


async def test_supported_attributes_are_those_the_analysis_returns(app_client):
    moderated = await app_client.app[ANALYZER].moderate(
        "default", "hello", perspective.LABELS_ONLY)
    served = {a for a, label in ATTRIBUTES.items() if label in SCORABLE}
    assert set(SUPPORTED_TODAY) <= served
    assert all(ATTRIBUTES[a] in moderated["labels"] for a in served)


async def test_a_label_missing_from_the_projects_model_is_refused(app_client, monkeypatch):
    monkeypatch.setitem(perspective.ATTRIBUTES, "FLIRTATION", "flirtation")
    monkeypatch.setattr(perspective, "SCORABLE", SCORABLE | {"flirtation"})
    error = google_error(await post(app_client, body={"comment": {"text": "hi"},
                                                      "requestedAttributes": {"FLIRTATION": {}}}),
                         400, "INVALID_ARGUMENT")
    assert "FLIRTATION" in error["message"]


# --- errors ----------------------------------------------------------------------------------

async def test_unsupported_request_languages_get_perspectives_message(app_client):
    error = google_error(await post(app_client, body=analyze(languages=["de", "en"])), 400,
                         "INVALID_ARGUMENT",
                         "Attribute TOXICITY does not support request languages: de")
    assert error_type(error) == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


async def test_a_comment_detected_in_another_language_is_refused_unscored(app_client, committed):
    await ops.add_webhook(app_client.store, "https://example.com/hook")
    text = "Bonjour mes amis, comment allez-vous aujourd'hui? Il fait très beau à Paris."
    google_error(await post(app_client, body=analyze(text)), 400, "INVALID_ARGUMENT",
                 "Attribute TOXICITY does not support request languages: fr")
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]


@pytest.mark.parametrize("body", [
    {"requestedAttributes": {"TOXICITY": {}}},
    {"comment": {}, "requestedAttributes": {"TOXICITY": {}}},
    {"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
])
async def test_a_missing_or_empty_comment(app_client, body):
    error = google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT",
                         "Comment must be non-empty.")
    assert error_type(error) == "COMMENT_EMPTY"


@pytest.mark.parametrize("attributes", [None, {}])
async def test_missing_requested_attributes(app_client, attributes):
    body = {"comment": {"text": "hi"}}
    if attributes is not None:
        body["requestedAttributes"] = attributes
    error = google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT",
                         "Missing requested_attributes")
    assert error_type(error) == "NO_REQUESTED_ATTRIBUTES"


async def test_an_unknown_attribute(app_client):
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"NICENESS": {}}}
    google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT",
                 "Unknown requested attribute: NICENESS")


async def test_only_probability_scores(app_client):
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}}
    google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT",
                 "Requested score type RAW is not supported by attribute TOXICITY")


@pytest.mark.parametrize(("kind", "message"), [
    ("HTML", "Currently, only 'PLAIN_TEXT' comments are supported"),
    ("MARKDOWN", "Unknown text type"),
])
async def test_only_plain_text(app_client, kind, message):
    body = {"comment": {"text": "<b>hi</b>", "type": kind},
            "requestedAttributes": {"TOXICITY": {}}}
    google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT", message)


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "Invalid JSON payload received. Unexpected token: the body must be a JSON "
                   "object."),
    ([1], "Invalid JSON payload received. Expected a JSON object."),
    ({**analyze(), "colour": 1}, 'Invalid JSON payload received. Unknown name "colour": '
                                 "Cannot find field."),
    ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}},
     "Invalid JSON payload received. Invalid value at 'comment.text' (TYPE_STRING), 5"),
    ({**analyze(), "doNotStore": "yes"},
     "Invalid JSON payload received. Invalid value at 'doNotStore' (TYPE_BOOL), \"yes\""),
])
async def test_bad_payloads(app_client, body, message):
    google_error(await post(app_client, body=body), 400, "INVALID_ARGUMENT", message)


async def test_a_comment_over_20_kb_is_refused_with_perspectives_error(app_client):
    text = "é" * 10241  # 20482 bytes of UTF-8, 10241 characters
    error = google_error(await post(app_client, body=analyze(text)), 400, "INVALID_ARGUMENT",
                         "Comment text was too many bytes. Value (20482) exceeded limit (20480).")
    assert error_type(error) == "COMMENT_TOO_LONG"
    assert (await post(app_client, body=analyze("é" * 10240)))[0] == 200


async def test_the_comment_limit_is_a_setting(make_client):
    client = await make_client(perspective={"max_comment_bytes": 10})
    google_error(await post(client, body=analyze("eleven char")), 400, "INVALID_ARGUMENT",
                 "Comment text was too many bytes. Value (11) exceeded limit (10).")
    google_error(await post(client, SUGGEST, {"comment": {"text": "eleven char"},
                                              "attributeScores": {}}),
                 400, "INVALID_ARGUMENT")


async def test_a_body_over_the_server_limit_is_a_413(make_client):
    client = await make_client(server={"max_body_bytes": 1024})
    google_error(await post(client, body=analyze("x" * 2000)), 413, "INVALID_ARGUMENT",
                 "Request payload size exceeds the limit: 1024 bytes.")


async def test_an_unsupported_content_encoding(app_client):
    google_error(await post(app_client, body=analyze(), headers={"Content-Encoding": "lzma"}),
                 415, "INVALID_ARGUMENT")


async def test_no_key_is_permission_denied(app_client):
    error = google_error(await post(app_client, body=analyze(), key=None), 403,
                         "PERMISSION_DENIED", "The request is missing a valid API key.")
    assert error["details"][0]["reason"] == "API_KEY_MISSING"


async def test_a_wrong_key_is_googles_invalid_key(app_client):
    error = google_error(await post(app_client, body=analyze(), key="AIzaWrong"), 400,
                         "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


async def test_a_wrong_bearer_token_is_unauthenticated(app_client):
    reply = await post(app_client, body=analyze(), key=None,
                       headers={"Authorization": "Bearer sk_wrong"})
    google_error(reply, 401, "UNAUTHENTICATED")
    assert reply[1]["WWW-Authenticate"].startswith("Bearer")


async def test_an_unknown_method_is_not_found(app_client):
    google_error(await post(app_client, "/v1alpha1/comments:summarize", analyze()), 404,
                 "NOT_FOUND", "Method not found.")


@pytest.mark.parametrize("path", [ANALYZE, SUGGEST])
async def test_other_http_methods_are_refused(app_client, path):
    async with app_client.http.get(path, params={"key": app_client.key}) as response:
        assert response.headers["Allow"] == "POST"
        reply = (response.status, response.headers, await response.json())
    google_error(reply, 405, "UNIMPLEMENTED")


async def test_rate_limited_answers_are_resource_exhausted(app_client):
    error = perspective.resource_exhausted("Quota exceeded.", {"Retry-After": "2"})
    assert error.code == 429 and error.headers == {"Retry-After": "2"}
    assert error.body["error"]["status"] == "RESOURCE_EXHAUSTED"


async def test_suggestions_beyond_the_feedback_rate_are_resource_exhausted(make_client):
    client = await make_client(training={"feedback_rate": 0.001, "feedback_burst": 1})
    body = {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore":
                                                                        {"value": 0}}}}
    assert (await post(client, SUGGEST, body))[0] == 200
    reply = await post(client, SUGGEST, body)
    google_error(reply, 429, "RESOURCE_EXHAUSTED")
    assert reply[1]["Retry-After"] == "1"


# --- doNotStore ------------------------------------------------------------------------------

def _everything(db_path: Path) -> bytes:
    """Every row of every table, and the database files' bytes."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables]
    finally:
        conn.close()
    files = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    return repr(rows).encode() + files


async def test_do_not_store_leaves_nothing_in_the_database(make_client, committed):
    client = await make_client(webhooks={"include_text": True})
    await ops.add_webhook(client.store, "https://example.com/hook")
    secret = "do not keep: the quick brown fox insults nobody 7f3a9c"
    status, _, _ = await post(client, body=analyze(secret, doNotStore=True, spanAnnotations=True,
                                                   clientToken="token-7f3a9c"))
    assert status == 200
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]
    stored = _everything(client.db_path)
    assert b"7f3a9c" not in stored

    kept = "kept: the quick brown fox insults nobody 41be2d"
    assert (await post(client, body=analyze(kept)))[0] == 200
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(1,)]
    assert b"41be2d" in _everything(client.db_path)  # the check above can see text


# --- suggestscore ----------------------------------------------------------------------------

def feedback_rows(committed) -> list[tuple]:
    return committed("SELECT content, should_block, labels, meta FROM feedback ORDER BY id")


async def test_suggestscore_stores_a_correction_like_record_user_classification(
        app_client, committed):
    body = {"comment": {"text": TOXIC}, "clientToken": "ct", "communityId": "forum-9",
            "languages": ["en"], "sessionId": "s",
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}},
                                "SPAM_EXPERIMENTAL": {"summaryScore": {"value": 0.0}},
                                "INSULT": {"summaryScore": {"value": 0.9,
                                                            "type": "PROBABILITY"}}}}
    status, _, answer = await post(app_client, SUGGEST, body)
    assert status == 200
    assert answer == {"detectedLanguages": ["en"], "requestedLanguages": ["en"],
                      "clientToken": "ct"}
    [(content, should_block, labels, meta)] = feedback_rows(committed)
    assert content == TOXIC and should_block == 1
    assert orjson.loads(labels) == {"toxic": True, "phishing": False, "insult": True}
    assert orjson.loads(meta) == {"source": "perspective.suggestscore", "communityId": "forum-9"}


async def test_suggestscore_low_scores_say_do_not_block(app_client, committed):
    body = {"comment": {"text": "lovely"},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}},
                                "SEVERE_TOXICITY": {"summaryScore": {"value": 0.0}}}}
    assert (await post(app_client, SUGGEST, body))[0] == 200
    [(_, should_block, labels, _)] = feedback_rows(committed)
    # A low SEVERE_TOXICITY does not say the text is not toxic: only TOXICITY's score counts.
    assert should_block == 0 and orjson.loads(labels) == {"toxic": False}


def test_every_suggestion_maps_to_a_feedback_label():
    assert set(FEEDBACK.values()) <= set(FEEDBACK_LABELS)
    assert set(FEEDBACK) <= set(ATTRIBUTES)


@pytest.mark.parametrize(("scores", "message"), [
    ({}, "attribute_scores must not be empty."),
    ({"FLIRTATION": {"summaryScore": {"value": 1}}}, "Attribute FLIRTATION cannot be learned"),
    ({"NICENESS": {"summaryScore": {"value": 1}}}, "Unknown requested attribute: NICENESS"),
    ({"TOXICITY": {}}, "Attribute TOXICITY: summary_score must be set."),
    ({"TOXICITY": {"summaryScore": {"value": 2}}}, "Attribute TOXICITY: summary_score must be"),
])
async def test_suggestscore_mistakes(app_client, committed, scores, message):
    error = google_error(await post(app_client, SUGGEST, {"comment": {"text": "x"},
                                                          "attributeScores": scores}),
                         400, "INVALID_ARGUMENT")
    assert error["message"].startswith(message)
    assert feedback_rows(committed) == []


async def test_suggestscore_has_no_do_not_store(app_client, committed):
    body = {"comment": {"text": "x"}, "doNotStore": True,
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
    google_error(await post(app_client, SUGGEST, body), 400, "INVALID_ARGUMENT",
                 'Invalid JSON payload received. Unknown name "doNotStore": Cannot find field.')
    assert feedback_rows(committed) == []


def test_the_readme_maps_each_served_attribute_to_its_label():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Moving from Perspective"):readme.index("## Operating it")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    for name, label in ATTRIBUTES.items():
        [row] = [r for r in rows if f"`{name}`" in r.split(" | ")[0]] or [None]
        if label in SCORABLE:
            assert row is not None and f"`{label}`" in row.split(" | ")[1], name
        elif row is not None:
            assert "not scored" in row, name
