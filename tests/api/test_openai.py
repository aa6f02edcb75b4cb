"""POST /v1/moderations: the official `openai` client against the real app over real HTTP, the
answer's shape field by field, and every mistake answered in OpenAI's error shape."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest

from spectrum_rpc.api import openai as dialect
from spectrum_rpc.api.openai import CATEGORIES, MODELS, PATH, SCORED, UNSUPPORTED
from spectrum_rpc.resources import ANALYZER
from spectrum_rpc.settings import ThresholdSettings

# Texts the shipped model flags (sexual 0.47 against its 0.46 threshold, self-harm 0.55 at the
# time of writing).
SEXUAL = "send me nudes, I want to have sex with you tonight"
SELF_HARM = "I want to kill myself tonight"
README = Path(__file__).resolve().parents[2] / "README.md"
UNSUPPORTED_HEADER = ("harassment/threatening,hate/threatening,illicit,illicit/violent,"
                      "self-harm/intent,self-harm/instructions,sexual/minors,violence/graphic")


@pytest.fixture
async def client(app_client) -> AsyncIterator[openai.AsyncOpenAI]:
    """The official client, pointed at the running app with its key: nothing else changed."""
    base_url = str(app_client.http.make_url("/v1"))
    async with openai.AsyncOpenAI(base_url=base_url, api_key=app_client.key,
                                  max_retries=0) as opened:
        yield opened


async def post(app_client, body: object = None, key: str | None = "own", **kwargs):  # type: ignore[no-untyped-def]
    """POST to /v1/moderations as curl would; return (status, headers, JSON)."""
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {app_client.key if key == 'own' else key}"
    if body is not None:
        kwargs["json"] = body
    async with app_client.http.post(PATH, headers=headers, **kwargs) as response:
        return response.status, response.headers, await response.json(content_type=None)


def assert_error(reply: tuple, status: int, param: str | None, code: str | None) -> str:
    got_status, _, body = reply
    assert got_status == status, body
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error["message"]


async def model_version(app_client, rpc) -> str:  # type: ignore[no-untyped-def]
    """Return the model version the Spectrum API's classifyText answers with."""
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "classifyText",
                                   "params": {"text": "hello"}, "id": 1})
    return reply.json["result"]["modelVersion"]


async def test_the_official_client_moderates_a_string(client, app_client, rpc):
    answer = await client.moderations.create(model="omni-moderation-latest", input=SELF_HARM)
    assert re.fullmatch(r"modr-[0-9a-f]{32}", answer.id)
    assert answer.model == await model_version(app_client, rpc)
    [result] = answer.results
    assert result.flagged is True
    assert result.categories.self_harm is True
    assert result.category_scores.self_harm >= 0.5
    assert result.category_applied_input_types.self_harm == ["text"]
    assert result.category_scores.illicit == 0.0 and result.categories.illicit is False


async def test_the_official_client_sends_arrays_of_strings_and_text_objects(client):
    texts = ["have a lovely day", SEXUAL, SELF_HARM]
    answer = await client.moderations.create(input=texts)
    assert [r.flagged for r in answer.results] == [False, True, True]
    assert answer.results[1].categories.sexual is True
    objects = [{"type": "text", "text": t} for t in texts]
    again = await client.moderations.create(model="text-moderation-stable", input=objects)
    assert [r.category_scores.sexual for r in again.results] == \
        [r.category_scores.sexual for r in answer.results]


async def test_the_official_client_raises_its_own_errors(client, app_client):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.moderations.create(model="gpt-4o", input="hi")
    assert caught.value.param == "model" and caught.value.code == "model_not_found"
    # Image inputs and their errors: tests/api/test_openai_images.py.
    wrong = openai.AsyncOpenAI(base_url=str(app_client.http.make_url("/v1")),
                               api_key="sk_wrong", max_retries=0)
    async with wrong:
        with pytest.raises(openai.AuthenticationError) as caught:
            await wrong.moderations.create(input="hi")
    assert caught.value.code == "invalid_api_key"


@pytest.mark.parametrize("model", [*MODELS, None])
async def test_every_openai_model_name_is_answered_by_ours(app_client, rpc, model):
    body = {"input": "hello"} if model is None else {"input": "hello", "model": model}
    status, _, answer = await post(app_client, body)
    assert status == 200
    assert answer["model"] == await model_version(app_client, rpc)


