"""Prometheus metrics at /metrics: off by default, default-deny when on, a registry per app,
and the counts the server's parts keep, read over real HTTP from the real app."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from spectrum_rpc.settings import ConfigError, load_settings

ENABLED = {"metrics": {"enabled": True}}


async def scrape(api, headers=None) -> dict[tuple[str, tuple], float]:  # type: ignore[no-untyped-def]
    """GET /metrics; return {(sample name, sorted labels): value}."""
    async with api.http.get("/metrics", headers=headers or {}) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples, name, **labels) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def call(method: str, params, id=1):  # type: ignore[no-untyped-def]
    request = {"jsonrpc": "2.0", "method": method, "params": params}
    if id is not None:
        request["id"] = id
    return request


async def test_off_by_default(app_client) -> None:  # type: ignore[no-untyped-def]
    assert load_settings(environ={}).metrics.enabled is False
    async with app_client.http.get("/metrics") as resp:
        assert resp.status == 404


async def test_requests_are_counted_by_api_method_and_outcome(make_client, rpc) -> None:  # type: ignore[no-untyped-def]
    api = await make_client(**ENABLED)
    for text in ("hello", "you are an idiot"):
        assert "result" in (await rpc(api, call("classifyText", {"text": text}))).json
    await rpc(api, call("classifyText", {"text": 5}))
    await rpc(api, call("noSuchMethod", {}))
    await rpc(api, [call("classifyText", {"text": "a"}, id=2), {"jsonrpc": "2.0"}])
    await rpc(api, call("recordUserClassification", {"content": "x", "shouldBlock": True}))
    assert (await rpc(api, data=b"{not json")).json["error"]["code"] == -32700
    assert (await rpc(api, call("classifyText", {"text": "x"}), key=None)).status == 401

    samples = await scrape(api)
    rpc_total = "spectrum_rpc_jsonrpc_requests_total"
    assert value(samples, rpc_total, api="spectrum", method="classifyText", outcome="ok") == 3
    assert value(samples, rpc_total, api="spectrum", method="classifyText",
                 outcome="-32602") == 1
    # A client's own method name never becomes a label.
    assert value(samples, rpc_total, api="spectrum", method="(unknown)", outcome="-32601") == 1
    assert value(samples, rpc_total, api="spectrum", method="(invalid)", outcome="-32600") == 1
    assert value(samples, rpc_total, api="spectrum", method="(none)", outcome="-32700") == 1
    assert value(samples, rpc_total, api="spectrum", method="recordUserClassification",
                 outcome="ok") == 1
    assert not any("noSuchMethod" in str(key) for key in samples)
    assert value(samples, "spectrum_rpc_jsonrpc_request_duration_seconds_count",
                 api="spectrum", method="classifyText") == 4
    http_total = "spectrum_rpc_http_requests_total"
    assert value(samples, http_total, api="spectrum", status="200") == 7
    assert value(samples, http_total, api="spectrum", status="401") == 1
    assert value(samples, "spectrum_rpc_http_request_duration_seconds_count", api="spectrum") == 8

    # What the engine, the store and the dispatcher count.
    assert value(samples, "spectrum_rpc_engine_texts_total") == 3
    batches = value(samples, "spectrum_rpc_engine_batches_total")
    assert 1 <= batches <= 3
    assert value(samples, "spectrum_rpc_engine_batch_size_count") == batches
    assert value(samples, "spectrum_rpc_engine_batch_size_sum") == 3
    assert value(samples, "spectrum_rpc_engine_batch_size_bucket", le="+Inf") == batches
    assert value(samples, "spectrum_rpc_engine_queue_depth") == 0
    assert value(samples, "spectrum_rpc_feedback_rows_total") == 1
    commits = value(samples, "spectrum_rpc_store_commits_total")
    assert commits >= 1
    assert value(samples, "spectrum_rpc_store_commit_group_size_count") == commits
    assert value(samples, "spectrum_rpc_store_commit_duration_seconds_count") == commits
    assert value(samples, "spectrum_rpc_store_commit_duration_seconds_bucket",
                 le="+Inf") == commits
    assert value(samples, "spectrum_rpc_webhook_deliveries", state="pending") == 0
    assert ("spectrum_rpc_webhook_delivery_attempts_total", (("outcome", "delivered"),)) in samples


async def test_http_requests_are_named_by_api(make_client) -> None:  # type: ignore[no-untyped-def]
    api = await make_client(**ENABLED)
    auth = {"Authorization": f"Bearer {api.key}"}
    sent = [("POST", "/v1/moderations", {"input": "hello"}, auth), ("GET", "/healthz", None, {}),
            ("GET", "/admin/", None, {}), ("GET", "/no/such/path", None, {}),
            ("GET", "/no/other/path", None, {})]
    for method, path, body, headers in sent:
        async with api.http.request(method, path, json=body, headers=headers,
                                    allow_redirects=False) as resp:
            await resp.read()
    samples = await scrape(api)
    apis = {dict(labels).get("api") for name, labels in samples
            if name == "spectrum_rpc_http_requests_total"}
    assert apis == {"openai", "health", "admin", "other"}
    assert value(samples, "spectrum_rpc_http_requests_total", api="openai", status="200") == 1
    assert value(samples, "spectrum_rpc_http_requests_total", api="other", status="404") == 2


async def test_the_rest_dialects_are_named_each_by_its_own_name(make_client) -> None:  # type: ignore[no-untyped-def]
    api = await make_client(**ENABLED)
    auth = {"Authorization": f"Bearer {api.key}"}
    for path in ("/text", "/api/v1/check", "/api/v2/blueprint/review/text"):
        async with api.http.post(path, data=b"{", headers=auth) as resp:  # malformed: refused
            await resp.read()
        async with api.http.get(path, headers=auth) as resp:  # the wrong method
            assert resp.status == 405
    samples = await scrape(api)
    apis = {dict(labels).get("api") for name, labels in samples
            if name == "spectrum_rpc_http_requests_total"}
    assert {"contentmod", "discuse", "blueprint"} <= apis and "rest" not in apis


async def test_each_app_has_its_own_registry(make_client, rpc) -> None:  # type: ignore[no-untyped-def]
    first = await make_client(**ENABLED)
    second = await make_client(**ENABLED)
    await rpc(first, call("classifyText", {"text": "hello"}))
    name = "spectrum_rpc_jsonrpc_requests_total"
    labels = {"api": "spectrum", "method": "classifyText", "outcome": "ok"}
    assert value(await scrape(first), name, **labels) == 1
    assert value(await scrape(second), name, **labels) == 0


async def test_a_client_outside_allow_from_is_refused(make_client) -> None:  # type: ignore[no-untyped-def]
    api = await make_client(metrics={"enabled": True, "allow_from": "10.0.0.0/8"})
    async with api.http.get("/metrics") as resp:
        assert resp.status == 403
        assert "metrics.allow_from" in (await resp.json())["error"]


async def test_the_bearer_token_admits_a_client_from_anywhere(make_client) -> None:  # type: ignore[no-untyped-def]
    api = await make_client(metrics={"enabled": True, "allow_from": "", "token": "s3cret"})
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
        async with api.http.get("/metrics", headers=headers) as resp:
            assert resp.status == 403
    samples = await scrape(api, {"Authorization": "Bearer s3cret"})
    assert value(samples, "spectrum_rpc_http_requests_total", api="metrics", status="200") == 0
    assert value(samples, "spectrum_rpc_http_requests_total", api="metrics", status="403") == 3


def test_allow_from_must_list_networks() -> None:
    with pytest.raises(ConfigError, match="metrics.allow_from"):
        load_settings(environ={"SPECTRUM_RPC_METRICS_ALLOW_FROM": "10.0.0.0/8, localhost"})
    assert load_settings(environ={"SPECTRUM_RPC_METRICS_ALLOW_FROM": ""}).metrics.allow_from == ""
