"""OpenRPC discovery (`rpc.discover`): the methods' document, built from the declarations the
methods themselves bind their params with, so what is advertised is what is enforced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..constants import ERROR_MESSAGES
from . import params
from .params import Param

OPENRPC_VERSION = "1.3.2"
DISCOVER = "rpc.discover"


@dataclass(frozen=True)
class MethodDoc:
    """What discovery says of one method: its params come from the spec it binds with."""

    name: str
    summary: str
    params: Sequence[Param]
    result_name: str
    result: Mapping[str, Any]
    errors: Sequence[int] = field(default_factory=tuple)
    description: str = ""


def document(title: str, version: str, methods: Sequence[MethodDoc], *,
             description: str = "") -> dict[str, Any]:
    """Return the OpenRPC document of `methods` (rpc.discover itself is not listed in it, as
    the specification asks)."""
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    return {
        "openrpc": OPENRPC_VERSION,
        "info": info,
        "methods": [_method(method) for method in methods],
    }


def _method(method: MethodDoc) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": method.name,
        "summary": method.summary,
        # Params are bound by name (as Spectrum documents) or by position: both are accepted.
        "paramStructure": "either",
        "params": [_param(param) for param in method.params],
        "result": {"name": method.result_name, "schema": dict(method.result)},
        "errors": [_error(code) for code in method.errors],
    }
    if method.description:
        doc["description"] = method.description
    return doc


def _param(param: Param) -> dict[str, Any]:
    schema = params.schema(param.check)
    if not param.required:  # null for an optional param means "not sent"
        schema = {"oneOf": [schema, {"type": "null"}]}
    return {"name": param.name, "required": param.required, "schema": schema}


def _error(code: int) -> dict[str, Any]:
    return {"code": code, "message": ERROR_MESSAGES[code]}
