"""JSON-RPC payloads and an API key header, for the HTTP tests of the app and of request bodies."""

from __future__ import annotations

CLASSIFY = {"jsonrpc": "2.0", "method": "classifyText", "params": {"text": "hello"}, "id": 1}


def record(content: str, id: int = 1) -> dict:
    params = {"content": content, "shouldBlock": True}
    return {"jsonrpc": "2.0", "method": "recordUserClassification", "params": params, "id": id}


def auth(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Apikey {api.key}"}
