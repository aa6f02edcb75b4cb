"""rpc.discover: an OpenRPC document of the Spectrum methods, over real HTTP.

No PyPI package ships the OpenRPC meta-schema (openrpc, fastapi-openrpc and jsonrpc-py were
looked at: none carries the JSON), so the document is validated with jsonschema against the
parts of the meta-schema this test states below (the document's top level, methods, content
descriptors, errors, components.errors), written from the OpenRPC 1.3 specification. Then each
advertised param schema is checked against what the server really accepts and refuses.
"""

from __future__ import annotations

import jsonschema
import pytest

from spectrum_rpc import __version__
from spectrum_rpc.constants import (
    DOCUMENTED_META_FIELDS,
    ERROR_MESSAGES,
    INVALID_PARAMS,
    MAX_TEXT_BYTES,
)
from spectrum_rpc.labels import FEEDBACK_LABELS

_NAME = {"type": "string", "minLength": 1}
_SCHEMA = {"type": ["object", "boolean"]}
_CONTENT_DESCRIPTOR = {
    "type": "object",
    "required": ["name", "schema"],
    "properties": {
        "name": _NAME,
        "summary": {"type": "string"},
        "description": {"type": "string"},
        "required": {"type": "boolean"},
        "schema": _SCHEMA,
        "deprecated": {"type": "boolean"},
    },
    "patternProperties": {"^x-": True},
    "additionalProperties": False,
}
_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "data": True},
    "additionalProperties": False,
}
# The parts of the OpenRPC 1.x meta-schema that this document uses, stated here.
META_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["openrpc", "info", "methods"],
    "properties": {
        "openrpc": {"type": "string", "pattern": r"^1\.\d+\.\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "version": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "servers": {
            "type": "array",
            "items": {"type": "object", "required": ["url"],
                      "properties": {"name": {"type": "string"}, "url": {"type": "string"}}},
        },
        "methods": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "params"],
                "properties": {
                    "name": _NAME,
                    "summary": {"type": "string"},
                    "description": {"type": "string"},
                    "paramStructure": {"enum": ["by-name", "by-position", "either"]},
                    "params": {"type": "array", "items": _CONTENT_DESCRIPTOR},
                    "result": _CONTENT_DESCRIPTOR,
                    "errors": {"type": "array", "items": _ERROR},
                },
                "additionalProperties": False,
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "object",
                    "patternProperties": {r"^[a-zA-Z0-9\.\-_]+$": _ERROR},
                    "additionalProperties": False,
                },
            },
        },
    },
    "patternProperties": {"^x-": True},
    "additionalProperties": False,
}


async def discover(app_client, rpc, params=None):  # type: ignore[no-untyped-def]
    request = {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1}
    if params is not None:
        request["params"] = params
    reply = await rpc(app_client, request)
    assert reply.status == 200
    return reply.json


@pytest.fixture
async def document(app_client, rpc):  # type: ignore[no-untyped-def]
    return (await discover(app_client, rpc))["result"]


def method(document, name):  # type: ignore[no-untyped-def]
    (found,) = [m for m in document["methods"] if m["name"] == name]
    return found


def param_schema(document, method_name, param):  # type: ignore[no-untyped-def]
    (found,) = [p for p in method(document, method_name)["params"] if p["name"] == param]
    return found


async def test_the_document_is_valid_openrpc(document) -> None:  # type: ignore[no-untyped-def]
    jsonschema.Draft202012Validator.check_schema(META_SCHEMA)
    jsonschema.validate(document, META_SCHEMA, cls=jsonschema.Draft202012Validator)
    # Every schema inside it is itself a valid JSON Schema.
    for m in document["methods"]:
        for descriptor in [*m["params"], m["result"]]:
            jsonschema.Draft202012Validator.check_schema(descriptor["schema"])


async def test_it_names_the_version_methods_and_error_codes(document) -> None:  # type: ignore[no-untyped-def]
    assert document["info"]["version"] == __version__
    assert [m["name"] for m in document["methods"]] == [
        "classifyText", "recordUserClassification", "moderateText"]
    codes = {e["code"] for e in document["components"]["errors"].values()}
    assert codes == set(ERROR_MESSAGES)
    for m in document["methods"]:
        assert INVALID_PARAMS in {e["code"] for e in m["errors"]}
        for error in m["errors"]:
            assert error["message"] == ERROR_MESSAGES[error["code"]]


