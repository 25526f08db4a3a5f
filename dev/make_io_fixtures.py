#!/usr/bin/python3
"""Writes the .npy and .safetensors fixtures of tests/test_npy.c and
tests/test_safetensors.c into tests/fixtures/io/, with NumPy (np.save,
np.lib.format.write_array) and PyTorch tensors.

There is no `safetensors` package here, so save_st() mirrors what
safetensors.torch.save_file emits (safetensors/src/tensor.rs `prepare`):
tensors laid out by descending dtype alignment rank, then by name; compact
JSON (serde_json) with "__metadata__" first; header padded with spaces to a
multiple of 8; u64 LE header length. Metadata keys are written sorted (the
reference uses a HashMap, so its order is arbitrary).

Values follow simple formulas that the C tests recompute; the few special
values (float16/bfloat16 edge cases, int extremes) are listed in the tests.

Run from the repository root:  /usr/bin/python3 dev/make_io_fixtures.py
"""
import io
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join("tests", "fixtures", "io")

# safetensors dtype names and their rank in the reference Dtype enum order.
ST_RANK = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
           "I32", "U32", "F32", "F64", "I64", "U64"]
TORCH_ST = {torch.float32: "F32", torch.float64: "F64", torch.uint8: "U8", torch.int32: "I32",
            torch.int64: "I64", torch.float16: "F16", torch.bfloat16: "BF16", torch.bool: "BOOL",
            torch.int8: "I8", torch.int16: "I16"}


def npy(name, arr, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, arr)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, np.asanyarray(arr), version=version)


def tensor_bytes(t):
    """Raw little-endian bytes of a torch tensor (bfloat16 via its bits)."""
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def st_image(entries, metadata=None):
    """entries: name -> (dtype string, shape list, raw bytes). Returns the file
    bytes exactly as safetensors.torch.save_file would write them."""
    order = sorted(entries, key=lambda n: (-ST_RANK.index(entries[n][0]), n))
    header = {}
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    off = 0
    for n in order:
        dt, shape, raw = entries[n]
        header[n] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(entries[n][2] for n in order)


def save_st(name, tensors, metadata=None):
    entries = {k: (TORCH_ST[t.dtype], list(t.shape), tensor_bytes(t)) for k, t in tensors.items()}
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(st_image(entries, metadata))


