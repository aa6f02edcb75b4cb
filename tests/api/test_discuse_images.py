"""discuse's `images` and `gifs` over real HTTP: the document's image example replayed with its
URL pointed at a real image server on loopback (allowed by images.allow_private_addresses, the
test's own setting), scored by the real model; failures in the answer's own `status: "error"`."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT
from tests.helpers.images import image_server

PATH = "/api/v1/check"
USER = "726fddcb-ba41-4eba-a14c-a5e2784c9925"
needs_model = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("nudenet") is None,
    reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]')")
SCORED_KEYS = {"result", "status", "porn", "sexual", "neutral", "hit"}


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with image_server() as started:
        yield started


@pytest.fixture
async def api(make_client):  # type: ignore[no-untyped-def]
    return await make_client(images={"allow_private_addresses": True, "max_per_request": 3})


async def check(api, media: dict) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    body = {"request": {"media": media, "user_id": USER}, "settings": {"project_id": 31337}}
    headers = {"accept": "application/json", "x-client-id": DEFAULT_PROJECT,
               "x-client-secret": api.key}
    async with api.http.post(PATH, json=body, headers=headers) as resp:
        return resp.status, await resp.json()


@needs_model
async def test_the_documents_image_example_with_a_real_image(api, server):
    status, body = await check(api, {"gif_url": [""], "image_url": [f"{server.url}/photo.jpg"]})
    assert status == 200, body
    images = body["images"]
    assert set(images) == SCORED_KEYS and images["status"] == "ok"
    assert images["result"] == {"category": "neutral", "confidence": images["neutral"]}
    assert 0 <= images["porn"] < 0.25 and 0 <= images["sexual"] < 0.25
    assert images["neutral"] == pytest.approx(1 - max(images["porn"], images["sexual"]))
    assert images["hit"] is False and body["gifs"] == {"result": {}} and body["hits"] is False


@needs_model
async def test_gifs_and_text_together(api, server):
    status, body = await check(api, {"text": "have a lovely day",
                                     "gif_url": [f"{server.url}/anim.gif"]})
    assert status == 200
    assert body["gifs"]["status"] == "ok" and set(body["gifs"]) == SCORED_KEYS
    assert body["images"] == {"result": {}} and body["language"]["detected"] == "en"


@needs_model
async def test_an_image_that_fails_makes_the_status_error_and_names_it(api, server):
    urls = [f"{server.url}/photo.jpg", f"{server.url}/page.html"]
    status, body = await check(api, {"image_url": urls})
    assert status == 200
    images = body["images"]
    assert images["status"] == "error" and images["result"]["category"] == "neutral"
    assert images["errors"] == [{"url": urls[1], "code": "not_image",
                                 "message": images["errors"][0]["message"]}]
    assert "1 of 2 could not be checked" in images["message"]


async def test_a_private_address_is_refused_in_the_answer(make_client):
    api = await make_client()  # the default: images.allow_private_addresses = false
    status, body = await check(api, {"image_url": ["http://127.0.0.1:9/x.png"]})
    assert status == 200
    images = body["images"]
    if images["status"] == "unsupported":  # no `images` extra: nothing is fetched at all
        assert "spectrum-rpc[images]" in images["message"]
        return
    assert images["status"] == "error" and images["hit"] is False and images["result"] == {}
    assert images["errors"][0]["code"] == "refused"
    assert "is an address that is not allowed" in images["errors"][0]["message"]
    assert "allow_private" not in images["errors"][0]["message"]


async def test_without_the_model_images_are_unsupported(api, server, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    status, body = await check(api, {"image_url": [f"{server.url}/photo.jpg"],
                                     "gif_url": [f"{server.url}/anim.gif"]})
    assert status == 200
    for kind in ("images", "gifs"):
        assert body[kind]["status"] == "unsupported" and body[kind]["hit"] is False
        assert "pip install 'spectrum-rpc[images]'" in body[kind]["message"]
    assert server.hits == []


async def test_too_many_urls_is_fastapis_422(api):
    status, body = await check(api, {"image_url": ["https://a.test/1.png"] * 3,
                                     "gif_url": ["https://a.test/1.gif"]})
    assert status == 422
    assert body["detail"][0]["loc"] == ["body", "request", "media"]
    assert "at most 3 image and GIF URLs per request" in body["detail"][0]["msg"]


@needs_model
async def test_the_threshold_sets_hit_and_a_hit_joins_the_users_history(make_client, server):
    # No package ships a nude image to test with: a threshold of 0 makes any image a hit.
    api = await make_client(images={"allow_private_addresses": True, "threshold": 0.0})
    status, body = await check(api, {"image_url": [f"{server.url}/photo.jpg"]})
    assert status == 200
    assert body["images"]["hit"] is True and body["hits"] is True
    assert body["gifs"] == {"result": {}}
    history = await api.store.actors.history(DEFAULT_PROJECT, USER)
    assert history is not None and history.events[0].flags == ["sexual"]
