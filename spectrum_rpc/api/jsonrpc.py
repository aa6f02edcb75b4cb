"""JSON-RPC 2.0 protocol: parsing, per-element batch validation, dispatch, error objects.

Dispatch goes through jsonrpcserver (kept behind this module so it stays replaceable), but
validation is ours: jsonrpcserver 5 validates a batch as one document and answers one bad
element with a single error for the whole batch, which section 6 of the specification forbids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from jsonrpcserver import Success
from jsonrpcserver.async_dispatcher import call
from jsonrpcserver.dispatcher import create_request, to_response
from jsonrpcserver.exceptions import JsonRpcError
from jsonrpcserver.response import to_serializable_one
from jsonrpcserver.result import Left, MethodNotFoundResult
from jsonrpcserver.sentinels import NODATA, NOID

from ..constants import (
    DISK_FULL_REASON,
    DISK_FULL_RETRY_AFTER,
    ERROR_MESSAGES,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    SERVER_BUSY,
    STORE_DOWN_REASON,
    STORE_DOWN_RETRY_AFTER,
)
from ..store import StoreRefused, StoreUnavailable

log = logging.getLogger(__name__)

Method = Callable[..., Awaitable[Any]]
# The registry: jsonrpcserver's documented alternative to its global @method registry (a dict
# of name -> function passed to the dispatcher), so two apps in one process never share one.
Methods = Mapping[str, Method]
# Told of every request object answered or refused: (method, error code or 0, seconds). The
# method is one of the table's names or a placeholder (UNKNOWN, INVALID, NONE): never a
# client's own string, so a monitoring label cannot grow without bound.
Observer = Callable[[str, int, float], None]
UNKNOWN = "(unknown)"  # a method not in the table
INVALID = "(invalid)"  # not a valid request object
NONE = "(none)"  # the body as a whole was refused: not JSON, an empty or oversized batch

__all__ = ["Methods", "Observer", "RpcError", "Protocol", "error_object", "invalid_params",
           "refusal", "Success"]


class RpcError(JsonRpcError):
    """An error a method raises to answer with a JSON-RPC error object."""

    def __init__(self, code: int, message: str | None = None, data: Any = None):
        text = message or ERROR_MESSAGES.get(code, "Server error")
        super().__init__(code, text, NODATA if data is None else data)


def invalid_params(param: str, reason: str) -> RpcError:
    """Return the -32602 error naming the offending parameter."""
    return RpcError(
        INVALID_PARAMS, f"Invalid params: '{param}' {reason}", {"param": param, "reason": reason}
    )


def error_object(code: int, message: str | None = None, data: Any = None, id: Any = None) -> dict:
    """Build a JSON-RPC error response object."""
    error: dict[str, Any] = {"code": code, "message": message or ERROR_MESSAGES[code]}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": id}


# Fragment: an integer beyond 64 bits, kept verbatim (see _exact).
_ID_TYPES = (str, int, float, orjson.Fragment)


def _request_problem(obj: Any) -> str | None:
    """Return why obj is not a valid Request object (section 4), or None if it is."""
    if not isinstance(obj, dict):
        return "a request must be an object"
    if obj.get("jsonrpc") != "2.0":
        return "'jsonrpc' must be exactly \"2.0\""
    method = obj.get("method")
    if not isinstance(method, str):
        return "'method' must be a string"
    if "params" in obj and not isinstance(obj["params"], (list, dict)):
        return "'params' must be an array or an object"
    if "id" in obj:
        rid = obj["id"]
        if isinstance(rid, bool) or not (rid is None or isinstance(rid, _ID_TYPES)):
            return "'id' must be a string, a number or null"
    return None


class Protocol:
    """Turn a request body into a response body (or None: nothing to send back)."""

    def __init__(
        self,
        methods: Methods,
        *,
        max_batch: int = 1000,
        concurrency: int = 32,
        observe: Observer | None = None,
    ):
        self.methods = {name: _guarded(name, fn) for name, fn in methods.items()}
        self.max_batch = max_batch
        self.concurrency = concurrency
        self.observe = observe

    async def handle(self, body: bytes, context: Any) -> bytes | None:
        """Parse, validate and dispatch one HTTP body; return the response body or None."""
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            if self.observe is not None:
                self.observe(NONE, PARSE_ERROR, 0.0)
            return _dump(error_object(PARSE_ERROR, data="the body is not valid JSON"))
        if _has_float_id(document):
            document = _exact(body)
        if isinstance(document, list):
            return await self._batch(document, context)
        refusals: list[tuple[str, dict]] = []
        response = await self._one(document, context, refusals)
        if refusals:
            _log_refusals(refusals, context)
        return None if response is None else _dump(response)

    async def _batch(self, batch: list[Any], context: Any) -> bytes | None:
        if not batch or len(batch) > self.max_batch:
            if self.observe is not None:
                self.observe(NONE, INVALID_REQUEST, 0.0)
            if not batch:
                return _dump(error_object(INVALID_REQUEST, data="the batch is empty"))
            reason = f"the batch has {len(batch)} elements; the maximum is {self.max_batch}"
            return _dump(error_object(INVALID_REQUEST, data=reason))
        responses: list[dict | None] = [None] * len(batch)
        pending = iter(enumerate(batch))
        refusals: list[tuple[str, dict]] = []

        # A fixed pool of workers rather than a task per element: bounded concurrency
        # without paying for a thousand tasks on a thousand-element batch.
        async def worker() -> None:
            for index, element in pending:
                responses[index] = await self._one(element, context, refusals)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(batch)))))
        if refusals:
            _log_refusals(refusals, context)
        answered = [r for r in responses if r is not None]
        return _dump(answered) if answered else None

    async def _one(self, request: Any, context: Any,
                   refusals: list[tuple[str, dict]]) -> dict | None:
        """Answer one element; a notification that fails goes to `refusals` (method and
        error) for the caller to log once per HTTP request."""
        started = time.perf_counter() if self.observe is not None else 0.0
        problem = _request_problem(request)
        if problem is not None:
            if self.observe is not None:
                self.observe(INVALID, INVALID_REQUEST, 0.0)
            return error_object(INVALID_REQUEST, data=problem)
        # Already parsed and validated: go straight to jsonrpcserver's per-request call (its
        # document-level entry point would validate the batch as a whole again, and bind the
        # params to the signature, which our methods do themselves with better errors).
        parsed = create_request(request)
        method = self.methods.get(parsed.method)
        if method is None:
            result = Left(MethodNotFoundResult(parsed.method))
        else:
            result = await call(parsed, context, method)
        if parsed.id is not NOID:
            answer = to_serializable_one(to_response(parsed, result))
        elif isinstance(result, Left):
            # jsonrpcserver makes no response for a notification: ask for one with a null
            # id, only to read the error that the log line reports.
            error = to_serializable_one(to_response(parsed._replace(id=None), result))["error"]
            refusals.append((parsed.method, error))
            answer = None
        else:
            answer = error = None
        if self.observe is not None:
            if answer is not None:
                error = answer.get("error")
            self.observe(parsed.method if method is not None else UNKNOWN,
                         error["code"] if error else 0, time.perf_counter() - started)
        return answer


def _log_refusals(refusals: list[tuple[str, dict]], context: Any) -> None:
    """Log the notifications of one HTTP request that failed: the specification forbids
    answering them, so the log is the only place where an operator can see that, say, a
    moderator's correction was not stored. One line however many there are (a batch of a
    thousand bad ones must not write a thousand lines): their number and a count per code
    when more than one, and the first one's method, code and message (a -32602 message names
    the parameter and why), never the params' values, which may hold user text. Method and
    message are repr'd and cut: they hold the client's own strings, and a newline in them must
    not forge a log line."""
    method, error = refusals[0]
    first = (method, error["code"], error["message"], getattr(context, "request_id", None))
    if len(refusals) == 1:
        log.warning("notification %.40r refused: %d %.160r (request_id=%s)", *first)
        return
    codes = Counter(e["code"] for _, e in refusals)
    log.warning("%d notifications in a batch refused (%s); the first: %.40r %d %.160r "
                "(request_id=%s)", len(refusals),
                ", ".join(f"{code}: {n}" for code, n in sorted(codes.items())), *first)


def _has_float_id(document: Any) -> bool:
    """True if a request id may be an integer beyond 64 bits, which orjson reads as a float
    (an id such as 1.5 is not: it is echoed as parsed)."""
    if isinstance(document, dict):
        return _beyond_64_bits(document.get("id"))
    if isinstance(document, list):
        return any(isinstance(e, dict) and _beyond_64_bits(e.get("id")) for e in document)
    return False


def _beyond_64_bits(rid: Any) -> bool:
    return type(rid) is float and rid.is_integer() and abs(rid) >= 2**63


def _big_int(token: str) -> int | orjson.Fragment:
    value = int(token)
    return value if -(2**63) <= value < 2**64 else orjson.Fragment(token.encode())


def _exact(body: bytes) -> Any:
    """Parse again keeping integers beyond 64 bits exact, so an id such as 2**64 is echoed as
    sent (the specification asks for the same value) rather than as 1.8446744073709552e+19.

    They become orjson Fragments, written back verbatim; a parameter holding one is not a
    number to our validators, so only ids and pass-through meta carry them. Rare: called only
    when an id came out of orjson as a float with an integral value of 2**63 or more. Integers
    beyond a double's range (about 1e308) never get here: orjson refuses the body (-32700).
    """
    try:
        return json.loads(body, parse_int=_big_int)
    except (ValueError, RecursionError):
        # The stdlib parser recurses and gives up nesting earlier than orjson (about 990
        # levels against 1023): keep orjson's reading, id rounded, rather than fail.
        return orjson.loads(body)


def _guarded(name: str, method: Method) -> Method:
    """Wrap a method so unexpected failures answer -32603 without leaking their text."""

    # Positional-only: a JSON-RPC param named "context" lands in kwargs (and is refused by the
    # method as unknown) instead of colliding with the argument, which jsonrpcserver turned
    # into a -32603 quoting the TypeError.
    async def wrapper(context: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(context, *args, **kwargs)
        except JsonRpcError:
            raise
        except StoreRefused as refused:  # the store logs it, once a minute: not per request
            raise RpcError(SERVER_BUSY, data=refusal(refused)[0]) from None
        except Exception:
            request_id = getattr(context, "request_id", None)
            log.exception("method %s failed (request_id=%s)", name, request_id)
            raise RpcError(INTERNAL_ERROR, data={"requestId": request_id}) from None

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


def refusal(refused: StoreRefused) -> tuple[str, int]:
    """Return what to tell a client whose request the store refused: the reason, and the
    seconds to send as Retry-After."""
    if isinstance(refused, StoreUnavailable):
        return STORE_DOWN_REASON, STORE_DOWN_RETRY_AFTER
    return DISK_FULL_REASON, DISK_FULL_RETRY_AFTER


def _dump(obj: Any) -> bytes:
    return orjson.dumps(obj)
