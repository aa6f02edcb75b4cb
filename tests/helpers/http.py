"""Building JSON-RPC requests for the tests: payloads, nested values, the API key header."""

from __future__ import annotations

from typing import Any

CLASSIFY = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hello"}, "id": 1}


def call(method: str, params: Any, id: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params, "id": id}


def classify(text: str, **extra: Any) -> dict[str, Any]:
    return call("classifyText", {"text": text, **extra})


def record(content: str, id: int = 1) -> dict:
    params = {"content": content, "shouldBlock": True}
    return {"jsonrpc": "2.0", "method": "recordUserClassification", "params": params, "id": id}


def nested(depth: int, leaf: Any = 1) -> Any:
    """An object `depth` levels deep: {"a": {"a": ... leaf}}."""
    for _ in range(depth):
        leaf = {"a": leaf}
    return leaf


def auth(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Apikey {api.key}"}