async def test_the_answer_field_by_field(app_client):
    status, headers, answer = await post(app_client, {"input": [SEXUAL, "thank you"]})
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Unsupported-Categories"] == UNSUPPORTED_HEADER
    assert set(answer) == {"id", "model", "results"}
    assert answer["id"].startswith("modr-") and isinstance(answer["model"], str)
    assert len(answer["results"]) == 2
    for result in answer["results"]:
        assert set(result) == {"flagged", "categories", "category_scores",
                               "category_applied_input_types"}
        for field in ("categories", "category_scores", "category_applied_input_types"):
            assert list(result[field]) == list(CATEGORIES)
        for category in CATEGORIES:
            score = result["category_scores"][category]
            assert isinstance(score, float) and 0.0 <= score <= 1.0
            assert isinstance(result["categories"][category], bool)
        for category in UNSUPPORTED:  # not scored: said so, never a guess
            assert result["category_scores"][category] == 0.0
            assert result["categories"][category] is False
            assert result["category_applied_input_types"][category] == []
        for category, label in SCORED.items():
            # a label at its default reject threshold (sexual), those off by default at 0.5
            default = getattr(ThresholdSettings(), label).reject
            threshold = dialect.DEFAULT_THRESHOLD if default is None else default
            assert result["category_applied_input_types"][category] == ["text"]
            assert result["categories"][category] == \
                (result["category_scores"][category] >= threshold)
        assert result["flagged"] == any(result["categories"].values())
    assert answer["results"][0]["flagged"] and not answer["results"][1]["flagged"]


async def test_each_input_reaches_the_listeners_as_classify_text_does(app_client):
    heard = []  # a listener returning None: nothing to await (the webhook outbox is one)
    app_client.app[ANALYZER].listeners.append(heard.append)
    await post(app_client, {"input": [SEXUAL, "hi"]})
    assert sorted(event.text for event in heard) == sorted([SEXUAL, "hi"])
    assert all(e.key_id == app_client.key_id and e.meta == {} for e in heard)
    by_text = {event.text: event.result for event in heard}
    assert by_text[SEXUAL]["sexual"] is True and by_text["hi"]["sexual"] is False
    assert set(by_text["hi"]) >= {"toxic", "toxicityConfidence", "modelVersion"}


async def test_ids_differ_between_requests(app_client):
    first = (await post(app_client, {"input": "a"}))[2]["id"]
    second = (await post(app_client, {"input": "a"}))[2]["id"]
    assert first != second


async def test_sexual_follows_the_projects_threshold(make_client):
    strict = await make_client(thresholds={"sexual": 0.01})
    _, _, answer = await post(strict, {"input": "let us talk about the weather"})
    [result] = answer["results"]
    assert result["categories"]["sexual"] == (result["category_scores"]["sexual"] >= 0.01)
    lax = await make_client(thresholds={"sexual": 1.0})
    _, _, answer = await post(lax, {"input": SEXUAL})
    assert answer["results"][0]["categories"]["sexual"] is False


async def test_an_empty_string_is_moderated(app_client):
    status, _, answer = await post(app_client, {"input": ""})
    assert status == 200 and answer["results"][0]["flagged"] is False


async def test_no_key_and_a_wrong_key(app_client):
    message = assert_error(await post(app_client, {"input": "hi"}, key=None), 401, None,
                           "invalid_api_key")
    assert "Authorization: Bearer" in message
    assert_error(await post(app_client, {"input": "hi"}, key="sk_not_a_key"), 401, None,
                 "invalid_api_key")
    status, _, body = await post(app_client, {"input": "hi"}, key="sk_not_a_key")
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"input": "hi", "model": "gpt-4o"}, "model", "model_not_found"),
    ({"input": "hi", "model": 3}, "model", "model_not_found"),
    ({"model": "omni-moderation-latest"}, "input", "missing_required_parameter"),
    ({"input": []}, "input", "invalid_value"),
    ({"input": 42}, "input", "invalid_type"),
    ({"input": None}, "input", "invalid_type"),
    ({"input": {"text": "hi"}}, "input", "invalid_type"),
    ({"input": ["ok", 7]}, "input[1]", "invalid_type"),
    ({"input": [{"type": "text"}]}, "input[0].text", "invalid_type"),
    ({"input": [{"type": "text", "text": 5}]}, "input[0].text", "invalid_type"),
    ({"input": [{"type": "audio", "text": "hi"}]}, "input[0].type", "invalid_value"),
    ({"input": [{"type": "image_url", "image_url": {"url": 5}}]},
     "input[0].image_url.url", "invalid_type"),
    (["hi"], None, None),
    ({"input": "hi", "user": "u1"}, "user", "unknown_parameter"),
])
async def test_bad_input_names_its_param(app_client, body, param, code):
    assert_error(await post(app_client, body), 400, param, code)


