"""classifyText and recordUserClassification: the Spectrum shape, persistence, refused params.
(Parameter validation itself: test_params.py; thresholds: analysis/test_policy.py.)"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import orjson
import pytest

from spectrum_rpc.api import params
from spectrum_rpc.constants import INVALID_PARAMS
from spectrum_rpc.labels import SPECTRUM_FIELDS
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.webhooks import management as ops
from tests.helpers.http import call, classify, nested


def record(content: str, should_block: bool = True, id: Any = 1, **extra: Any) -> dict[str, Any]:
    return call(
        "recordUserClassification", {"content": content, "shouldBlock": should_block, **extra}, id
    )


# -- classifyText --------------------------------------------------------------------------------


async def test_classify_answers_in_the_spectrum_shape(app_client, rpc):
    reply = await rpc(app_client, classify("you are a stupid idiot"))
    result = reply.json["result"]
    defaults = ThresholdSettings()
    for label, (decision, confidence) in SPECTRUM_FIELDS.items():
        assert isinstance(result[decision], bool)
        assert isinstance(result[confidence], float)
        assert 0.0 <= result[confidence] <= 1.0
        # the default threshold
        assert result[decision] == (result[confidence] >= getattr(defaults, label).reject)
    assert isinstance(result["modelVersion"], str) and result["modelVersion"]


async def test_classify_accepts_empty_text_and_unknown_meta(app_client, rpc):
    meta = {
        "authorId": "123",
        "authorName": "test",
        "avatarUrl": "",
        "remoteCreatedAt": 1509570919000,
    }
    reply = await rpc(app_client, classify("", meta=meta))
    assert "toxic" in reply.json["result"]


async def test_classify_batch_answers_every_element_in_order(app_client, rpc):
    texts = [f"text number {i}" for i in range(40)]
    reply = await rpc(app_client, [call("classifyText", [t], id=i) for i, t in enumerate(texts)])
    assert [a["id"] for a in reply.json] == list(range(40))
    assert all("toxic" in a["result"] for a in reply.json)


# -- recordUserClassification --------------------------------------------------------------------


async def test_record_persists_the_row_before_answering(app_client, rpc, committed):
    meta = {"authorId": "42", "remoteId": "c-1", "extra": [1, 2]}
    labels = {"toxic": True, "threat": False}
    reply = await rpc(
        app_client, record("this content is garbage", True, 7, meta=meta, labels=labels)
    )
    assert reply.json == {"jsonrpc": "2.0", "result": "OK", "id": 7}
    # A separate connection, right after the answer: the row is already committed.
    (row,) = committed(
        "SELECT project, key_id, created_at, content, content_sha256, should_block, labels, meta"
        " FROM feedback"
    )
    project, key_id, created_at, content, sha, should_block, labels_json, meta_json = row
    assert (project, key_id) == ("default", app_client.key_id)
    assert created_at > 0
    assert content == "this content is garbage"
    assert sha == hashlib.sha256(b"this content is garbage").hexdigest()
    assert should_block == 1
    assert labels_json is not None and '"threat":false' in labels_json
    assert meta_json is not None and '"extra":[1,2]' in meta_json


async def test_record_uses_the_injected_clock(app_client, rpc, committed, monkeypatch):
    monkeypatch.setattr("spectrum_rpc.api.spectrum.now", lambda: 1509570919.5)
    await rpc(app_client, record("x"))
    assert committed("SELECT created_at FROM feedback") == [(1509570919.5,)]


async def test_record_as_notification_is_stored_silently(app_client, rpc, committed):
    payload = {
        "jsonrpc": "2.0",
        "method": "recordUserClassification",
        "params": {"content": "quiet", "shouldBlock": False},
    }
    reply = await rpc(app_client, payload)
    assert (reply.status, reply.body) == (204, b"")
    assert committed("SELECT content, should_block, labels, meta FROM feedback") == [
        ("quiet", 0, None, None)
    ]


async def test_record_is_scoped_to_the_keys_project(make_client, rpc, committed):
    api = await make_client(project="acme")
    await rpc(api, record("from acme"))
    assert committed("SELECT project, key_id FROM feedback") == [("acme", api.key_id)]


async def test_concurrent_records_share_commits(app_client, rpc, committed):
    db = app_client.store.db
    before = db.commits
    n = 200
    replies = await asyncio.gather(*(rpc(app_client, record(f"row {i}", id=i)) for i in range(n)))
    assert all(r.json["result"] == "OK" for r in replies)
    assert len(committed("SELECT id FROM feedback")) == n
    assert db.commits - before < n / 2  # group commit: far fewer transactions than rows


async def test_batch_of_records_shares_commits(app_client, rpc, committed):
    db = app_client.store.db
    before = db.commits
    reply = await rpc(app_client, [record(f"row {i}", id=i) for i in range(100)])
    assert [a["result"] for a in reply.json] == ["OK"] * 100
    assert len(committed("SELECT id FROM feedback")) == 100
    assert db.commits - before < 50


async def test_lone_surrogates_are_refused_as_unparsable(app_client, rpc, committed):
    raw = (
        b'{"jsonrpc": "2.0", "method": "recordUserClassification",'
        b' "params": ["broken \\ud800 text", true], "id": 1}'
    )
    reply = await rpc(app_client, data=raw)
    assert reply.json["error"]["code"] == -32700  # never a half-stored row or a 500
    assert committed("SELECT id FROM feedback") == []


# -- deeply nested meta --------------------------------------------------------------------------

# Past orjson's 254-level limit on encoding (not on decoding): the stored row and the webhook
# body could not be written. Built by hand, since the test client encodes with orjson too.
TOO_DEEP = 300


def raw_call(method: str, params: str, id: int | None = 1) -> bytes:
    """A JSON-RPC request (or notification when id is None) around params given as JSON text."""
    tail = "" if id is None else f', "id": {id}'
    return f'{{"jsonrpc": "2.0", "method": "{method}", "params": {params}{tail}}}'.encode()


def deep_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    "params_json",
    [
        f'{{"content": "x", "shouldBlock": true, "meta": {deep_json(TOO_DEEP)}}}',
        f'["x", true, {deep_json(TOO_DEEP)}]',
    ],
    ids=["by-name", "by-position"],
)
async def test_record_refuses_deeply_nested_meta(app_client, rpc, committed, params_json):
    reply = await rpc(app_client, data=raw_call("recordUserClassification", params_json))
    assert reply.json["error"]["code"] == INVALID_PARAMS
    assert reply.json["error"]["data"]["param"] == "meta"
    assert committed("SELECT id FROM feedback") == []


@pytest.mark.parametrize(
    "params_json",
    [f'{{"text": "x", "meta": {deep_json(TOO_DEEP)}}}', f'["x", {deep_json(TOO_DEEP)}]'],
    ids=["by-name", "by-position"],
)
async def test_classify_refuses_deeply_nested_meta(app_client, rpc, committed, params_json):
    # With a webhook the meta is re-encoded into the event body: the path that failed.
    await ops.add_webhook(app_client.store, "https://example.com/hook")
    reply = await rpc(app_client, data=raw_call("classifyText", params_json))
    assert reply.json["error"]["code"] == INVALID_PARAMS
    assert reply.json["error"]["data"]["param"] == "meta"
    assert committed("SELECT COUNT(*) FROM webhook_events") == [(0,)]


async def test_deeply_nested_meta_in_a_notification_is_dropped_quietly(
    app_client, rpc, committed, caplog
):
    params_json = f'{{"content": "x", "shouldBlock": true, "meta": {deep_json(TOO_DEEP)}}}'
    reply = await rpc(app_client, data=raw_call("recordUserClassification", params_json, None))
    # Like every notification with invalid params: no answer, nothing stored, no internal error.
    assert (reply.status, reply.body) == (204, b"")
    assert committed("SELECT id FROM feedback") == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_nested_meta_within_the_bound_is_kept(app_client, rpc, committed):
    meta = {"authorId": "1", "thread": nested(params.MAX_META_DEPTH - 1, "leaf")}
    reply = await rpc(app_client, record("x", meta=meta))
    assert reply.json["result"] == "OK"
    assert committed("SELECT meta FROM feedback") == [(orjson.dumps(meta).decode(),)]
    reply = await rpc(app_client, classify("x", meta={"authorId": "1", "remoteId": "r"}))
    assert "toxic" in reply.json["result"]


async def test_deeply_nested_labels_are_refused(app_client, rpc, committed):
    labels = f'{{"toxic": {deep_json(TOO_DEEP)}}}'
    params_json = f'{{"content": "x", "shouldBlock": true, "labels": {labels}}}'
    reply = await rpc(app_client, data=raw_call("recordUserClassification", params_json))
    assert reply.json["error"]["data"]["param"] == "labels.toxic"  # must be a boolean
    assert committed("SELECT id FROM feedback") == []
