"""OpenAI's multi-modal input on /v1/moderations through the official `openai` client: text and
image_url parts make one result, images score `sexual` with "image" among its applied input
types, and every image failure is a 400 in OpenAI's shape naming the part."""

from __future__ import annotations

import base64
import importlib.util
import sys
from collections.abc import AsyncIterator

import openai
import pytest

from spectrum_rpc.api.openai import CATEGORIES
from tests.helpers.images import image_server, jpeg

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("nudenet") is None,
    reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]')")
SEXUAL = "send me nudes, I want to have sex with you tonight"


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with image_server() as started:
        yield started


@pytest.fixture
async def client(make_client) -> AsyncIterator[openai.AsyncOpenAI]:
    api = await make_client(images={"allow_private_addresses": True, "max_per_request": 2})
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as opened:
        yield opened


def image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


@needs_model
async def test_text_and_image_parts_are_one_input_with_one_result(client, server):
    answer = await client.moderations.create(
        model="omni-moderation-latest",
        input=[{"type": "text", "text": SEXUAL}, image(f"{server.url}/photo.jpg")])
    [result] = answer.results
    applied = result.category_applied_input_types.model_dump(by_alias=True)
    assert applied["sexual"] == ["text", "image"] and applied["harassment"] == ["text"]
    assert set(applied) == set(CATEGORIES)
    assert result.categories.sexual is True  # the text's score; the photo is neutral


@needs_model
async def test_an_image_alone_scores_sexual_only(client, server):
    data = "data:image/jpeg;base64," + base64.b64encode(jpeg((200, 150))).decode()
    answer = await client.moderations.create(input=[image(f"{server.url}/anim.gif"),
                                                    image(data)])
    [result] = answer.results
    applied = result.category_applied_input_types.model_dump(by_alias=True)
    assert applied["sexual"] == ["image"]
    assert all(types == [] for name, types in applied.items() if name != "sexual")
    assert 0 <= result.category_scores.sexual < 0.25 and result.flagged is False


@needs_model
@pytest.mark.parametrize(("name", "code"), [
    ("page.html", "invalid_image_format"), ("truncated.jpg", "invalid_image_format"),
    ("bomb.png", "image_too_large"), ("missing.png", "image_download_failed"),
])
async def test_image_failures_are_openais_400_naming_the_part(client, server, name, code):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.moderations.create(input=[{"type": "text", "text": "hi"},
                                               image(f"{server.url}/{name}")])
    assert caught.value.code == code and caught.value.param == "input[1].image_url.url"
    assert f"image from {server.url}/{name}: " in caught.value.message


@needs_model  # without the model every image part is unsupported: no address is judged
async def test_a_private_address_is_refused_by_default(make_client):
    api = await make_client()
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as caught:
            await client.moderations.create(input=[image("http://169.254.169.254/latest")])
    assert caught.value.code == "invalid_image_url"
    assert caught.value.param == "input[0].image_url.url"
    assert "169.254.169.254 is an address that is not allowed" in caught.value.message
    assert "allow_private" not in caught.value.message  # the caller is not the operator


async def test_without_the_model_image_parts_are_unsupported(client, server, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    with pytest.raises(openai.BadRequestError) as caught:
        await client.moderations.create(input=[image(f"{server.url}/photo.jpg")])
    assert caught.value.code == "unsupported_input_type" and caught.value.param == "input[0].type"
    assert "spectrum-rpc[images]" in caught.value.message and server.hits == []


async def test_too_many_images_and_bad_parts_are_refused(client):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.moderations.create(input=[image("https://a.test/1.png")] * 3)
    assert caught.value.param == "input" and "at most 2 images per request" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        await client.moderations.create(input=["plain string", image("https://a.test/1.png")])
    assert caught.value.param == "input[0]" and caught.value.code == "invalid_type"


@needs_model
async def test_the_threshold_sets_flagged_for_an_image(make_client, server):
    # No package ships a nude image to test with: a threshold of 0 makes any image flagged.
    api = await make_client(images={"allow_private_addresses": True, "threshold": 0.0})
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as client:
        answer = await client.moderations.create(input=[image(f"{server.url}/photo.jpg")])
    [result] = answer.results
    assert result.flagged is True and result.categories.sexual is True
    assert result.categories.violence is False