async def test_params_are_those_the_methods_bind(document) -> None:  # type: ignore[no-untyped-def]
    def names(name: str) -> list[tuple[str, bool]]:
        return [(p["name"], p["required"]) for p in method(document, name)["params"]]

    assert names("classifyText") == [("text", True), ("meta", False)]
    assert names("recordUserClassification") == [
        ("content", True), ("shouldBlock", True), ("meta", False), ("labels", False)]
    assert names("moderateText") == [("text", True), ("options", False), ("meta", False)]
    text = param_schema(document, "classifyText", "text")["schema"]
    assert text["type"] == "string" and text["maxLength"] == MAX_TEXT_BYTES
    meta = param_schema(document, "classifyText", "meta")["schema"]["oneOf"][0]
    assert set(meta["properties"]) == set(DOCUMENTED_META_FIELDS)
    labels = param_schema(document, "recordUserClassification", "labels")["schema"]["oneOf"][0]
    assert set(labels["properties"]) == set(FEEDBACK_LABELS)
    assert labels["additionalProperties"] is False


# Values the advertised schemas accept must be accepted by the server, and the ones they refuse
# refused with -32602: the document and the validation agree.
CLASSIFY_CASES = [
    ({"text": "hello"}, True),
    ({"text": ""}, True),
    ({"text": "hello", "meta": {"authorId": "1", "extra": [1, {"x": None}]}}, True),
    ({"text": "hello", "meta": None}, True),
    ({"text": 5}, False),
    ({"text": None}, False),
    ({"text": "hello", "meta": {"authorId": 1}}, False),
    ({"text": "hello", "meta": "x"}, False),
]
MODERATE_CASES = [
    ({"text": "call me at 555-0100"}, True),
    ({"text": "x", "options": {"detect": ["labels"], "bannedWords": ["foo"]}}, True),
    ({"text": "x", "options": {"detect": ["pii"], "modes": {"pii": "PARANOID"}}}, True),
    ({"text": "x", "options": {"expectedLanguage": "en"}}, True),
    ({"text": "x", "options": {"detect": ["nonsense"]}}, False),
    ({"text": "x", "options": {"modes": {"pii": "LAX"}}}, False),
    ({"text": "x", "options": {"modes": {"labels": "NORMAL"}}}, False),
    ({"text": "x", "options": {"bannedWords": ["   "]}}, False),
    ({"text": "x", "options": {"bannedWords": ["w" * 101]}}, False),
    ({"text": "x", "options": {"detectt": ["pii"]}}, False),
]
FEEDBACK_CASES = [
    ({"content": "x", "shouldBlock": True}, True),
    ({"content": "x", "shouldBlock": False, "labels": {"toxic": True, "threat": False}}, True),
    ({"content": "x", "shouldBlock": "true"}, False),
    ({"content": "x", "shouldBlock": True, "labels": {"toxic": 1}}, False),
    ({"content": "x", "shouldBlock": True, "labels": {"nonsense": True}}, False),
]


def _params_schema(document, name):  # type: ignore[no-untyped-def]
    descriptors = method(document, name)["params"]
    return {
        "type": "object",
        "properties": {p["name"]: p["schema"] for p in descriptors},
        "required": [p["name"] for p in descriptors if p["required"]],
        "additionalProperties": False,
    }


async def test_the_schemas_agree_with_the_server(app_client, rpc, document) -> None:  # type: ignore[no-untyped-def]
    cases = [("classifyText", *case) for case in CLASSIFY_CASES]
    cases += [("recordUserClassification", *case) for case in FEEDBACK_CASES]
    cases += [("moderateText", *case) for case in MODERATE_CASES]
    for name, params, valid in cases:
        schema = _params_schema(document, name)
        assert jsonschema.Draft202012Validator(schema).is_valid(params) is valid, params
        request = {"jsonrpc": "2.0", "method": name, "params": params, "id": 7}
        answer = (await rpc(app_client, request)).json
        if valid:
            jsonschema.validate(answer["result"], method(document, name)["result"]["schema"])
        else:
            assert answer["error"]["code"] == INVALID_PARAMS, (params, answer)


async def test_discover_takes_no_params(app_client, rpc) -> None:  # type: ignore[no-untyped-def]
    answer = await discover(app_client, rpc, params={"verbose": True})
    assert answer["error"]["code"] == INVALID_PARAMS


async def test_discover_needs_a_key(app_client, rpc) -> None:  # type: ignore[no-untyped-def]
    reply = await rpc(app_client, {"jsonrpc": "2.0", "method": "rpc.discover", "id": 1}, key=None)
    assert reply.status == 401
