"""Image test helpers: images made with Pillow (a photo-like JPEG, an animated GIF, a
decompression bomb, a truncated file...), a real aiohttp server on loopback serving them, and a
resolver that maps test names to loopback (a stand-in for a public name)."""

from __future__ import annotations

import asyncio
import io
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractResolver
from PIL import Image, ImageDraw

# A photograph of a person (US Navy, public domain) that matplotlib ships as sample data.
GRACE_HOPPER = "mpl-data/sample_data/grace_hopper.jpg"


def jpeg(size: tuple[int, int] = (640, 480),
         colour: tuple[int, int, int] = (90, 140, 200)) -> bytes:
    """Return a JPEG of a gradient with shapes (photo-like enough to decode and score)."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for i in range(0, size[0], 40):
        draw.ellipse((i, i // 2, i + 60, i // 2 + 60), fill=(i % 255, 120, 255 - i % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def png(size: tuple[int, int], mode: str = "L") -> bytes:
    """Return a PNG of one colour: a few kilobytes whatever its size (a bomb when large)."""
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", optimize=True)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims width x height (Pillow's own bomb limit)."""
    data = bytearray(png((1, 1)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr:ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:ihdr + 13]))
    data[ihdr + 13:ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


def gif(frames: int = 12, size: tuple[int, int] = (120, 90)) -> bytes:
    """Return an animated GIF whose frames differ (a square moving across)."""
    images = []
    for i in range(frames):
        image = Image.new("RGB", size, (30, 30, 30))
        ImageDraw.Draw(image).rectangle((i * 8 % 90, 20, i * 8 % 90 + 30, 60),
                                        fill=(200, 60, i * 10 % 256))
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=50, loop=0)
    return out.getvalue()


def grace_hopper() -> bytes | None:
    """Return matplotlib's sample photograph, or None without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return None
    path = Path(matplotlib.__file__).parent / GRACE_HOPPER
    return path.read_bytes() if path.is_file() else None


@dataclass
class ImageServer:
    """A real HTTP server on 127.0.0.1 serving images and misbehaving on purpose."""

    url: str = ""
    port: int = 0
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    hang: asyncio.Event = field(default_factory=asyncio.Event)
    hits: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits.append(name)
        if name in self.redirects:
            raise web.HTTPFound(self.redirects[name])
        if name == "hang":
            await self.hang.wait()
        if name == "stream":  # no Content-Length: bytes until the client stops reading
            response = web.StreamResponse()
            await response.prepare(request)
            for _ in range(64):
                await response.write(b"\0" * 65536)
            return response
        if name not in self.files:
            raise web.HTTPNotFound()
        body, content_type = self.files[name]
        return web.Response(body=body, content_type=content_type)


@asynccontextmanager
async def image_server() -> AsyncIterator[ImageServer]:
    """Start an ImageServer with the usual files; stop it afterwards."""
    server = ImageServer()
    photo = jpeg()
    server.files.update({
        "photo.jpg": (photo, "image/jpeg"),
        "photo-as-text": (photo, "text/plain"),  # sniffed from the bytes, not the header
        "anim.gif": (gif(), "image/gif"),
        "bomb.png": (png((6000, 6000)), "image/png"),
        "claims-huge.png": (png_claiming(30000, 30000), "image/png"),
        "truncated.jpg": (photo[: len(photo) // 2], "image/jpeg"),
        "page.html": (b"<!doctype html><title>not an image</title>", "image/png"),
        "big.jpg": (b"\xff\xd8" + b"\0" * (3 * 1024 * 1024), "image/jpeg"),
    })
    hopper = grace_hopper()
    if hopper is not None:
        server.files["hopper.jpg"] = (hopper, "image/jpeg")
    app = web.Application()
    app.router.add_get("/{name}", server.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{server.port}"
    try:
        yield server
    finally:
        server.hang.set()
        await runner.cleanup()


class LoopbackResolver(AbstractResolver):
    """Resolve every name to 127.0.0.1: a test's stand-in for a public name."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list:  # type: ignore[override]
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None
