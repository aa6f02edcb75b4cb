"""JSON-RPC parameter validation (params.py): binding by position and by name, the text limit in
UTF-8 bytes, meta and labels, bounded nesting; each refusal names its parameter."""

from __future__ import annotations

from typing import Any

import pytest

from spectrum_rpc.api import params
from spectrum_rpc.api.jsonrpc import RpcError
from spectrum_rpc.api.params import Param
from spectrum_rpc.constants import INVALID_PARAMS, MAX_TEXT_BYTES
from spectrum_rpc.labels import FEEDBACK_LABELS
from tests.helpers.http import nested

SPEC = (Param("a", params.text), Param("b", params.boolean, required=False))


def rejected(fn, *args: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with pytest.raises(RpcError) as info:
        fn(*args)
    assert info.value.code == INVALID_PARAMS
    return info.value.data


def test_bind_by_position_and_by_name():
    assert params.bind(SPEC, ("x", True), {}) == {"a": "x", "b": True}
    assert params.bind(SPEC, (), {"b": False, "a": "x"}) == {"a": "x", "b": False}
    assert params.bind(SPEC, ("x",), {}) == {"a": "x"}  # optional and absent: left out
    assert params.bind(SPEC, ("x", None), {}) == {"a": "x"}  # null for an optional: absent
    assert params.bind(SPEC, (), {"a": "x", "b": None}) == {"a": "x"}


def test_bind_names_the_bad_param():
    assert rejected(params.bind, SPEC, (), {})["param"] == "a"
    assert rejected(params.bind, SPEC, ("x", True, 1), {})["param"] == "params[2]"
    assert rejected(params.bind, SPEC, (), {"a": "x", "c": 1})["param"] == "c"
    assert rejected(params.bind, SPEC, (), {"a": "x", "b": "true"})["param"] == "b"


def test_text_limit_counts_utf8_bytes():
    assert params.text("t", "") == ""
    assert params.text("t", "a" * MAX_TEXT_BYTES) == "a" * MAX_TEXT_BYTES
    assert rejected(params.text, "t", "a" * (MAX_TEXT_BYTES + 1))["param"] == "t"
    # Half as many characters, but two bytes each: over the limit.
    assert rejected(params.text, "t", "é" * (MAX_TEXT_BYTES // 2 + 1))["param"] == "t"
    # A lone surrogate (legal in JSON) must not crash the byte count.
    assert params.text("t", "\ud800") == "\ud800"


def test_meta_checks_documented_fields_only():
    value = {"authorId": "1", "remoteCreatedAt": 1509570919000, "avatarUrl": None}
    assert params.meta("meta", value) == value
    assert rejected(params.meta, "meta", {"streamId": 5})["param"] == "meta.streamId"
    assert rejected(params.meta, "meta", [])["param"] == "meta"


def test_labels_known_names_and_booleans():
    check = params.labels(FEEDBACK_LABELS)
    assert check("labels", {"toxic": True, "threat": False}) == {"toxic": True, "threat": False}
    assert rejected(check, "labels", {"toxic": 1})["param"] == "labels.toxic"
    assert rejected(check, "labels", {"bogus": True})["param"] == "labels.bogus"


def test_meta_nesting_is_bounded():
    deepest = nested(params.MAX_META_DEPTH)
    assert params.meta("meta", deepest) is deepest
    assert rejected(params.meta, "meta", nested(params.MAX_META_DEPTH + 1))["param"] == "meta"
    # Lists count as levels too, wherever they sit among the values.
    lists: Any = 1
    for _ in range(params.MAX_META_DEPTH):
        lists = [0, lists]
    assert rejected(params.meta, "meta", {"flat": "x", "deep": lists})["param"] == "meta"
    flat = {"authorId": "1", "remoteCreatedAt": 1509570919000, "extra": [1, {"b": None}]}
    assert params.meta("meta", flat) is flat
