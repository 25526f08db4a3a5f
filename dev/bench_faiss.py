#!/usr/bin/python3
"""FAISS baseline for bench/bench_nn.c: exact flat L2 search (IndexFlatL2,
k = 2) of the generated rows against the training rows, the search behind
memratio (Gu et al. 2023's ratio d(x, NN1) / d(x, NN2)). Reads the two float32
.npy files the C benchmark wrote, times index build + search once on
--threads OpenMP threads (OpenBLAS threads come from OPENBLAS_NUM_THREADS, set
by the caller to the same count), writes the indices (n x 2 int64) and
squared distances (n x 2 float32) as .npy, and prints "seconds <t>".
Prints "SKIPPED: ..." and exits 3 when faiss is missing.

usage: /usr/bin/python3 dev/bench_faiss.py --gen G.npy --train X.npy --threads 2 --out-idx I.npy --out-dist D.npy
"""
import argparse
import sys
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out-idx", required=True)
    ap.add_argument("--out-dist", required=True)
    a = ap.parse_args()
    try:
        import faiss
    except ImportError:
        print("SKIPPED: faiss is not installed (apt-get install python3-faiss)")
        return 3
    faiss.omp_set_num_threads(a.threads)
    gen = np.ascontiguousarray(np.load(a.gen), dtype=np.float32)
    train = np.ascontiguousarray(np.load(a.train), dtype=np.float32)
    t0 = time.perf_counter()
    index = faiss.IndexFlatL2(train.shape[1])
    index.add(train)
    dist, idx = index.search(gen, 2)
    t = time.perf_counter() - t0
    np.save(a.out_idx, idx.astype(np.int64))
    np.save(a.out_dist, dist.astype(np.float32))
    print("seconds %.6f" % t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
