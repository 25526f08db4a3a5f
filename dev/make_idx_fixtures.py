#!/usr/bin/env python3
"""Writes the small IDX fixtures of tests/test_idx.c into tests/fixtures/idx/.

Valid files: one per IDX data type, plain (.idx) and gzip (.idx.gz), with the
values listed in VALUES (tests/test_idx.c hardcodes the same numbers). Corrupt
files: bad magic, unknown type, zero or excessive rank, truncated header or
data, trailing bytes, gzip truncated / with a bad CRC / with a header that
declares far more data than the file can hold.

Run from the repository root: /usr/bin/python3 dev/make_idx_fixtures.py
"""
import gzip
import os
import struct

import numpy as np

OUT = "tests/fixtures/idx"

# type code -> (big-endian numpy dtype, shape, values)
VALUES = {
    0x08: (">u1", (2, 3, 4), [(i * 37 + 11) % 256 for i in range(24)]),
    0x09: (">i1", (5,), [-128, -1, 0, 1, 127]),
    0x0B: (">i2", (2, 3), [-32768, -1, 0, 1, 32767, 1234]),
    0x0C: (">i4", (4,), [-2147483648, -1, 0, 2147483647]),
    0x0D: (">f4", (2, 2), [1.5, -2.25, 3.4028234663852886e38, 1e-40]),
    0x0E: (">f8", (3,), [3.141592653589793, -0.0, 1e-310]),
}
NAMES = {0x08: "u8", 0x09: "i8", 0x0B: "i16", 0x0C: "i32", 0x0D: "f32", 0x0E: "f64"}


def idx_bytes(code, shape, data):
    """Serialises one IDX file: magic, big-endian uint32 sizes, big-endian data."""
    head = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape)
    return head + data


def gz(b):
    """Deterministic gzip (mtime 0)."""
    return gzip.compress(b, compresslevel=9, mtime=0)


def write(name, b):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b)


def main():
    os.makedirs(OUT, exist_ok=True)
    for code, (dt, shape, vals) in VALUES.items():
        arr = np.array(vals, dtype=dt).reshape(shape)
        b = idx_bytes(code, shape, arr.tobytes())
        write(NAMES[code] + ".idx", b)
        write(NAMES[code] + ".idx.gz", gz(b))

    u8 = idx_bytes(0x08, (2, 3, 4), bytes(VALUES[0x08][2]))
    write("bad_magic.idx", b"\x01\x00" + u8[2:])
    write("bad_type.idx", u8[:2] + b"\x07" + u8[3:])
    write("rank0.idx", bytes([0, 0, 8, 0]))
    write("rank9.idx", bytes([0, 0, 8, 9]) + b"\x00\x00\x00\x01" * 9 + b"\x05")
    write("short_header.idx", u8[:9])
    write("truncated.idx", u8[:-1])
    write("trailing.idx", u8 + b"\x00")
    # 2^16 x 2^16 x 2^16 bytes: overflows any sane cap.
    write("huge_header.idx", bytes([0, 0, 8, 3]) + struct.pack(">III", 65536, 65536, 65536))
    gzb = gz(u8)
    write("truncated.idx.gz", gzb[:-12])
    bad = bytearray(gzb)
    bad[-8] ^= 0xFF  # CRC32 of the trailer
    write("badcrc.idx.gz", bytes(bad))
    write("trailing.idx.gz", gz(u8 + b"\x07"))
    write("garbage_after.idx.gz", gzb + b"junk")
    # Header says 100000 x 1000 bytes (100 MB) but the file is tiny.
    write("bomb_header.idx.gz", gz(bytes([0, 0, 8, 2]) + struct.pack(">II", 100000, 1000) + b"\x00" * 64))
    write("header_only.idx.gz", gz(u8[:3]))


if __name__ == "__main__":
    main()
