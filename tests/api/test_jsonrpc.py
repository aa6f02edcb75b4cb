"""JSON-RPC 2.0 as the specification has it: every example of its section 7, on our methods.

The first half drives the real app over HTTP; the second half builds a `Protocol` on tiny inline
methods to pin down batch behaviour (concurrency, limits, error hiding) without the engine.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from jsonrpcclient import Ok, parse, request

from spectrum_rpc.api.jsonrpc import Protocol, RpcError, Success, invalid_params
from spectrum_rpc.constants import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
)

CLASSIFY = "classifyText"
RECORD = "recordUserClassification"


def call(method: str, params: Any = None, **extra: Any) -> dict[str, Any]:
    """Build a request object; pass id=... for a request, nothing for a notification."""
    obj: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        obj["params"] = params
    obj.update(extra)
    return obj


def assert_classification(result: Any) -> None:
    assert isinstance(result, dict)
    assert isinstance(result["toxic"], bool)
    assert 0.0 <= result["toxicityConfidence"] <= 1.0
    assert isinstance(result["modelVersion"], str)


def assert_error(obj: dict[str, Any], code: int, id: Any = None) -> dict[str, Any]:
    assert obj["jsonrpc"] == "2.0"
    assert "result" not in obj
    assert obj["id"] == id
    assert obj["error"]["code"] == code
    assert isinstance(obj["error"]["message"], str)
    return obj["error"]


# -- section 7 examples, over HTTP --------------------------------------------------------------


async def test_positional_params(app_client, rpc):
    reply = await rpc(app_client, call(CLASSIFY, ["you are an idiot"], id=1))
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json["id"] == 1 and reply.json["jsonrpc"] == "2.0"
    assert_classification(reply.json["result"])

    reply = await rpc(app_client, call(RECORD, ["this content is garbage", True], id=2))
    assert reply.json == {"jsonrpc": "2.0", "result": "OK", "id": 2}


async def test_named_params_in_any_order(app_client, rpc):
    reply = await rpc(app_client, call(CLASSIFY, {"text": "hello"}, id=3))
    assert reply.json["id"] == 3
    assert_classification(reply.json["result"])

    params = {"shouldBlock": True, "content": "this content is garbage"}
    reply = await rpc(app_client, call(RECORD, params, id=4))
    assert reply.json == {"jsonrpc": "2.0", "result": "OK", "id": 4}


async def test_notification_gets_http_204_and_an_empty_body(app_client, rpc, committed):
    reply = await rpc(app_client, call(RECORD, {"content": "garbage", "shouldBlock": True}))
    assert reply.status == 204
    assert reply.body == b""
    assert committed("SELECT content FROM feedback") == [("garbage",)]

    reply = await rpc(app_client, call(CLASSIFY, ["hello"]))
    assert (reply.status, reply.body) == (204, b"")


async def test_null_id_is_a_request_not_a_notification(app_client, rpc):
    reply = await rpc(app_client, call(CLASSIFY, ["hello"], id=None))
    assert reply.status == 200
    assert reply.json["id"] is None
    assert_classification(reply.json["result"])


async def test_string_and_fractional_ids_are_echoed(app_client, rpc):
    for rid in ("abc", 1.5, 0, -7):
        reply = await rpc(app_client, call(RECORD, ["x", False], id=rid))
        assert reply.json["id"] == rid


async def test_integer_ids_beyond_64_bits_are_echoed_exactly(app_client, rpc):
    # orjson reads such an integer as a float; the answer must carry the very same number.
    big, negative = "18446744073709551616", "-9223372036854775809"
    raw = ('[{"jsonrpc": "2.0", "method": "recordUserClassification", "params": ["x", false], '
           f'"id": {big}}}, {{"jsonrpc": "2.0", "method": "classifyText", "params": ["hi"], '
           f'"id": {negative}}}, {{"jsonrpc": "2.0", "method": "nope", "id": 2.5}}]')
    reply = await rpc(app_client, data=raw.encode())
    assert reply.status == 200
    first, second, third = reply.json
    assert f'"id":{big}'.encode() in reply.body and f'"id":{negative}'.encode() in reply.body
    assert first["result"] == "OK"
    assert_classification(second["result"])
    assert_error(third, METHOD_NOT_FOUND, 2.5)
    # Deeper than the stdlib parser goes (orjson takes 1023 levels): the id is rounded as
    # before, never a failure.
    deep = ('{"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hi", "meta": '
            '{"x": ' + "[" * 1000 + "]" * 1000 + f'}}}}, "id": {big}}}')
    reply = await rpc(app_client, data=deep.encode())
    assert reply.status == 200 and reply.json["error"]["data"]["param"] == "meta"
    single = ('{"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hi", "meta": '
              f'{{"remoteId": {big}}}}}, "id": {big}}}')
    reply = await rpc(app_client, data=single.encode())
    assert f'"id":{big}'.encode() in reply.body
    assert reply.json["error"]["data"]["param"] == "meta.remoteId"


async def test_non_existent_method(app_client, rpc):
    reply = await rpc(app_client, call("foobar", id="1"))
    assert reply.status == 200
    assert_error(reply.json, METHOD_NOT_FOUND, "1")


async def test_invalid_json(app_client, rpc):
    raw = b'{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'
    reply = await rpc(app_client, data=raw)
    assert reply.headers["Content-Type"].startswith("application/json")
    assert_error(reply.json, PARSE_ERROR, None)


async def test_invalid_request_object(app_client, rpc):
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": 1, "params": "bar"})
    assert_error(reply.json, INVALID_REQUEST, None)


@pytest.mark.parametrize(
    "obj",
    [
        {"method": CLASSIFY, "params": ["x"], "id": 1},  # no jsonrpc member
        {"jsonrpc": "1.0", "method": CLASSIFY, "params": ["x"], "id": 1},
        {"jsonrpc": "2.0", "params": ["x"], "id": 1},  # no method
        {"jsonrpc": "2.0", "method": CLASSIFY, "params": "x", "id": 1},
        {"jsonrpc": "2.0", "method": CLASSIFY, "params": ["x"], "id": True},
        {"jsonrpc": "2.0", "method": CLASSIFY, "params": ["x"], "id": [1]},
        {"jsonrpc": "2.0", "method": CLASSIFY, "params": ["x"], "id": {"a": 1}},
        "a string",
        42,
        None,
    ],
)
async def test_other_invalid_request_objects(app_client, rpc, obj):
    reply = await rpc(app_client, obj)
    assert reply.status == 200
    assert_error(reply.json, INVALID_REQUEST, None)


async def test_batch_with_invalid_json(app_client, rpc):
    raw = (
        b'[{"jsonrpc": "2.0", "method": "classifyText", "params": ["x"], "id": "1"},'
        b'{"jsonrpc": "2.0", "method"]'
    )
    reply = await rpc(app_client, data=raw)
    assert isinstance(reply.json, dict)  # one object, not an array
    assert_error(reply.json, PARSE_ERROR, None)


async def test_empty_array_is_one_invalid_request(app_client, rpc):
    reply = await rpc(app_client, [])
    assert isinstance(reply.json, dict)
    assert_error(reply.json, INVALID_REQUEST, None)


async def test_invalid_batch_of_one(app_client, rpc):
    reply = await rpc(app_client, [1])
    assert isinstance(reply.json, list) and len(reply.json) == 1
    assert_error(reply.json[0], INVALID_REQUEST, None)


async def test_invalid_batch_of_three(app_client, rpc):
    reply = await rpc(app_client, [1, 2, 3])
    assert len(reply.json) == 3
    for obj in reply.json:
        assert_error(obj, INVALID_REQUEST, None)


async def test_mixed_batch_answers_each_element(app_client, rpc, committed):
    batch = [
        call(CLASSIFY, ["you are an idiot"], id="1"),
        call(RECORD, {"content": "notified", "shouldBlock": False}),  # notification
        call(CLASSIFY, {"text": "hello"}, id="2"),
        {"foo": "boo"},
        call("foo.get", {"name": "myself"}, id="5"),
        call(RECORD, ["acknowledged", True], id="9"),
    ]
    reply = await rpc(app_client, batch)
    assert reply.status == 200
    answers = reply.json
    assert isinstance(answers, list) and len(answers) == 5  # the notification gets nothing
    by_id = {a["id"]: a for a in answers if a["id"] is not None}
    assert_classification(by_id["1"]["result"])
    assert_classification(by_id["2"]["result"])
    assert_error(by_id["5"], METHOD_NOT_FOUND, "5")
    assert by_id["9"]["result"] == "OK"
    (invalid,) = [a for a in answers if a["id"] is None]
    assert_error(invalid, INVALID_REQUEST, None)
    assert sorted(committed("SELECT content FROM feedback")) == [("acknowledged",), ("notified",)]


async def test_batch_of_notifications_gets_an_empty_body(app_client, rpc, committed):
    batch = [call(RECORD, [f"n{i}", True]) for i in range(3)] + [call(CLASSIFY, ["x"])]
    reply = await rpc(app_client, batch)
    assert reply.status == 204
    assert reply.body == b""  # never "[]"
    assert len(committed("SELECT id FROM feedback")) == 3


async def test_batch_over_the_limit_is_one_invalid_request(make_client, rpc, committed):
    api = await make_client(server={"max_batch_size": 3})
    reply = await rpc(api, [call(RECORD, [f"r{i}", True], id=i) for i in range(4)])
    assert isinstance(reply.json, dict)
    error = assert_error(reply.json, INVALID_REQUEST, None)
    assert "maximum is 3" in error["data"]
    assert committed("SELECT id FROM feedback") == []  # nothing of it ran

    reply = await rpc(api, [call(RECORD, [f"r{i}", True], id=i) for i in range(3)])
    assert [a["result"] for a in reply.json] == ["OK"] * 3


async def test_notification_with_errors_is_still_not_answered(app_client, rpc, caplog):
    secret = "private words of a user"
    for obj in (call("nope", [secret]), call(CLASSIFY, {"bogus": 1}),
                call(RECORD, {"content": secret, "shouldBlock": "yes"})):
        reply = await rpc(app_client, obj)
        assert (reply.status, reply.body) == (204, b"")
    # ... but the operator can see in the log that they were refused, without their text.
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 3
    assert "'nope'" in refused[0] and "-32601" in refused[0]
    assert "-32602" in refused[1] and "'bogus'" in refused[1]
    assert "-32602" in refused[2] and "'shouldBlock' must be a boolean" in refused[2]
    assert not any(secret in r.getMessage() for r in caplog.records)
    # A label key is the client's own string: a newline in it cannot forge a log line.
    caplog.clear()
    forged = {"content": "x", "shouldBlock": True, "labels": {"a\nFAKE: admin login ok": True}}
    await rpc(app_client, call(RECORD, forged))
    (line,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert "\n" not in line and "\\nFAKE" in line


async def test_refused_notifications_of_a_batch_are_logged_in_one_line(app_client, rpc, caplog):
    secret = "private words of a user"
    batch = [call(RECORD, {"content": secret, "shouldBlock": "yes"}) for _ in range(40)]
    batch += [call("nope", [secret]) for _ in range(10)]
    batch.append(call(RECORD, {"content": "fine", "shouldBlock": True}))  # stored, not logged
    reply = await rpc(app_client, batch)
    assert (reply.status, reply.body) == (204, b"")
    (line,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert line.startswith("50 notifications in a batch refused (-32602: 40, -32601: 10)"), line
    assert "'recordUserClassification' -32602" in line and "'shouldBlock'" in line
    assert not any(secret in r.getMessage() for r in caplog.records)


# -- -32602 names the parameter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "param"),
    [
        (CLASSIFY, {}, "text"),
        (CLASSIFY, {"meta": {}}, "text"),
        (CLASSIFY, {"text": 5}, "text"),
        (CLASSIFY, [None], "text"),
        (CLASSIFY, {"text": "x", "bogus": 1}, "bogus"),
        (CLASSIFY, ["x", {}, "extra"], "params[2]"),
        (CLASSIFY, {"text": "x", "meta": {"authorId": 123}}, "meta.authorId"),
        (CLASSIFY, {"text": "x", "meta": "not an object"}, "meta"),
        (RECORD, {"content": "x", "shouldBlock": "true"}, "shouldBlock"),
        (RECORD, {"content": "x"}, "shouldBlock"),
        (RECORD, {"shouldBlock": True}, "content"),
        (RECORD, {"content": "x", "shouldBlock": 1}, "shouldBlock"),
        (RECORD, {"content": "x", "shouldBlock": True, "meta": {"authorId": 7}}, "meta.authorId"),
        (RECORD, {"content": "x", "shouldBlock": True, "labels": {"bogus": True}}, "labels.bogus"),
        (RECORD, {"content": "x", "shouldBlock": True, "labels": {"toxic": "yes"}}, "labels.toxic"),
        (RECORD, {"content": "x", "shouldBlock": True, "labels": ["toxic"]}, "labels"),
        (RECORD, ["x", True, {}, {}, "extra"], "params[4]"),
        # Names of the methods' own arguments are unknown params like any other.
        (CLASSIFY, {"text": "x", "context": 1}, "context"),
        (CLASSIFY, {"text": "x", "ctx": 1}, "ctx"),
        (RECORD, {"content": "x", "shouldBlock": True, "context": 1}, "context"),
        (RECORD, {"content": "x", "shouldBlock": True, "ctx": 1}, "ctx"),
    ],
)
async def test_invalid_params_name_the_param(app_client, rpc, committed, method, params, param):
    reply = await rpc(app_client, call(method, params, id=11))
    error = assert_error(reply.json, INVALID_PARAMS, 11)
    assert error["data"]["param"] == param
    assert param in error["message"]
    assert committed("SELECT id FROM feedback") == []


# -- an independent client library ---------------------------------------------------------------


async def test_jsonrpcclient_round_trip(app_client):
    client, key = app_client
    headers = {"Authorization": f"Apikey {key}"}
    req = request("classifyText", params={"text": "you are an idiot", "meta": {"authorId": "1"}})
    async with client.post("/api/v1/classification", json=req, headers=headers) as resp:
        parsed = parse(await resp.json())
    assert isinstance(parsed, Ok)
    assert parsed.id == req["id"]
    assert_classification(parsed.result)

    req = request("recordUserClassification", params=("garbage", True))
    async with client.post("/api/v1/classification", json=req, headers=headers) as resp:
        parsed = parse(await resp.json())
    assert parsed == Ok("OK", req["id"])


# -- Protocol on inline methods --------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    request_id: str = "req-1"


async def echo(ctx: Ctx, *args: Any, **kwargs: Any) -> Any:
    return Success({"args": list(args), "kwargs": kwargs})


async def handle(protocol: Protocol, payload: Any) -> Any:
    answer = await protocol.handle(orjson.dumps(payload), Ctx())
    return None if answer is None else orjson.loads(answer)


async def test_protocol_runs_batch_elements_concurrently():
    n = 8
    started = 0
    everyone_in = asyncio.Event()

    async def rendezvous(ctx: Ctx, i: int) -> Any:
        nonlocal started
        started += 1
        if started == n:
            everyone_in.set()
        # Run one at a time, the first element would wait here forever.
        await asyncio.wait_for(everyone_in.wait(), 10)
        return Success(i)

    protocol = Protocol({"meet": rendezvous}, concurrency=n)
    answers = await handle(protocol, [call("meet", [i], id=i) for i in range(n)])
    assert [a["result"] for a in answers] == list(range(n))


async def test_protocol_bounds_batch_concurrency():
    running = peak = 0

    async def slow(ctx: Ctx) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        running -= 1
        return Success(None)

    protocol = Protocol({"slow": slow}, concurrency=3)
    answers = await handle(protocol, [call("slow", id=i) for i in range(20)])
    assert len(answers) == 20
    assert peak == 3


async def test_protocol_hides_unexpected_exceptions(caplog):
    async def broken(ctx: Ctx) -> Any:
        raise ValueError("secret detail")

    answer = await handle(Protocol({"broken": broken}), call("broken", id=1))
    error = assert_error(answer, INTERNAL_ERROR, 1)
    assert error["message"] == "Internal error"
    assert error["data"] == {"requestId": "req-1"}
    assert "secret" not in orjson.dumps(answer).decode()
    assert "req-1" in caplog.text  # logged for the operator, with the request id


async def test_protocol_passes_rpc_errors_through():
    async def picky(ctx: Ctx, *args: Any) -> Any:
        raise invalid_params("x", "is wrong")

    async def custom(ctx: Ctx) -> Any:
        raise RpcError(-32050, "Custom", {"why": "because"})

    protocol = Protocol({"picky": picky, "custom": custom})
    error = assert_error(await handle(protocol, call("picky", [1], id=1)), INVALID_PARAMS, 1)
    assert error["data"] == {"param": "x", "reason": "is wrong"}
    error = assert_error(await handle(protocol, call("custom", id=2)), -32050, 2)
    assert error == {"code": -32050, "message": "Custom", "data": {"why": "because"}}


async def test_protocol_passes_params_by_position_and_by_name():
    protocol = Protocol({"echo": echo})
    answer = await handle(protocol, call("echo", [1, "a"], id=1))
    assert answer["result"] == {"args": [1, "a"], "kwargs": {}}
    answer = await handle(protocol, call("echo", {"a": 1}, id=2))
    assert answer["result"] == {"args": [], "kwargs": {"a": 1}}
    answer = await handle(protocol, call("echo", id=3))
    assert answer["result"] == {"args": [], "kwargs": {}}


async def test_protocol_keeps_the_order_of_batch_answers():
    protocol = Protocol({"echo": echo})
    answers = await handle(protocol, [call("echo", [i], id=i) for i in range(50)])
    assert [a["id"] for a in answers] == list(range(50))
