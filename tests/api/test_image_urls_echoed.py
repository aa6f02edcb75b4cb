"""An image URL that failed is named in the answer, shortened: a data: URL can be megabytes,
and echoing it whole would make the answer as large as the request (discuse's `errors` and
`message`, OpenAI's error message)."""

from __future__ import annotations

import base64
import importlib.util

import openai
import pytest

from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.media.errors import SHOWN_CHARS

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("nudenet") is None,
    reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]')")
# 300 KB of zeros: no image, so `not_image` after it is decoded from base64.
NOT_AN_IMAGE = "data:image/png;base64," + base64.b64encode(bytes(300_000)).decode()
SHORTENED = NOT_AN_IMAGE[:SHOWN_CHARS] + "..."


async def test_discuse_names_a_failed_data_url_shortened(make_client):
    api = await make_client()
    body = {"request": {"media": {"image_url": [NOT_AN_IMAGE]}}}
    headers = {"x-client-id": DEFAULT_PROJECT, "x-client-secret": api.key}
    async with api.http.post("/api/v1/check", json=body, headers=headers) as resp:
        assert resp.status == 200
        answer = await resp.json()
        assert int(resp.headers["Content-Length"]) < 10_000
    images = answer["images"]
    assert images["status"] == "error"
    assert images["errors"] == [{"url": SHORTENED, "code": "not_image",
                                 "message": images["errors"][0]["message"]}]
    assert SHORTENED in images["message"] and NOT_AN_IMAGE not in images["message"]


async def test_openai_names_a_failed_data_url_shortened(make_client):
    api = await make_client()
    async with openai.AsyncOpenAI(base_url=str(api.http.make_url("/v1")), api_key=api.key,
                                  max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as caught:
            await client.moderations.create(
                input=[{"type": "image_url", "image_url": {"url": NOT_AN_IMAGE}}])
    assert caught.value.code == "invalid_image_format"
    assert SHORTENED in caught.value.message and len(caught.value.message) < 1000