def npy_fixtures():
    f4 = (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)
    npy("f4_2x3.npy", f4)
    npy("f8_5.npy", (np.arange(5, dtype=np.float64) - 2) / 3)
    npy("u1_2x4.npy", (np.arange(8) * 30).astype(np.uint8).reshape(2, 4))
    npy("i4_3x2.npy", ((np.arange(6) - 3) * 100000).astype(np.int32).reshape(3, 2))
    npy("i8_4.npy", np.array([-2**40, 0, 7, 2**62], dtype=np.int64))
    npy("f2_6.npy", np.array([0, 1, -2.5, 65504, 2**-24, np.inf], dtype=np.float16))
    npy("v2_f4_3.npy", np.arange(3, dtype=np.float32), version=(2, 0))
    npy("v3_f4_3.npy", np.arange(3, dtype=np.float32), version=(3, 0))
    fo = np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))
    npy("fortran_f8_3x4.npy", fo)
    npy("be_fortran_f8_2x3.npy", np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3)))
    npy("fortran_f4_2x3x2.npy", np.asfortranarray(np.zeros((2, 3, 2), np.float32)))
    npy("scalar_f8.npy", np.float64(3.25))
    npy("empty_f4_0x5.npy", np.zeros((0, 5), dtype=np.float32))
    npy("f4_2x3x4.npy", (np.arange(24, dtype=np.float32) * 0.25).reshape(2, 3, 4))
    npy("i4_2x1x3x2.npy", (np.arange(12) - 6).astype(np.int32).reshape(2, 1, 3, 2))
    npy("be_f4_2x3.npy", f4.astype(">f4"))
    npy("be_i8_3.npy", np.array([-5, 2**33, 12], dtype=">i8"))
    npy("b1_4.npy", np.array([True, False, False, True]))
    npy("i1_4.npy", np.array([-128, -1, 0, 127], dtype=np.int8))
    npy("i2_3.npy", np.array([-32768, 5, 32767], dtype=np.int16))
    npy("u2_3.npy", np.array([0, 1, 65535], dtype=np.uint16))
    npy("u4_2.npy", np.array([0, 4294967295], dtype=np.uint32))
    npy("c8_2.npy", np.zeros(2, dtype=np.complex64))
    npy("u8_2.npy", np.zeros(2, dtype=np.uint64))
    npy("struct_2.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    # A larger matrix for stats in `memgen info`: 0..99 as (10, 10) float32.
    npy("f4_10x10.npy", np.arange(100, dtype=np.float32).reshape(10, 10))
    # NaN and Inf for `memgen info` counts.
    npy("f4_nan_inf.npy", np.array([1, np.nan, -np.inf, 3, np.inf], dtype=np.float32))


def st_fixtures():
    tensors = {
        "W1": (torch.arange(12, dtype=torch.float32) * 0.1).reshape(4, 3),
        "W2": -torch.arange(12, dtype=torch.float32).reshape(4, 3),
        "bias": (torch.arange(3, dtype=torch.float64) - 1) / 7,
        "steps": torch.tensor([-1, 2**40], dtype=torch.int64),
        "counts": (torch.arange(4, dtype=torch.int32) - 2).reshape(2, 2),
        "mask": (torch.arange(5) * 50).to(torch.uint8),
        "h": torch.tensor([1, -0.5, 65504, 2**-24], dtype=torch.float16),
        "bf": torch.tensor([1, -2.5, 3.0e38], dtype=torch.bfloat16),
        "scalar": torch.tensor(7.5, dtype=torch.float32),
        "empty": torch.zeros((0, 4), dtype=torch.float32),
    }
    meta = {"sigma": "0.5", "note": "tab\there \"quoted\" back\\slash é\n", "n": "1000"}
    save_st("model.safetensors", tensors, meta)

    # Same content, written differently: header in a scrambled order with
    # spaces and newlines, metadata last, data section in reverse name order.
    entries = {k: (TORCH_ST[t.dtype], list(t.shape), tensor_bytes(t)) for k, t in tensors.items()}
    order = sorted(entries, reverse=True)
    header, off = {}, 0
    for n in order:
        dt, shape, raw = entries[n]
        header[n] = {"data_offsets": [off, off + len(raw)], "shape": shape, "dtype": dt}
        off += len(raw)
    scrambled = {}
    for n in ["steps", "W1", "empty", "bf", "scalar", "mask", "W2", "h", "bias", "counts"]:
        scrambled[n] = header[n]
    scrambled["__metadata__"] = meta
    text = json.dumps(scrambled, indent=2, ensure_ascii=False).encode("utf-8") + b"\n  "
    with open(os.path.join(OUT, "unordered.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(entries[n][2] for n in order))

    # Dtypes memgen widens on read.
    save_st("widen.safetensors", {
        "b": torch.tensor([True, False, True]),
        "i8": torch.tensor([-3, 100], dtype=torch.int8),
        "i16": torch.tensor([-30000, 7], dtype=torch.int16),
    })
    with open(os.path.join(OUT, "u16_u32.safetensors"), "wb") as f:
        f.write(st_image({"u16": ("U16", [2], np.array([1, 65535], "<u2").tobytes()),
                          "u32": ("U32", [2], np.array([0, 4294967295], "<u4").tobytes())}))
    # An 8-bit float tensor memgen refuses (torch 1.13 has no float8: raw bytes).
    with open(os.path.join(OUT, "f8_e4m3.safetensors"), "wb") as f:
        f.write(st_image({"x": ("F8_E4M3", [4], bytes([0x38, 0x40, 0xb8, 0x00])),
                          "y": ("F32", [1], np.array([1.0], "<f4").tobytes())}))
    # A small single-tensor file for the truncation loop.
    save_st("small.safetensors", {"a": torch.tensor([1.0, 2.0], dtype=torch.float32)}, {"k": "v"})


def main():
    os.makedirs(OUT, exist_ok=True)
    npy_fixtures()
    st_fixtures()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()
