"""hnswlib's answers for the embedded HNSW recall test (hnsw_real_test.go).

    python hnswlib_knn.py DIR M EF_CONSTRUCTION THREADS K EF[,EF...]

Reads DIR/base.fvecs and DIR/query.fvecs (unit-norm rows: cosine as inner
product), builds hnswlib with THREADS threads and writes the top-K ids per
query for each ef to DIR/hnswlib_ef<EF>.ivecs; the Go side scores them
exactly as it scores its own answers.
"""
import sys
import time

import hnswlib
import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)


def write_ivecs(path, rows):
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.int32)
    out[:, 0] = rows.shape[1]
    out[:, 1:] = rows
    out.tofile(path)


def main():
    d, m, efc, threads, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    efs = [int(x) for x in sys.argv[6].split(",")]
    xb = read_vecs(f"{d}/base.fvecs", np.float32)
    xq = read_vecs(f"{d}/query.fvecs", np.float32)
    p = hnswlib.Index(space="ip", dim=xb.shape[1])
    p.init_index(max_elements=len(xb), ef_construction=efc, M=m, random_seed=100)
    p.set_num_threads(threads)
    t0 = time.perf_counter()
    p.add_items(xb, np.arange(len(xb)))
    print(f"hnswlib {hnswlib.__version__ if hasattr(hnswlib, '__version__') else ''} build {time.perf_counter() - t0:.2f}s "
          f"({len(xb)}x{xb.shape[1]}, M={m}, efConstruction={efc}, {threads} threads)", file=sys.stderr)
    p.set_num_threads(1)
    for ef in efs:
        p.set_ef(max(ef, k))
        ids, _ = p.knn_query(xq, k=k, num_threads=1)
        write_ivecs(f"{d}/hnswlib_ef{ef}.ivecs", ids)


if __name__ == "__main__":
    main()
