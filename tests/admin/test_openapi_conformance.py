"""The admin OpenAPI document agrees with the server (issue 15, item 10).

schemathesis reads the LIVE document of a real server (the app on a real port, in a thread of
its own) and sends generated requests, valid and invalid, to every operation with an admin's
session cookie and X-CSRF-Token header, as the admin UI does. Every answer must be documented
(status code, content type, body schema), no answer may be a 5xx, and a request the document
calls invalid must be refused with a 4xx. Bounded: a fixed number of examples per operation
and generation mode.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
requests = pytest.importorskip("requests")

from aiohttp import web  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.config import ChecksConfig  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from spectrum_rpc.admin.api import PREFIX  # noqa: E402
from spectrum_rpc.admin.openapi import document  # noqa: E402
from spectrum_rpc.admin.sessions import CSRF_HEADER  # noqa: E402
from spectrum_rpc.admin.users import create_user  # noqa: E402
from spectrum_rpc.app import create_app  # noqa: E402
from spectrum_rpc.resources import STORE  # noqa: E402
from spectrum_rpc.settings import load_settings  # noqa: E402
from tests.helpers.serve import free_port  # noqa: E402

pytestmark = [
    pytest.mark.slow,  # 15-40 s: ~50 operation-and-mode pairs of generated requests
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

# Per operation and mode (~30 operations, up to three modes); ADMIN_OPENAPI_EXAMPLES=150 for a
# longer search (passes too, in about two and a half minutes).
EXAMPLES = int(os.environ.get("ADMIN_OPENAPI_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
PASSWORD = "correct horse battery staple"


class LiveServer:
    """The real app on a free loopback port, served from a thread with its own event loop."""

    def __init__(self, tmp: Path) -> None:
        self.settings = load_settings(environ={}, overrides={
            "store": {"path": str(tmp / "db.sqlite"), "synchronous": "NORMAL"},
            "engine": {"processes": False},
            # Generated webhooks on private addresses are refused; test events fail fast.
            "webhooks": {"timeout": 1},
        })
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    async def _start(self) -> None:
        self.app = create_app(self.settings)
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        await create_user(self.app[STORE], "alice", PASSWORD)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        self.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def logged_in(base: str) -> requests.Session:
    """Log in through the login form as a browser does; send the CSRF header on every call."""
    session = requests.Session()
    page = session.get(f"{base}/admin/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    session.post(f"{base}/admin/login", timeout=10, allow_redirects=False,
                 data={"csrf_token": token, "name": "alice", "password": PASSWORD})
    me = session.get(f"{base}{PREFIX}/me", timeout=10)
    assert me.status_code == 200, me.text
    session.headers[CSRF_HEADER] = me.json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, requests.Session]]:
    with LiveServer(tmp_path_factory.mktemp("openapi")) as server:
        session = logged_in(server.url)
        yield server, session
        session.close()


@pytest.fixture(scope="module")
def schema(live):  # type: ignore[no-untyped-def]
    server, session = live
    loaded = schemathesis.openapi.from_url(f"{server.url}{PREFIX}/openapi.json", timeout=10)
    loaded.config.update(base_url=f"{server.url}{PREFIX}")
    # The session sends the cookie and the CSRF header: schemathesis does not vary them (a
    # separate test below checks what an answer without them is).
    loaded.config.generation.update(with_security_parameters=False)
    # A body over the admin API's limit is refused with 413 before it is read: a rejection
    # too, which schemathesis's default list for invalid data leaves out (a generated list
    # past `maxItems` can be that large).
    loaded.config.checks = ChecksConfig.from_dict({"negative_data_rejection": {
        "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413", "415",
                              "422", "428", "429", "5xx"]}})
    return loaded


def _negatable(op: dict) -> bool:
    """Whether an operation takes anything a request could get wrong (a body, a query
    parameter, a path parameter narrower than any string)."""
    return "requestBody" in op or any(
        p["in"] == "query" or p["schema"] != {"type": "string"} for p in op["parameters"])


def _takes_more(op: dict) -> bool:
    """Whether an operation takes more than its path (a body or query parameters)."""
    return "requestBody" in op or any(p["in"] == "query" for p in op["parameters"])


def cases() -> list[tuple[str, str]]:
    """(operation, mode) for every operation of the document as the code has it. Modes:
    positive and negative (schemathesis generates the path too: mostly records that do not
    exist), and "invalid" (negative, on records that exist: the body and query are what is
    wrong, so that a refusal of the path cannot hide an accepted body)."""
    wanted = {"positive": lambda op: True, "negative": _negatable, "invalid": _takes_more}
    return [(f"{method.upper()} {path}", mode)
            for path, ops in document()["paths"].items() for method, op in ops.items()
            for mode, takes in wanted.items() if takes(op)]


@pytest.fixture(scope="module")
def records(live) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Path parameters that name existing records: a project, a webhook, a key, a row."""
    server, session = live
    base = f"{server.url}{PREFIX}"
    hook = session.post(f"{base}/projects/default/webhooks", timeout=10,
                        json={"url": "https://example.com/hook"})
    key = session.post(f"{base}/projects/default/keys", json={"name": "k"}, timeout=10)
    assert hook.status_code == key.status_code == 201, (hook.text, key.text)
    return {"project": "default", "id": hook.json()["id"], "key_id": key.json()["id"],
            "feedback_id": "1"}


@pytest.mark.parametrize(("operation", "mode"), cases())
def test_the_server_answers_as_documented(live, schema, records, operation: str, mode: str
                                          ) -> None:
    server, session = live
    method, path = operation.split(" ", 1)
    op = schema[path][method]
    if mode == "invalid":
        names = {p["name"] for p in document()["paths"][path][method.lower()]["parameters"]
                 if p["in"] == "path"}
        strategy = op.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE,
                                  path_parameters={n: records[n] for n in names})
    else:
        strategy = op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def exchange(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(session=session, checks=CHECKS,
                               base_url=f"{server.url}{PREFIX}", timeout=10)

    exchange()
