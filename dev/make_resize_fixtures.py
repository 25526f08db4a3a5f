#!/usr/bin/env python3
"""Writes the resampling fixtures of tests/test_data_image.c into
tests/fixtures/data/ (raw little-endian files, shapes listed in CASES and
hardcoded in the test).

For each synthetic uint8 image (HWC) <case>.in.u8 the references are:
  <case>.pil.u8    Pillow Image.resize((ow, oh), Image.BILINEAR), which is what
                   torchvision.transforms.Resize does to a PIL image;
  <case>.bil.f32   plain bilinear, half-pixel centers, clamped, no antialias,
                   computed in float64 NumPy below and checked against
                   torch.nn.functional.interpolate(mode="bilinear",
                   align_corners=False);
  <case>.area.f32  area averaging (NumPy below), checked against
                   torch.nn.functional.interpolate(mode="area").
Pipelines (full CelebA-style recipes, float32 outputs):
  celeba_exact.f32  Resize((32, 32)) -> Grayscale() -> ToTensor() -> x*2-1 on rgb_45x37;
  celeba_crop.f32   Resize(16) -> CenterCrop(16) -> Grayscale() -> ToTensor() -> x*2-1,
                    with torchvision's size and crop arithmetic written out below.

Run from the repository root: /usr/bin/python3 dev/make_resize_fixtures.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

OUT = "tests/fixtures/data"
RNG = np.random.default_rng(1234)

# name: (h, w, c, oh, ow)
CASES = {
    "up_28_32": (28, 28, 1, 32, 32),
    "down_7x5_3x4": (7, 5, 1, 3, 4),
    "up_13x9_32x32": (13, 9, 1, 32, 32),
    "rgb_45x37_8x8": (45, 37, 3, 8, 8),
    "mixed_10x30_20x7": (10, 30, 3, 20, 7),
    "down_int_12x12_4x4": (12, 12, 1, 4, 4),
}


def bilinear_ref(img, oh, ow):
    """float64 bilinear, align_corners=False, source coordinate clamped at 0."""
    h, w, c = img.shape
    def axis(n_in, n_out):
        s = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        s = np.maximum(s, 0.0)
        i0 = np.minimum(np.floor(s).astype(int), n_in - 1)
        i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
        return i0, i1, s - i0
    y0, y1, ly = axis(h, oh)
    x0, x1, lx = axis(w, ow)
    f = img.astype(np.float64)
    top = f[y0][:, x0] * (1 - lx)[None, :, None] + f[y0][:, x1] * lx[None, :, None]
    bot = f[y1][:, x0] * (1 - lx)[None, :, None] + f[y1][:, x1] * lx[None, :, None]
    return top * (1 - ly)[:, None, None] + bot * ly[:, None, None]


def area_ref(img, oh, ow):
    """float64 area averaging over [floor(i*in/out), ceil((i+1)*in/out))."""
    h, w, c = img.shape
    out = np.zeros((oh, ow, c))
    for i in range(oh):
        ys, ye = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            xs, xe = (j * w) // ow, -((-(j + 1) * w) // ow)
            out[i, j] = img[ys:ye, xs:xe].astype(np.float64).mean(axis=(0, 1))
    return out


def to_torch(img):
    return torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1)[None]


def pil_image(img):
    return Image.fromarray(img[:, :, 0] if img.shape[2] == 1 else img, "L" if img.shape[2] == 1 else "RGB")


def save(name, arr):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(np.ascontiguousarray(arr).tobytes())


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (h, w, c, oh, ow) in CASES.items():
        if name.startswith("up_28"):  # smooth + edges, like a Fashion-MNIST item
            yy, xx = np.mgrid[0:h, 0:w]
            img = ((np.sin(yy / 3.0) * np.cos(xx / 5.0) + 1) * 127.5).astype(np.uint8)[:, :, None]
            img[10:18, 10:18] = 255
        else:
            img = RNG.integers(0, 256, (h, w, c), dtype=np.uint8)
        save(name + ".in.u8", img)
        pil = np.asarray(pil_image(img).resize((ow, oh), Image.BILINEAR), np.uint8).reshape(oh, ow, c)
        save(name + ".pil.u8", pil)
        bil = bilinear_ref(img, oh, ow)
        tb = F.interpolate(to_torch(img), size=(oh, ow), mode="bilinear", align_corners=False)
        assert np.abs(tb[0].permute(1, 2, 0).numpy() - bil).max() < 1e-3, name
        save(name + ".bil.f32", bil.astype(np.float32))
        area = area_ref(img, oh, ow)
        ta = F.interpolate(to_torch(img), size=(oh, ow), mode="area")
        assert np.abs(ta[0].permute(1, 2, 0).numpy() - area).max() < 1e-3, name
        save(name + ".area.f32", area.astype(np.float32))

    # The authors' CelebA recipe on a small RGB image.
    src = np.fromfile(os.path.join(OUT, "rgb_45x37_8x8.in.u8"), np.uint8).reshape(45, 37, 3)
    im = Image.fromarray(src, "RGB").resize((32, 32), Image.BILINEAR).convert("L")
    x = torch.from_numpy(np.asarray(im, np.uint8).copy()).float().div(255) * 2 - 1
    save("celeba_exact.f32", x.numpy().astype(np.float32))
    # Resize(16): shorter side (w = 37) -> 16, long side int(16 * 45 / 37) = 19.
    h, w = 45, 37
    short, long_ = (w, h) if w <= h else (h, w)
    new_long = int(16 * long_ / short)
    nw, nh = (16, new_long) if w <= h else (new_long, 16)
    im = Image.fromarray(src, "RGB").resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - 16) / 2.0)), int(round((nw - 16) / 2.0))
    im = im.crop((left, top, left + 16, top + 16)).convert("L")
    x = torch.from_numpy(np.asarray(im, np.uint8).copy()).float().div(255) * 2 - 1
    save("celeba_crop.f32", x.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
