#!/usr/bin/python3
"""Checks that files memgen wrote load in PyTorch/NumPy with the exact values.

tests/fixtures/io/written_by_memgen.safetensors is written by the C writer
(tests/test_safetensors.c, interop_collection(); MEMGEN_REGEN_FIXTURES=1
rewrites it) and the test suite checks it still equals what memgen writes.
This script loads it the way safetensors.torch.load_file does (no
`safetensors` package here): it applies the reference reader's checks
(header <= 100 MB, UTF-8 JSON starting with '{', tensors tile the data
section in offset order, sizes match), builds torch tensors with
torch.frombuffer, and compares them bit for bit with the expected values.
It also checks the bytes equal what save_file would write for the same
tensors (dev/make_io_fixtures.py st_image mirrors it).

Optionally pass .npy files memgen wrote to check they load with numpy.load.

Run from the repository root:  /usr/bin/python3 dev/check_safetensors_interop.py [x.npy ...]
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_io_fixtures import st_image, tensor_bytes, TORCH_ST  # noqa: E402

PATH = os.path.join("tests", "fixtures", "io", "written_by_memgen.safetensors")
DT = {"F32": torch.float32, "F64": torch.float64, "U8": torch.uint8, "I32": torch.int32,
      "I64": torch.int64, "F16": torch.float16, "BF16": torch.bfloat16}
SIZE = {"F32": 4, "F64": 8, "U8": 1, "I32": 4, "I64": 8, "F16": 2, "BF16": 2}


def load_file(path):
    """safetensors.torch.load_file, with the reference implementation's checks."""
    buf = open(path, "rb").read()
    assert len(buf) >= 8, "header too small"
    (n,) = struct.unpack("<Q", buf[:8])
    assert n <= 100_000_000 and 8 + n <= len(buf), "invalid header length"
    text = buf[8:8 + n].decode("utf-8")
    assert text.startswith("{"), "header does not start with '{'"
    header = json.loads(text)
    meta = header.pop("__metadata__", None)
    data = buf[8 + n:]
    start = 0
    out = {}
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        b, e = info["data_offsets"]
        assert b == start and e >= b, f"invalid offset for {name}"
        numel = int(np.prod(info["shape"], dtype=np.int64)) if info["shape"] else 1
        assert e - b == numel * SIZE[info["dtype"]], f"size mismatch for {name}"
        # Data of every tensor is aligned to its element size in the file.
        assert (8 + n + b) % SIZE[info["dtype"]] == 0, f"{name} is misaligned"
        raw = bytearray(data[b:e])
        t = torch.frombuffer(raw, dtype=DT[info["dtype"]]) if raw else torch.empty(0, dtype=DT[info["dtype"]])
        out[name] = t.reshape(info["shape"])
        start = e
    assert start == len(data), "metadata incomplete buffer"
    return out, meta


def expected():
    i = torch.arange(12, dtype=torch.float64)
    bits16 = lambda v: torch.tensor(v, dtype=torch.int32).to(torch.int16)  # noqa: E731
    return {
        "W1": ((i - 5) * 0.125).to(torch.float32).reshape(3, 4),
        "W2": (i * i / 7).to(torch.float32).reshape(3, 4),
        "b": 1.0 / (torch.arange(4, dtype=torch.float64) + 1),
        "idx": torch.tensor([-2**40, 0, 2**53 + 1], dtype=torch.int64),
        "k": torch.tensor([-7, 2147483647], dtype=torch.int32),
        "u": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "h": torch.tensor([1.0, -2.5, 65504.0, 2.0**-24, float("inf")], dtype=torch.float16),
        "bf": bits16([0x3f80, 0xc020 - 0x10000, 0x7f7f]).view(torch.bfloat16),
        "scalar": torch.tensor(42.5, dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
    }, {"memgen_version": "0.1.0", "sigma": "0.10000000000000001",
        "note": "unicode \u00e9 \u2713 and \"quotes\"\n"}


def same(a, b):
    """Bitwise equality of two tensors (dtype, shape, bytes)."""
    return a.dtype == b.dtype and a.shape == b.shape and tensor_bytes(a) == tensor_bytes(b)


def main():
    got, meta = load_file(PATH)
    want, want_meta = expected()
    assert sorted(got) == sorted(want), (sorted(got), sorted(want))
    for k in want:
        assert same(got[k], want[k]), f"{k}: got {got[k]} want {want[k]}"
        print(f"  {k:7s} {str(got[k].dtype):15s} {tuple(got[k].shape)}  ok")
    assert meta == want_meta, (meta, want_meta)
    print(f"  metadata {meta} ok")
    entries = {k: (TORCH_ST[t.dtype], list(t.shape), tensor_bytes(t)) for k, t in want.items()}
    ref = st_image(entries, want_meta)
    assert open(PATH, "rb").read() == ref, "bytes differ from what save_file writes"
    print(f"{PATH}: loads in torch {torch.__version__} with exact values; bytes equal save_file's")
    for p in sys.argv[1:]:
        a = np.load(p)
        print(f"{p}: numpy.load ok: {a.dtype} {a.shape}")


if __name__ == "__main__":
    main()
