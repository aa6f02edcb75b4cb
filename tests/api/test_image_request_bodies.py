"""Image requests and the large-body budget, over real HTTP: a body holding data: URLs keeps its
share of the budget until the answer is built (images are fetched and scored meanwhile), in
discuse as in OpenAI's dialect, and gives it all back afterwards; the other REST dialects give
it back too, whatever their answer. Measured on the budget's own accounting (`ByteBudget.used`),
never on the process's memory."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import os

import orjson
import pytest

from spectrum_rpc.body import LARGE_BODY
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import BODIES
from tests.helpers.images import image_server

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("nudenet") is None,
    reason="the `images` extra is not installed (pip install 'spectrum-rpc[images]'): without "
    "it no image is fetched, so no request stays in flight while images are checked")
WAIT = 30.0  # a bound on waiting for the server, never an assertion on time
DISCUSE = {"accept": "application/json", "x-client-id": DEFAULT_PROJECT}


def data_url(size: int) -> str:
    """A data: URL of `size` random bytes (not an image: it fails to decode, after the fetch)."""
    return "data:image/jpeg;base64," + base64.b64encode(os.urandom(size)).decode()


async def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition(), what


@needs_model
@pytest.mark.parametrize("dialect", ["discuse", "openai"])
async def test_a_body_of_data_urls_holds_its_budget_until_answered(make_client, dialect):
    api = await make_client(images={"allow_private_addresses": True, "timeout": WAIT * 2})
    budget = api.http.app[BODIES].budget
    async with image_server() as server:
        urls = [data_url(600_000), data_url(600_000), f"{server.url}/hang"]
        if dialect == "discuse":
            path, headers = "/api/v1/check", {**DISCUSE, "x-client-secret": api.key}
            body = {"request": {"media": {"image_url": urls}}}
        else:
            path, headers = "/v1/moderations", {"Authorization": f"Bearer {api.key}"}
            body = {"input": [{"type": "image_url", "image_url": {"url": u}} for u in urls]}
        data = orjson.dumps(body)
        assert len(data) >= LARGE_BODY  # a large body: counted in the budget
        headers["Content-Type"] = "application/json"
        sent = asyncio.ensure_future(api.http.post(path, data=io.BytesIO(data), headers=headers))
        try:
            # The third image is being fetched (the server holds it): the body is parsed, its
            # data: URLs decoded, and the request is still building its answer.
            await until(lambda: "hang" in server.hits, "the hanging image was never fetched")
            assert budget.used == budget.charge(len(data))
        finally:
            server.hang.set()  # answered now: the image server answers 404 for "hang"
            response = await sent
        async with response:
            assert response.status in (200, 400), await response.text()
    assert budget.used == 0  # all of it given back once answered


@pytest.mark.parametrize(("path", "body", "headers", "status"), [
    ("/text", {"text": "x" * (LARGE_BODY + 10)}, {}, 200),  # contentmod
    ("/api/v2/blueprint/review/text", {"text": "x" * (LARGE_BODY + 10)}, {}, 200),
    ("/api/v1/check", {"request": {"media": {"text": "x" * (LARGE_BODY + 10)}}}, DISCUSE, 200),
    ("/text", {"text": 12, "pad": "x" * LARGE_BODY}, {}, 400),
    ("/api/v2/blueprint/review/text", {"text": 12, "pad": "x" * LARGE_BODY}, {}, 400),
    ("/api/v1/check", {"request": 12, "pad": "x" * LARGE_BODY}, DISCUSE, 422),
])
async def test_rest_dialects_give_the_budget_back_whatever_they_answer(make_client, path, body,
                                                                      headers, status):
    api = await make_client()
    budget = api.http.app[BODIES].budget
    sent = {"Content-Type": "application/json", "Authorization": f"Bearer {api.key}",
            "x-client-secret": api.key, **headers}
    async with api.http.post(path, data=io.BytesIO(orjson.dumps(body)),
                             headers=sent) as response:
        assert response.status == status, await response.text()
        await response.read()
    assert budget.used == 0


@pytest.mark.parametrize(("path", "headers", "detail"), [
    ("/text", {}, None),
    ("/api/v2/blueprint/review/text", {}, None),
    ("/api/v1/check", DISCUSE, "detail"),
])
async def test_invalid_json_keeps_each_dialects_error_shape(make_client, path, headers, detail):
    api = await make_client()
    sent = {"Content-Type": "application/json", "Authorization": f"Bearer {api.key}",
            "x-client-secret": api.key, **headers}
    async with api.http.post(path, data=io.BytesIO(b"{not json" + b" " * LARGE_BODY),
                             headers=sent) as response:
        answer = await response.json()
    if detail:  # discuse: FastAPI's 422 for a body it cannot read
        assert response.status == 422
        assert answer["detail"][0]["loc"] == ["body"]
        assert "not valid JSON" in answer["detail"][0]["msg"]
    else:
        assert response.status == 400 and "not valid JSON" in orjson.dumps(answer).decode()
    assert api.http.app[BODIES].budget.used == 0
