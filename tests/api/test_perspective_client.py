"""Perspective's documented Python sample, run unchanged but for the discovery URL: Google's
official client (google-api-python-client) builds itself from our discovery document and calls
the real app over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from spectrum_rpc.api.discovery import SCHEMAS

TOXIC = "You are a stupid idiot and everyone hates you."


def build(base: str, key: str) -> Any:
    """Perspective's sample, with only discoveryServiceUrl pointing at our server."""
    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=base + "/$discovery/rest?version=v1alpha1",
        static_discovery=False,
    )


@pytest.fixture
def base(app_client) -> str:
    return str(app_client.http.make_url("")).rstrip("/")


async def run(call: Any) -> Any:
    """The client is synchronous (httplib2): run it in a thread while the app serves."""
    return await asyncio.to_thread(call)


async def test_the_documented_sample_analyzes_a_comment(app_client, base):
    def sample() -> dict[str, Any]:
        with build(base, app_client.key) as client:  # closes its connections after
            analyze_request = {
                "comment": {"text": "friendly greetings from python"},
                "requestedAttributes": {"TOXICITY": {}},
            }
            return client.comments().analyze(body=analyze_request).execute()

    response = await run(sample)
    summary = response["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary["type"] == "PROBABILITY" and 0 <= summary["value"] < 0.5
    assert response["languages"] == ["en"] and response["detectedLanguages"] == ["en"]


async def test_the_client_asks_for_spans_and_several_attributes(app_client, base):
    def sample() -> dict[str, Any]:
        with build(base, app_client.key) as client:
            return client.comments().analyze(body={
                "comment": {"text": TOXIC + " Have a nice day."}, "languages": ["en"],
                "requestedAttributes": {"TOXICITY": {}, "PROFANITY": {},
                                        "SEXUALLY_EXPLICIT": {}, "SPAM": {}},
                "spanAnnotations": True, "doNotStore": True, "clientToken": "python-1",
            }).execute()

    response = await run(sample)
    assert set(response["attributeScores"]) == {"TOXICITY", "PROFANITY", "SEXUALLY_EXPLICIT",
                                                "SPAM"}
    toxicity = response["attributeScores"]["TOXICITY"]
    assert toxicity["summaryScore"]["value"] > 0.5
    assert [(s["begin"], s["end"]) for s in toxicity["spanScores"]] == [(0, 46), (47, 63)]
    assert response["clientToken"] == "python-1"


async def test_the_client_suggests_a_score(app_client, base, committed):
    def sample() -> dict[str, Any]:
        with build(base, app_client.key) as client:
            return client.comments().suggestscore(body={
                "comment": {"text": TOXIC}, "clientToken": "fix-1",
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
            }).execute()

    assert await run(sample) == {"detectedLanguages": ["en"], "clientToken": "fix-1"}
    assert committed("SELECT content, should_block FROM feedback") == [(TOXIC, 0)]


async def test_errors_reach_the_client_as_its_http_error(app_client, base):
    def unsupported() -> None:
        with build(base, app_client.key) as client:
            client.comments().analyze(body={
                "comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
                "languages": ["de"]}).execute()

    with pytest.raises(HttpError) as caught:
        await run(unsupported)
    assert caught.value.status_code == 400
    assert caught.value.reason == "Attribute TOXICITY does not support request languages: de"

    def wrong_key() -> None:
        with build(base, "AIzaNotOurs") as client:
            client.comments().analyze(body={
                "comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}).execute()

    with pytest.raises(HttpError) as caught:
        await run(wrong_key)
    assert caught.value.status_code == 400
    assert caught.value.reason == "API key not valid. Please pass a valid API key."


async def test_the_discovery_document_is_addressed_to_the_host_asked_for(app_client):
    for path in ("/$discovery/rest?version=v1alpha1",
                 "/discovery/v1/apis/commentanalyzer/v1alpha1/rest"):
        async with app_client.http.get(path, headers={"Host": "moderation.example:8443"}) as r:
            document = await r.json()
        assert document["rootUrl"] == document["baseUrl"] == "http://moderation.example:8443/"
        methods = document["resources"]["comments"]["methods"]
        assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
        assert methods["suggestscore"]["httpMethod"] == "POST"
        assert document["parameters"]["key"]["location"] == "query"
        assert set(document["schemas"]) == set(SCHEMAS)


async def test_an_unknown_discovery_version_is_not_found(app_client):
    async with app_client.http.get("/$discovery/rest?version=v1") as r:
        assert r.status == 404
        error = (await r.json())["error"]
    assert error["status"] == "NOT_FOUND" and "commentanalyzer v1" in error["message"]


def test_every_schema_reference_resolves():
    def refs(value: Any) -> set[str]:
        if isinstance(value, dict):
            found = {value["$ref"]} if "$ref" in value else set()
            return found.union(*(refs(v) for v in value.values()))
        if isinstance(value, list):
            return set().union(*(refs(v) for v in value))
        return set()

    assert refs(SCHEMAS) <= set(SCHEMAS)
