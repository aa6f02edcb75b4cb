"""Walk a GIF's blocks without decoding a pixel: its frame count and the canvas its frames need.

Pillow's GIF reader grows the image when a later frame reaches past the logical screen (and
decodes every frame before the one sought): a 16 x 16 GIF with a 13000 x 13000 second frame
(1.5 MB of LZW) took 2 GB and 6 s to decode while `image.size` still said 16 x 16. So the
limits are checked on the largest extent of any frame, read here, before Pillow decodes.
"""

from __future__ import annotations

import struct

_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_SCREEN = struct.Struct("<HH")
_DESCRIPTOR = struct.Struct("<HHHHB")


def canvas(data: bytes) -> tuple[int, tuple[int, int]]:
    """Return the frame count and the largest width and height any frame reaches (the logical
    screen included), reading the blocks as Pillow does (an unknown byte is skipped, a
    truncated file ends the walk)."""
    width, height = _SCREEN.unpack_from(data, 6)
    offset = 13 + _colour_table(data[10])
    frames = 0
    while offset < len(data) and data[offset] != _TRAILER:
        tag, offset = data[offset], offset + 1
        if tag == _EXTENSION:
            offset = _sub_blocks(data, offset + 1)
        elif tag == _IMAGE:
            if offset + _DESCRIPTOR.size > len(data):
                break
            left, top, wide, high, flags = _DESCRIPTOR.unpack_from(data, offset)
            width, height = max(width, left + wide), max(height, top + high)
            frames += 1
            offset = _sub_blocks(data, offset + _DESCRIPTOR.size + _colour_table(flags) + 1)
    return frames, (width, height)


def _colour_table(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _sub_blocks(data: bytes, offset: int) -> int:
    """Return the offset after a chain of sub-blocks (each a length byte, 0 ends it)."""
    while offset < len(data) and data[offset]:
        offset += data[offset] + 1
    return offset + 1
