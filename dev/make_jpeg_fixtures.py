#!/usr/bin/python3
"""Writes the JPEG fixtures of tests/test_jpeg.c into tests/fixtures/jpeg/.

Each <name>.jpg is encoded by Pillow (libjpeg) from a known image <name>.src
(raw h*w*c bytes: smooth gradients with a few edges, so that JPEG's error
stays small), then decoded with PIL the way torchvision datasets load images:
Image.open(f).convert("RGB") -> <name>.rgb and .convert("L") -> <name>.l (raw
bytes). memgen's reader must give PIL's bytes (the same libjpeg decoder, within
1 for another libjpeg build) and stay within JPEG's tolerance of the source.
Also: a progressive JPEG, a truncated one and a file that only starts like one.

Run from the repository root: /usr/bin/python3 dev/make_jpeg_fixtures.py
"""
import io
import os

import numpy as np
from PIL import Image

OUT = "tests/fixtures/jpeg"


def source(h, w, channels):
    """A smooth test image with one sharp-edged square (uint8, h x w x channels)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 40 + 170 * x / (w - 1)
    g = 30 + 180 * y / (h - 1)
    b = 128 + 60 * np.sin(x / 5.0) * np.cos(y / 7.0)
    img = np.stack([r, g, b], axis=-1)
    img[h // 4:h // 2, w // 4:w // 2] = (220, 40, 90)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if channels == 1:
        img = img[:, :, 1:2]
    return img


def write(name, img, **save):
    """Saves img as <name>.jpg with Pillow and PIL's decodings beside it."""
    mode = "L" if img.shape[2] == 1 else "RGB"
    buf = io.BytesIO()
    Image.fromarray(img[:, :, 0] if mode == "L" else img, mode).save(buf, "JPEG", **save)
    data = buf.getvalue()
    with open(os.path.join(OUT, name + ".jpg"), "wb") as f:
        f.write(data)
    with open(os.path.join(OUT, name + ".src"), "wb") as f:
        f.write(img.tobytes())
    im = Image.open(io.BytesIO(data))
    with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
        f.write(np.asarray(im.convert("RGB")).tobytes())
    with open(os.path.join(OUT, name + ".l"), "wb") as f:
        f.write(np.asarray(im.convert("L")).tobytes())
    return data


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = write("rgb", source(24, 32, 3), quality=95)          # 4:2:0 chroma, as cameras and CelebA
    write("rgb444", source(24, 32, 3), quality=95, subsampling=0)
    write("gray", source(20, 18, 1), quality=95)
    write("progressive", source(24, 32, 3), quality=90, progressive=True)
    with open(os.path.join(OUT, "truncated.jpg"), "wb") as f:
        f.write(rgb[:len(rgb) // 2])
    with open(os.path.join(OUT, "notjpeg.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + b"this is not a JPEG stream" * 4)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
