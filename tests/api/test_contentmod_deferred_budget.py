"""contentmod's `options.defer` and the large-body budget, over real HTTP: a deferred request is
answered at once, but its text stays in memory while the deferred analysis runs, so the body's
share of the budget is held until that analysis ends (finished or failed), not given back with the
immediate answer. Measured on the budget's own accounting (`ByteBudget.used`); the analysis is
held in flight by a listener of the analyzer (each analysed text is told to the listeners)."""

from __future__ import annotations

import asyncio
import io

import orjson
from aiohttp import web

from spectrum_rpc.body import LARGE_BODY
from spectrum_rpc.resources import ANALYZER, BODIES

WAIT = 30.0  # a bound on waiting for the server, never an assertion on time


async def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition(), what


async def receiver(aiohttp_server) -> tuple[list[bytes], str]:  # type: ignore[no-untyped-def]
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/cb", handle)
    server = await aiohttp_server(app)
    return bodies, f"http://127.0.0.1:{server.port}/cb"


class Gate:
    """A listener of the analyzer that holds each analysis until `open` is set (or fails it)."""

    def __init__(self, fail: bool = False) -> None:
        self.heard = 0
        self.open = asyncio.Event()
        self.fail = fail

    def __call__(self, event: object) -> asyncio.Future[None]:
        self.heard += 1
        return asyncio.ensure_future(self._wait())

    async def _wait(self) -> None:
        await self.open.wait()
        if self.fail:
            raise RuntimeError("the analysis failed")


async def post_deferred(api, url: str) -> tuple[int, dict, int]:  # type: ignore[no-untyped-def]
    # Large by a field contentmod ignores: the answer (sent to the callback) stays small.
    data = orjson.dumps({"text": "you are an idiot", "pad": "x" * LARGE_BODY,
                         "options": {"defer": True, "callbackUrl": url}})
    assert len(data) >= LARGE_BODY  # a large body: counted in the budget
    headers = {"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"}
    async with api.http.post("/text", data=io.BytesIO(data), headers=headers) as response:
        return response.status, await response.json(), len(data)


async def test_a_deferred_request_holds_its_budget_until_its_analysis_finishes(
        make_client, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    budget = api.http.app[BODIES].budget
    gate = Gate()
    api.http.app[ANALYZER].listeners.append(gate)
    bodies, url = await receiver(aiohttp_server)
    try:
        status, first, size = await post_deferred(api, url)
        # Answered while the analysis is held: the text is still in memory, and counted.
        assert status == 200 and first["deferred"] is True
        await until(lambda: gate.heard == 1, "the deferred analysis never started")
        assert budget.used == budget.charge(size)
    finally:
        gate.open.set()
    await until(lambda: len(bodies) == 1, "the deferred answer never reached the callback")
    assert orjson.loads(bodies[0])["id"] == first["id"]
    await until(lambda: budget.used == 0, "the budget was never given back")


async def test_a_failed_deferred_analysis_gives_its_budget_back(make_client, aiohttp_server):
    api = await make_client(webhooks={"allow_private_addresses": True})
    budget = api.http.app[BODIES].budget
    gate = Gate(fail=True)
    api.http.app[ANALYZER].listeners.append(gate)
    bodies, url = await receiver(aiohttp_server)
    status, _, size = await post_deferred(api, url)
    assert status == 200
    await until(lambda: gate.heard == 1, "the deferred analysis never started")
    assert budget.used == budget.charge(size)
    gate.open.set()
    await until(lambda: budget.used == 0, "the budget was never given back")
    assert bodies == []  # failed: nothing was sent