async def test_not_json(app_client):
    assert_error(await post(app_client, data=b"{not json",
                            headers={"Content-Type": "application/json"}), 400, None, None)


async def test_too_many_inputs(make_client):
    api = await make_client(server={"max_batch_size": 3})
    assert (await post(api, {"input": ["a", "b", "c"]}))[0] == 200
    message = assert_error(await post(api, {"input": ["a", "b", "c", "d"]}), 400, "input",
                           "invalid_value")
    assert "at most 3" in message


async def test_body_refusals_in_openai_shape(make_client):
    api = await make_client(server={"max_body_bytes": 1024})
    reply = await post(api, {"input": "x" * 2000})
    assert_error(reply, 413, None, "request_too_large")
    assert reply[2]["error"]["message"] == "The body is larger than 1024 bytes."
    reply = await post(api, data=b"{}", headers={"Content-Encoding": "x-gzip",
                                                 "Content-Type": "application/json"})
    assert_error(reply, 415, None, "unsupported_content_encoding")
    reply = await post(api, data=gzip.compress(b'{"input": "hi"}')[:-8] + b"garbage!",
                       headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert_error(reply, 400, None, "invalid_body")


async def test_gzip_bodies_are_read(app_client):
    status, _, answer = await post(app_client, data=gzip.compress(b'{"input": ["a", "b"]}'),
                                   headers={"Content-Encoding": "gzip",
                                            "Content-Type": "application/json"})
    assert status == 200 and len(answer["results"]) == 2


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_other_methods_are_405_in_openai_shape(app_client, method):
    async with app_client.http.request(method, PATH) as response:
        body = await response.json()
        assert response.status == 405 and response.headers["Allow"] == "POST"
    assert body["error"]["type"] == "invalid_request_error" and "use POST" in \
        body["error"]["message"]


def test_a_label_the_projects_model_lacks_is_not_scored_and_said_so():
    full = {"labels": {"sexual": 0.9, "hate": 0.7, "harassment": 0.1, "violence": 0.2,
                       "self_harm": 0.0}, "flagged": {"sexual": True}}
    without_hate = {"labels": {k: v for k, v in full["labels"].items() if k != "hate"},
                    "flagged": {"sexual": False}}  # e.g. a stricter project's threshold
    scored, lacking = dialect.result(full), dialect.result(without_hate)
    assert scored["categories"]["hate"] is True and scored["category_scores"]["hate"] == 0.7
    assert lacking["category_scores"]["hate"] == 0.0 and lacking["categories"]["hate"] is False
    assert lacking["category_applied_input_types"]["hate"] == []
    assert lacking["categories"]["sexual"] is False and lacking["flagged"] is False
    assert dialect.unscored([scored]) == UNSUPPORTED_HEADER
    assert dialect.unscored([scored, lacking]).split(",") == \
        [c for c in CATEGORIES if c in UNSUPPORTED or c == "hate"]


async def test_the_readme_example_runs_with_the_sync_client(app_client):
    """The README's example, with only its base URL and key made this test's: the whole
    migration it promises."""
    section = README.read_text().split("## Moving from OpenAI moderation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    assert 'base_url="http://127.0.0.1:8080/v1"' in code and 'api_key="sk_…"' in code
    code = code.replace("http://127.0.0.1:8080/v1", str(app_client.http.make_url("/v1")))
    code = code.replace("sk_…", app_client.key)
    printed = io.StringIO()

    def run() -> None:
        with contextlib.redirect_stdout(printed):
            exec(code, {})  # noqa: S102 - our own README's example

    await asyncio.to_thread(run)  # the sync client blocks: the app serves it from this loop
    flagged, score = printed.getvalue().split()
    assert flagged in ("True", "False") and 0.0 <= float(score) <= 1.0


async def test_a_failure_is_a_500_in_openai_shape_with_the_request_id(app_client, caplog):
    def failing(event: object) -> None:  # a listener that breaks: the analysis fails
        raise RuntimeError("listener broke")

    app_client.app[ANALYZER].listeners.append(failing)
    status, headers, body = await post(app_client, {"input": ["a", "b"]})
    assert status == 500
    assert body["error"]["type"] == "server_error"
    assert headers["X-Request-Id"] in body["error"]["message"]
    assert "listener broke" not in str(body)  # nothing internal leaks
    assert "listener broke" in caplog.text  # but the log has it
