"""What the PostgreSQL outage tests (a full tablespace, a server gone away) share: the app on
the test's own server, with a webhook to make analyses write, a counter of its metrics, and the
stop of a served process."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from aiohttp.test_utils import TestClient

from spectrum_rpc.auth import create_key
from spectrum_rpc.constants import DEFAULT_PROJECT
from spectrum_rpc.resources import STORE
from spectrum_rpc.store import Store
from spectrum_rpc.webhooks import management
from tests.helpers.admin import logged_in_client
from tests.helpers.serve import free_port

if TYPE_CHECKING:
    from tests.test_disk_full import Served


async def app_on_postgres(aiohttp_client: Any, tmp_path: Path,
                          url: str) -> tuple[TestClient, Store, SimpleNamespace]:
    """Return a logged-in admin client of the app on the PostgreSQL database at `url` (metrics
    on), its store, and what `send` takes: the HTTP client and a REST key of project "default".
    That project has a webhook: each analysis there stores an event (a write)."""
    client = await logged_in_client(aiohttp_client, tmp_path, store={"path": url},
                                    metrics={"enabled": True},
                                    webhooks={"allow_private_addresses": True,
                                              "poll_interval": 0.2},
                                    training={"model_root": str(tmp_path / "models")})
    store = client.app[STORE]
    assert store.db.dialect == "postgresql"
    await management.add_webhook(store, f"http://127.0.0.1:{free_port()}/",
                                 project=DEFAULT_PROJECT, allow_private_addresses=True)
    rest = SimpleNamespace(http=client, key=(await create_key(store, "rest", DEFAULT_PROJECT)).key)
    return client, store, rest


async def metric(client: TestClient, pattern: re.Pattern[str]) -> float:
    """Return the value `pattern`'s group 1 reads in the app's /metrics."""
    async with client.get("/metrics") as resp:
        assert resp.status == 200
        return float(pattern.search(await resp.text()).group(1))


def stop_served(server: Served) -> int:
    """Stop `server` as an operator does (SIGTERM) and return its exit status; kill it if it
    has not ended within a minute (or the stop itself failed)."""
    try:
        server.process.send_signal(signal.SIGTERM)
        return server.process.wait(timeout=60)
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=30)
