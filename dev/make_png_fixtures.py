#!/usr/bin/env python3
"""Writes the PNG fixtures of tests/test_png.c into tests/fixtures/png/.

Each <name>.png is encoded by hand below (every color type and bit depth,
palettes with and without tRNS, alpha, 16-bit, Adam7 interlacing), and decoded
with PIL (Pillow) the way torchvision datasets load images:
Image.open(f).convert("RGB") -> <name>.rgb (raw h*w*3 bytes) and
Image.open(f).convert("L") -> <name>.l (raw h*w bytes). memgen's PNG reader
must reproduce those bytes exactly. 16-bit grayscale is the exception: PIL
opens it as a 32-bit integer image whose conversions clip instead of taking
the high byte, so for it the expected output is the high byte (written here
from the samples directly).

Run from the repository root: /usr/bin/python3 dev/make_png_fixtures.py
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = "tests/fixtures/png"
RNG = np.random.default_rng(20240607)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(tag, data):
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_rows(samples, depth):
    """samples: (h, w*channels) ints -> list of packed row bytes (filter byte 0 prepended)."""
    rows = []
    for r in samples:
        if depth == 16:
            b = b"".join(struct.pack(">H", int(v)) for v in r)
        elif depth == 8:
            b = bytes(int(v) for v in r)
        else:
            per = 8 // depth
            out = bytearray((len(r) + per - 1) // per)
            for i, v in enumerate(r):
                out[i // per] |= int(v) << (8 - depth * (i % per + 1))
            b = bytes(out)
        rows.append(b"\x00" + b)
    return rows


def encode(samples, ctype, depth, plte=None, trns=None, interlace=False):
    """PNG bytes for samples of shape (h, w, channels)."""
    h, w, c = samples.shape
    raw = b""
    if not interlace:
        raw = b"".join(pack_rows(samples.reshape(h, w * c), depth))
    else:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx, :]
            if sub.size == 0:
                continue
            raw += b"".join(pack_rows(sub.reshape(sub.shape[0], sub.shape[1] * c), depth))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0))
    if plte is not None:
        png += chunk(b"PLTE", bytes(np.asarray(plte, np.uint8).ravel()))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    return png


def save(name, png, expect_rgb=None, expect_l=None):
    with open(os.path.join(OUT, name + ".png"), "wb") as f:
        f.write(png)
    im = Image.open(io.BytesIO(png))
    rgb = np.asarray(im.convert("RGB"), np.uint8) if expect_rgb is None else expect_rgb
    im = Image.open(io.BytesIO(png))
    lum = np.asarray(im.convert("L"), np.uint8) if expect_l is None else expect_l
    with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
        f.write(rgb.tobytes())
    with open(os.path.join(OUT, name + ".l"), "wb") as f:
        f.write(lum.tobytes())


def main():
    os.makedirs(OUT, exist_ok=True)
    H, W = 7, 5  # odd sizes exercise partial bytes and every Adam7 pass
    save("gray8", encode(RNG.integers(0, 256, (H, W, 1)), 0, 8))
    save("rgb8", encode(RNG.integers(0, 256, (H, W, 3)), 2, 8))
    save("rgb8_interlaced", encode(RNG.integers(0, 256, (9, 11, 3)), 2, 8, interlace=True))
    save("rgba8", encode(RNG.integers(0, 256, (H, W, 4)), 6, 8))
    save("graya8", encode(RNG.integers(0, 256, (H, W, 2)), 4, 8))
    save("rgb16", encode(RNG.integers(0, 65536, (H, W, 3)), 2, 16))
    save("rgba16_interlaced", encode(RNG.integers(0, 65536, (H, W, 4)), 6, 16, interlace=True))
    for d in (1, 2, 4):
        save(f"gray{d}", encode(RNG.integers(0, 1 << d, (H, W, 1)), 0, d))
        plte = RNG.integers(0, 256, (1 << d, 3))
        save(f"pal{d}", encode(RNG.integers(0, 1 << d, (H, W, 1)), 3, d, plte=plte))
    plte = RNG.integers(0, 256, (200, 3))
    save("pal8_trns", encode(RNG.integers(0, 200, (H, W, 1)), 3, 8, plte=plte, trns=bytes(range(0, 200, 2))))
    save("gray8_trns", encode(RNG.integers(0, 256, (H, W, 1)), 0, 8, trns=struct.pack(">H", 7)))
    g16 = RNG.integers(0, 65536, (H, W, 1))
    hi = (g16 >> 8).astype(np.uint8)
    save("gray16", encode(g16, 0, 16), expect_rgb=np.repeat(hi, 3, axis=2), expect_l=hi[:, :, 0])


if __name__ == "__main__":
    main()
