"""moderateText: labels with flagged and actions, personal data found and masked, a hash, and
every bad option refused with -32602 naming it; over real HTTP against the real app."""

from __future__ import annotations

import hashlib

import pytest

from spectrum_rpc.constants import INVALID_PARAMS

TEXT = "You are an idiot, mail me at example@gmail.com or call 12 34 56 78"


def call(params: dict, id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "method": "moderateText", "params": params, "id": id}


async def test_labels_and_personal_data_by_default(app_client, rpc):
    result = (await rpc(app_client, call({"text": TEXT}))).json["result"]
    assert set(result["labels"]) >= {"toxicity", "sexual", "phishing"}
    assert result["flagged"]["toxicity"] is True and result["actions"]["reject"] is True
    assert result["pii"]["email"] == {
        "found": True, "mode": "NORMAL",
        "matches": [{"text": "example@gmail.com", "begin": 29, "end": 46}]}
    assert result["pii"]["phone"]["matches"][0]["text"] == "12 34 56 78"
    assert "{{ email hidden }}" in result["masked"] and "example@gmail.com" not in result["masked"]
    assert result["hash"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert result["modelVersion"]


async def test_only_what_was_asked_runs(app_client, rpc):
    result = (await rpc(app_client, call({"text": TEXT, "options": {"detect": ["pii"]}}))).json
    assert "labels" not in result["result"] and "pii" in result["result"]
    result = (await rpc(app_client, call({"text": TEXT, "options": {"detect": ["labels"]}}))).json
    assert "pii" not in result["result"] and "masked" not in result["result"]


async def test_modes_reach_the_detectors(app_client, rpc):
    text = "reach me on example at gmail dot com"
    normal = (await rpc(app_client, call({"text": text, "options": {"detect": ["pii"]}}))).json
    assert normal["result"]["pii"]["email"]["found"] is False
    options = {"detect": ["pii"], "modes": {"pii": "SUSPICIOUS"}}
    suspicious = (await rpc(app_client, call({"text": text, "options": options}))).json
    email = suspicious["result"]["pii"]["email"]
    assert email["mode"] == "SUSPICIOUS"
    assert email["matches"][0]["text"] == "example at gmail dot com"


@pytest.mark.parametrize(("options", "param"), [
    ({"detect": ["labels", "telepathy"]}, "options.detect[1]"),
    ({"detect": "pii"}, "options.detect"),
    ({"modes": {"pii": "LOUD"}}, "options.modes.pii"),
    ({"modes": {"language": "NORMAL"}}, "options.modes.language"),
    ({"bannedWords": "darn"}, "options.bannedWords"),
    ({"bannedWords": ["ok", 3]}, "options.bannedWords"),
    ({"allowedWords": ["x"] * 1001}, "options.allowedWords"),
    ({"allowedWords": ["x" * 101]}, "options.allowedWords"),
    ({"colour": "blue"}, "options.colour"),
])
async def test_bad_options_name_the_parameter(app_client, rpc, options, param):
    error = (await rpc(app_client, call({"text": "hello", "options": options}))).json["error"]
    assert error["code"] == INVALID_PARAMS and error["data"]["param"] == param


async def test_text_must_be_a_string(app_client, rpc):
    error = (await rpc(app_client, call({"text": 42}))).json["error"]
    assert error["code"] == INVALID_PARAMS and error["data"]["param"] == "text"


async def test_profanity_sentiment_and_spelling(app_client, rpc):
    text = "this ffuuccckkk weather is terible, mail example@gmail.com"
    options = {"detect": ["profanity", "pii", "sentiment", "spelling"],
               "modes": {"profanity": "SUSPICIOUS"}}
    result = (await rpc(app_client, call({"text": text, "options": options}))).json["result"]
    (match,) = result["profanity"]["matches"]
    assert match["text"] == "ffuuccckkk" and text[match["begin"]:match["end"]] == "ffuuccckkk"
    assert match["canonical"] and result["profanity"]["mode"] == "SUSPICIOUS"
    assert "ffuuccckkk" not in result["masked"] and "{{ email hidden }}" in result["masked"]
    assert result["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert "terrible" in result["corrected"] and "ffuuccckkk" in result["corrected"]


async def test_word_lists_reach_profanity(app_client, rpc):
    options = {"detect": ["profanity"], "bannedWords": ["frobnicate"], "allowedWords": ["damn"]}
    result = (await rpc(app_client, call({"text": "damn, frobnicate it", "options": options})))
    found = [m["text"] for m in result.json["result"]["profanity"]["matches"]]
    assert found == ["frobnicate"]


async def test_person_names_are_personal_data(app_client, rpc):
    text = "My name is Albus Percival Dumbledore"
    result = (await rpc(app_client, call({"text": text, "options": {"detect": ["pii"]}}))).json
    name = result["result"]["pii"]["name"]
    assert name["found"] and name["matches"][0]["text"] == "Albus Percival Dumbledore"
    assert result["result"]["masked"] == "My name is {{ name hidden }}"


async def test_language_and_the_expected_language(app_client, rpc):
    text = "Ceci est un commentaire écrit en français, pas en anglais du tout."
    options = {"detect": ["language"], "expectedLanguage": "en"}
    found = (await rpc(app_client, call({"text": text, "options": options}))).json["result"]
    assert found["language"]["code"] == "fr" and found["language"]["label"] == "FRENCH"
    assert found["language"]["reliable"] is True and found["language"]["hit"] is True
    options["expectedLanguage"] = ["de", "fr"]
    found = (await rpc(app_client, call({"text": text, "options": options}))).json["result"]
    assert found["language"]["hit"] is False
