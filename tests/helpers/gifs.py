"""GIFs written byte by byte: a small logical screen with larger frames after it (what Pillow
grows the image for), in valid LZW that stays tiny however many pixels it stands for."""

from __future__ import annotations

import struct

_PALETTE = bytes(range(256)) * 3
_WIDTH = 9  # bits per code: the cycles below never grow the code table past 9 bits
_CYCLE = 240  # codes per cycle after a clear (the table stays under 512 entries)


def lzw_zeros(count: int) -> bytes:
    """Return the image data (min code size 8, sub-blocks) of `count` pixels of colour 0: each
    cycle is a clear, then codes for runs of 1, 2, 3... pixels (each new code is the one just
    defined, which every GIF decoder reads as the previous run plus one pixel)."""
    codes, left = [], count
    while left:
        codes += [256, 0]
        left -= 1
        run, code = 1, 258
        while left and code < 258 + _CYCLE:
            run = min(run + 1, left)
            codes.append(0 if run == 1 else 258 + run - 2)
            left -= run
            code += 1
    codes.append(257)
    data, bits, held = bytearray(), 0, 0  # codes packed least significant bit first
    for code in codes:
        bits, held = bits | code << held, held + _WIDTH
        while held >= 8:
            data.append(bits & 0xFF)
            bits, held = bits >> 8, held - 8
    data += bytes([bits]) if held else b""
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                      for i in range(0, len(data), 255))
    return b"\x08" + blocks + b"\x00"


def frame(width: int, height: int, left: int = 0, top: int = 0) -> bytes:
    """Return one frame (a graphic control extension and an image) of colour 0."""
    return (b"\x21\xf9\x04\x00\x05\x00\x00\x00" + b"\x2c"
            + struct.pack("<HHHHB", left, top, width, height, 0) + lzw_zeros(width * height))


def gif(screen: tuple[int, int], *frames: bytes, junk: bytes = b"") -> bytes:
    """Return a GIF of these frames on a logical screen of `screen` (global palette); `junk`
    goes between the frames (bytes Pillow skips one by one)."""
    head = b"GIF89a" + struct.pack("<HHBBB", *screen, 0xF7, 0, 0) + _PALETTE
    return head + junk.join(frames) + b"\x3b"
