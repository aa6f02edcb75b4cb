"""A TCP way to the tests' PostgreSQL server (which listens on a Unix socket only): a relay on
127.0.0.1 that copies bytes both ways, and can cut a connection at its next COMMIT, the
server's answer lost (it committed, the client cannot know) or the COMMIT itself lost (the
server rolls back)."""

from __future__ import annotations

import asyncio

from tests.helpers.postgres import DATABASE_USER, PostgresServer

# asyncpg commits with a simple query: 'Q', its length, then this.
_COMMIT = b"COMMIT;\x00"


class Relay:
    """Relay TCP connections on 127.0.0.1 to `server`'s Unix socket; use `async with`."""

    def __init__(self, server: PostgresServer):
        self._unix_path = str(server.socket_dir / f".s.PGSQL.{server.port}")
        self._tasks: set[asyncio.Task[None]] = set()
        self._cut: str | None = None  # "answer" or "commit": what the next COMMIT loses
        self.commits_cut = 0
        self.port = 0

    def url(self, database_url: str) -> str:
        """Return the URL of a database of the server (as its own URL names it) over TCP."""
        database = database_url.split("?")[0].rsplit("/", 1)[1]
        return f"postgresql://{DATABASE_USER}@127.0.0.1:{self.port}/{database}"

    def lose_next_commit(self, what: str) -> None:
        """Cut the connection that sends the next COMMIT: once the server has it ("answer":
        it commits, its acknowledgement never comes back), or before ("commit")."""
        assert what in ("answer", "commit")
        self._cut = what

    async def __aenter__(self) -> Relay:
        self._listener = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._listener.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._listener.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._listener.wait_closed()

    async def _relay(self, client_in: asyncio.StreamReader,
                     client_out: asyncio.StreamWriter) -> None:  # fmt: skip
        server_in, server_out = await asyncio.open_unix_connection(self._unix_path)
        cut = asyncio.Event()  # set: nothing more passes either way
        for task in (self._to_server(client_in, server_out, client_out, cut),
                     self._to_client(server_in, client_out, cut)):  # fmt: skip
            self._tasks.add(asyncio.create_task(task))

    async def _to_server(self, source: asyncio.StreamReader, server: asyncio.StreamWriter,
                         client: asyncio.StreamWriter, cut: asyncio.Event) -> None:  # fmt: skip
        try:
            while data := await source.read(65536):
                if self._cut is not None and _COMMIT in data:
                    what, self._cut = self._cut, None
                    cut.set()  # before the server can answer: its answer is dropped
                    if what == "answer":
                        server.write(data)
                        await server.drain()
                    self.commits_cut += 1
                    break
                server.write(data)
                await server.drain()
        except ConnectionError:
            pass
        finally:
            client.close()
            server.close()

    async def _to_client(self, source: asyncio.StreamReader, client: asyncio.StreamWriter,
                         cut: asyncio.Event) -> None:  # fmt: skip
        try:
            while (data := await source.read(65536)) and not cut.is_set():
                client.write(data)
                await client.drain()
        except ConnectionError:
            pass
        finally:
            client.close()
