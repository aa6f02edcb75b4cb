"""The admin API refuses what its OpenAPI document calls invalid, in its own error shape, and
asks for the CSRF header exactly where the document says (issue 15, item 10). The generated
requests of test_openapi_conformance.py cover the rest; these are the audit's findings."""

from __future__ import annotations

import re

from spectrum_rpc.admin.openapi import document
from spectrum_rpc.admin.sessions import CSRF_HEADER
from tests.helpers import admin
from tests.helpers.admin import API, logged_in_client

STATUSES_OF_EVERY_OPERATION = {"401"}


client = admin.client  # alice logged in, default settings


async def refused(response, status: int = 400) -> str:  # type: ignore[no-untyped-def]
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) >= {"error"} and isinstance(body["error"], str), body
    return body["error"]


async def test_a_key_name_must_be_a_string(client):
    for name in (5, True, ["k"], {"a": 1}, None):
        response = await client.post(f"{API}/projects/default/keys", json={"name": name})
        assert "name" in await refused(response)
    assert (await client.post(f"{API}/projects/default/keys", json={"name": "x" * 101})
            ).status == 400
    assert (await client.get(f"{API}/projects/default/keys")).status == 200
    assert (await (await client.get(f"{API}/projects/default/keys")).json())["keys"] == []


async def test_settings_without_a_change_are_refused(client):
    for data in (None, b"", b"{}"):
        response = await client.put(f"{API}/projects/default/settings", data=data,
                                    headers={"Content-Type": "application/json"})
        assert "thresholds" in await refused(response)
    response = await client.put(f"{API}/projects/default/settings",
                                json={"include_text": True, "thresholds_": {}})
    assert "unknown field 'thresholds_'" in await refused(response)


async def test_unknown_fields_and_mistyped_values_are_refused(client):
    hooks = f"{API}/projects/default/webhooks"
    cases = [
        (hooks, {"url": "https://example.com/h", "urll": "x"}),
        (hooks, {"url": 5}),
        (hooks, {"url": "https://example.com/h", "description": 7}),
        (hooks, {"url": "https://example.com/h", "basic_auth_user": 1,
                 "basic_auth_password": "p"}),
        (hooks, {"url": "https://example.com/h", "basic_auth_user": "a:b",
                 "basic_auth_password": "p"}),
        (hooks, {"url": "https://example.com/h", "events": ["ALL"]}),
        (hooks, {"url": "https://example.com/h", "remove_basic_auth": "yes"}),
        (hooks, {}),
        (f"{API}/projects/default/playground", {"text": "hi", "extra": 1}),
        (f"{API}/feedback/1/exclude", {"excluded": True, "why": "x"}),
    ]
    for url, data in cases:
        await refused(await client.post(url, json=data))
    assert (await (await client.get(hooks)).json())["webhooks"] == []


async def test_query_parameters_out_of_their_form_are_refused(client):
    hook = await (await client.post(f"{API}/projects/default/webhooks",
                                    json={"url": "https://example.com/h"})).json()
    for url in (f"{API}/audit?limit=0", f"{API}/audit?limit=501", f"{API}/audit?limit=+5",
                f"{API}/audit?limit=%D9%A1",  # an Arabic-Indic digit one
                f"{API}/webhooks/{hook['id']}/deliveries?failed=yes",
                f"{API}/webhooks/{hook['id']}/deliveries?limit=201",
                f"{API}/projects/default/feedback?should_block=maybe",
                f"{API}/projects/default/feedback?since=2026-1-5",
                f"{API}/projects/default/feedback?until=2026-02-30",
                f"{API}/projects/default/feedback?page=0",
                f"{API}/projects/default/feedback/export?format=xml",
                f"{API}/projects/bad%0A/keys"):
        await refused(await client.get(url))
    assert (await client.get(f"{API}/audit?limit=500")).status == 200


async def test_the_feedback_page_still_takes_its_form_with_empty_fields(client):
    response = await client.get("/admin/feedback?project=default&should_block=&label=&since="
                                "&until=&q=")
    assert response.status == 200
    links = re.findall(r'href="([^"]*feedback/export[^"]*)"', await response.text())
    assert links
    for link in links:
        assert (await client.get(link.replace("&amp;", "&"))).status == 200, link


async def test_unknown_paths_and_methods_answer_in_the_admin_shape(client):
    assert "Not Found" in await refused(await client.get(f"{API}/nothing/here"), 404)
    assert await refused(await client.post(f"{API}/feedback/abc/exclude"), 404)
    assert await refused(await client.post(f"{API}/feedback/{2**63}/exclude"), 404)
    response = await client.delete(f"{API}/projects")
    await refused(response, 405)
    assert "GET" in response.headers["Allow"]
    hook = await (await client.post(f"{API}/projects/default/webhooks",
                                    json={"url": "https://example.com/h"})).json()
    await refused(await client.post(f"{API}/webhooks/{hook['id']}/replay",
                                    json={"delivery_id": 2**64}))
    await refused(await client.post(f"{API}/webhooks/wh_none/enable"), 404)


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) == "feedback_id" else "default",
                  path)


async def test_the_csrf_header_is_required_exactly_where_documented(client):
    token = client.session.headers.pop(CSRF_HEADER)
    try:
        for path, ops in document()["paths"].items():
            for method, op in ops.items():
                wants_csrf = any("csrf" in s for s in op["security"])
                assert wants_csrf == (method != "get"), (method, path)
                assert ("403" in op["responses"]) == wants_csrf, (method, path)
                response = await client.request(method.upper(), API + _concrete(path))
                assert (response.status == 403) == wants_csrf, (method, path, response.status)
    finally:
        client.session.headers[CSRF_HEADER] = token


async def test_every_operation_answers_401_without_a_session(aiohttp_client, tmp_path):
    client = await logged_in_client(aiohttp_client, tmp_path)
    client.session.cookie_jar.clear()
    for path, ops in document()["paths"].items():
        for method, op in ops.items():
            assert STATUSES_OF_EVERY_OPERATION <= set(op["responses"]), (method, path)
            if any(p["in"] == "path" for p in op["parameters"]):
                assert "404" in op["responses"], (method, path)
            response = await client.request(method.upper(), API + _concrete(path))
            assert "log in" in await refused(response, 401)


async def test_the_served_document_is_the_code_s(client):
    served = await (await client.get(f"{API}/openapi.json")).json()
    assert served == document()
