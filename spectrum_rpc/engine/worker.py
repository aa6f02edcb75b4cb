"""The engine in a child process: scoring runs on its own core, outside the server's GIL.

Featurisation is pure Python, so an engine thread inside the server takes the GIL from the
event loop for as long as it scores a batch; measured under load, that serialises the two and
costs more throughput than the scoring itself. A child process scores in parallel instead.

Parent and child talk over a socket pair in frames: a 4-byte big-endian length, then an orjson
document. The child first sends `{"version", "labels"}`; then each request frame is a list of
texts and each reply is the list of score rows (in `labels` order) or `{"error": name}`. The
child answers in order, so the parent matches replies to requests with a FIFO. The child
exits on end-of-file (the parent closed the socket, or died), ignores SIGINT and SIGTERM
(the parent drains in-flight work first), and is restarted by the parent if it dies.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from .. import gc_tuning
from ..tasks import cancel

log = logging.getLogger(__name__)

Scores = dict[str, float]
Done = Callable[[list[Scores] | None, BaseException | None], None]
HEADER = 4
# A frame can hold one 15 MB text (about 4x that as JSON escapes in the worst case).
MAX_FRAME = 256 * 1024 * 1024
RESTART_DELAY = 0.5
# Not `-m`: the package imports this module first, which runpy warns about.
_CHILD = "import sys; from spectrum_rpc.engine.worker import main; main(sys.argv[1:])"


class EngineCrashed(RuntimeError):
    """The engine process died before answering."""


def frame(document: object) -> bytes:
    """Serialise one frame."""
    body = orjson.dumps(document)
    return len(body).to_bytes(HEADER, "big") + body


def _texts_frame(texts: Sequence[str]) -> bytes:
    try:
        return frame(texts)
    except orjson.JSONEncodeError:
        # Lone surrogates cannot cross as UTF-8; the models never saw them anyway.
        return frame([t.encode("utf-8", "replace").decode("utf-8") for t in texts])


class _Channel(asyncio.Protocol):
    """Parent side of the socket: split the byte stream into frames."""

    def __init__(self, on_frame: Callable[[object], None],
                 on_lost: Callable[[BaseException | None], None]):
        self.on_frame = on_frame
        self.on_lost = on_lost
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= HEADER:
            size = int.from_bytes(buffer[:HEADER], "big")
            if size > MAX_FRAME:
                self.on_lost(EngineCrashed(f"engine process sent a {size}-byte frame"))
                if self.transport is not None:
                    self.transport.abort()
                return
            if len(buffer) < HEADER + size:
                return
            document = orjson.loads(bytes(buffer[HEADER:HEADER + size]))
            del buffer[:HEADER + size]
            self.on_frame(document)

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_lost(exc)


class EngineProcess:
    """A child process serving one model directory; `submit` batches, replies on the loop."""

    def __init__(self, model_dir: Path, version: str, name: str = "engine",
                 encoder: bool = True):
        self.model_dir = Path(model_dir)
        # False: the child switches the model's encoder tier off (`engine.encoder = false`).
        self.encoder = encoder
        self.version = version
        self.name = name
        self.labels: tuple[str, ...] = ()
        self.restarts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._channel: _Channel | None = None
        self._hello: asyncio.Future[object] | None = None
        # Sent and waiting for a reply, in order; and texts submitted while no child runs.
        self._waiting: collections.deque[Done] = collections.deque()
        self._backlog: list[tuple[bytes, Done]] = []
        self._restarting: asyncio.Task[None] | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self._closing = False

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Spawn the child and wait until it has loaded and verified the model."""
        loop = asyncio.get_running_loop()
        parent, child = socket.socketpair()
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _CHILD, "--fd", str(child.fileno()),
                "--version", self.version, *(() if self.encoder else ("--no-encoder",)),
                str(self.model_dir),
                pass_fds=(child.fileno(),), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._hello = loop.create_future()
        channel = _Channel(self._on_frame, self._on_lost)
        await loop.connect_accepted_socket(lambda: channel, sock=parent)
        hello = await self._hello
        if not isinstance(hello, dict) or "labels" not in hello:
            await self._reap()
            reason = hello.get("error") if isinstance(hello, dict) else hello
            raise EngineCrashed(f"the {self.name} process could not load {self.model_dir}: "
                                f"{reason}")
        self.labels = tuple(hello["labels"])
        self._lost.clear()
        self._channel = channel
        backlog, self._backlog = self._backlog, []
        for body, done in backlog:
            self._send(body, done)

    def submit(self, texts: Sequence[str], done: Done) -> None:
        """Score `texts` in the child; `done(results, error)` is called on the event loop."""
        if self._closing:
            done(None, EngineCrashed(f"the {self.name} process is closed"))
        elif self._channel is None:  # restarting: sent as soon as the new child is up
            self._backlog.append((_texts_frame(texts), done))
        else:
            self._send(_texts_frame(texts), done)

    def _send(self, body: bytes, done: Done) -> None:
        assert self._channel is not None and self._channel.transport is not None
        self._waiting.append(done)
        self._channel.transport.write(body)

    def _on_frame(self, document: object) -> None:
        if self._hello is not None and not self._hello.done():
            self._hello.set_result(document)
            return
        if not self._waiting:  # the hello of a start that was given up: nobody waits for it
            return
        done = self._waiting.popleft()
        if isinstance(document, dict):
            done(None, RuntimeError(f"engine failed: {document.get('error')}"))
            return
        labels = self.labels
        done([dict(zip(labels, row, strict=True)) for row in document], None)  # type: ignore[union-attr]

    def _on_lost(self, exc: BaseException | None) -> None:
        self._channel = None
        self._lost.set()
        if self._hello is not None and not self._hello.done():  # died while starting
            self._hello.set_result({"error": "the process exited while loading"})
            return
        error = EngineCrashed(f"the {self.name} process exited")
        while self._waiting:
            self._waiting.popleft()(None, error)
        if not self._closing and self._restarting is None:
            log.error("the %s process for model %s died (%r); restarting", self.name,
                      self.version, exc)
            self._restarting = asyncio.get_running_loop().create_task(self._restart())

    async def _restart(self) -> None:
        try:
            while not self._closing:
                await self._reap()
                await asyncio.sleep(RESTART_DELAY)
                self.restarts += 1
                try:
                    await self.start()
                    return
                except Exception as exc:
                    log.error("the %s process for model %s failed to restart: %s", self.name,
                              self.version, exc)
                    # Texts waiting for this child fail now rather than hang until it is back.
                    backlog, self._backlog = self._backlog, []
                    for _, done in backlog:
                        done(None, EngineCrashed(f"the {self.name} process is restarting"))
        finally:
            self._restarting = None

    async def close(self) -> None:
        """Let the child answer everything already sent, then stop it."""
        self._closing = True
        await cancel(self._restarting)
        backlog, self._backlog = self._backlog, []
        for _, done in backlog:
            done(None, EngineCrashed(f"the {self.name} process is closed"))
        if self._channel is not None and self._channel.transport is not None:
            self._channel.transport.write_eof()  # the child finishes its queue, then exits
            # Its replies are read until its end of the socket closes.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):  # not wait_for: it can swallow a cancel on 3.11
                    await self._lost.wait()
        await self._reap()

    async def _reap(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            async with asyncio.timeout(30):
                await process.wait()
        except TimeoutError:
            log.error("the %s process did not exit; killing it", self.name)
            process.kill()
            await process.wait()
        if self._channel is not None and self._channel.transport is not None:
            self._channel.transport.close()


# -- the child ----------------------------------------------------------------------------------


def _read_exactly(stream, n: int) -> bytes | None:  # type: ignore[no-untyped-def]
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def serve(sock: socket.socket, model_dir: Path, version: str, encoder: bool = True) -> None:
    """Load the engine (without its encoder tier unless `encoder`), then answer frames until
    end-of-file."""
    from .engine import load_engine  # here, so the parent never pays for it at import

    try:
        engine = load_engine(model_dir)
        if engine.version != version:
            raise ValueError(f"{model_dir} holds {engine.version}, not {version}")
        if not encoder:
            engine = engine.without_encoder()
        elif engine.encoder is not None:
            engine.encoder.load()
    except Exception as exc:
        sock.sendall(frame({"error": f"{type(exc).__name__}: {exc}"}))
        raise
    labels = engine.labels
    # The model is loaded for good: out of the collector's walks, so a full collection does
    # not stall a batch for tens of milliseconds.
    gc_tuning.settle()
    sock.sendall(frame({"version": engine.version, "labels": labels}))
    stream = sock.makefile("rb")
    while (header := _read_exactly(stream, HEADER)) is not None:
        body = _read_exactly(stream, int.from_bytes(header, "big"))
        if body is None:
            break
        try:
            rows = engine.score(orjson.loads(body))
            reply = frame(rows.tolist())
        except Exception as exc:  # reported to the waiting requests; the child carries on
            log.exception("engine batch failed")
            reply = frame({"error": type(exc).__name__})
        sock.sendall(reply)


def main(argv: list[str] | None = None) -> None:
    """Child entry point: `main(["--fd", N, "--version", V, DIR])`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--no-encoder", action="store_true")
    parser.add_argument("model_dir", type=Path)
    args = parser.parse_args(argv)
    # The parent decides when to stop: it drains in-flight requests, then closes the socket.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s "
                        "(engine process) %(message)s")
    with socket.socket(fileno=args.fd) as sock:
        serve(sock, args.model_dir, args.version, encoder=not args.no_encoder)

