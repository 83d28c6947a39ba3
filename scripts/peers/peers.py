"""Peer side of `make peers`: builds faiss and hnswlib indexes over the files
the Go side wrote and prints one JSON object per measured configuration.

    python peers.py DIR [METRIC [PQ_M]]   # reads DIR/base.fvecs, DIR/query.fvecs, DIR/gt.ivecs

METRIC is l2 (default) or ip (cosine sets are stored normalised, so they are
searched as ip); PQ_M is IVF_PQ's number of sub-quantisers (default 16).

Builds use every core (as ours do); searches run single-threaded, one batch
of all queries per call, best of REPEATS runs (as ours do). Search QPS is
queries per second of the searching thread's CPU time (time.thread_time),
not of wall time: on a shared host wall time depends on the other load
more than on the code (the Go side counts its whole process's CPU time).
"""
import json
import sys
import time

import faiss
import hnswlib
import numpy as np

K = 10
REPEATS = 3
NLIST = 1024
NPROBES = (8, 32, 128)
PQ_NBITS = 8
HNSW_M, HNSW_EFC = 16, 200
EFS = (10, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512)
RECALL_TARGET = 0.95
ONE_BY_ONE = 200  # FLAT also searches this many queries one call each (nq=1)


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)


def recall(found, gt):
    hits = sum(len(set(f[:K].tolist()) & set(g[:K].tolist())) for f, g in zip(found, gt))
    return hits / (K * len(gt))


def timed_search(search, xq):
    best, found = None, None
    for _ in range(REPEATS):
        t0 = time.thread_time()
        found = search(xq)
        el = time.thread_time() - t0
        best = el if best is None else min(best, el)
    return len(xq) / best, found


def emit(index, params, peer, qps, rec, build_s, extra=None):
    row = {"index": index, "params": params, "peer": peer, "qps": qps,
           "recall": rec, "build_s": build_s}
    row.update(extra or {})
    print(json.dumps(row), flush=True)


def build_faiss(index, xb):
    faiss.omp_set_num_threads(faiss.omp_get_max_threads())
    t0 = time.perf_counter()
    if not index.is_trained:
        index.train(xb)
    index.add(xb)
    return time.perf_counter() - t0


def main():
    d = sys.argv[1]
    metric = sys.argv[2] if len(sys.argv) > 2 else "l2"
    pq_m = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    if metric not in ("l2", "ip"):
        sys.exit(f"peers.py: metric {metric!r}: want l2 or ip")
    fmetric = faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT

    def flat_index(dim):
        return faiss.IndexFlatL2(dim) if metric == "l2" else faiss.IndexFlatIP(dim)
    xb = read_vecs(f"{d}/base.fvecs", np.float32)
    xq = read_vecs(f"{d}/query.fvecs", np.float32)
    gt = read_vecs(f"{d}/gt.ivecs", np.int32)
    dim = xb.shape[1]
    cores = faiss.omp_get_max_threads()

    def faiss_search(index):
        def run(q):
            faiss.omp_set_num_threads(1)
            try:
                return index.search(q, K)[1]
            finally:
                faiss.omp_set_num_threads(cores)
        return run

    flat = flat_index(dim)
    b = build_faiss(flat, xb)
    qps, found = timed_search(faiss_search(flat), xq)
    emit("FLAT", "", "faiss", qps, recall(found, gt), b)
    one = faiss_search(flat)
    qps, found = timed_search(lambda q: np.vstack([one(q[i:i + 1]) for i in range(len(q))]), xq[:ONE_BY_ONE])
    emit("FLAT", "nq=1", "faiss", qps, recall(found, gt[:ONE_BY_ONE]), b)

    ivfs = [
        ("IVF_FLAT", f"nlist={NLIST}", lambda q: faiss.IndexIVFFlat(q, dim, NLIST, fmetric)),
        ("IVF_SQ8", f"nlist={NLIST}", lambda q: faiss.IndexIVFScalarQuantizer(
            q, dim, NLIST, faiss.ScalarQuantizer.QT_8bit, fmetric, False)),
        ("IVF_PQ", f"m={pq_m},nbits={PQ_NBITS},nlist={NLIST}", lambda q: faiss.IndexIVFPQ(q, dim, NLIST, pq_m, PQ_NBITS, fmetric)),
    ]
    for name, params, make in ivfs:
        quantizer = flat_index(dim)
        index = make(quantizer)
        b = build_faiss(index, xb)
        for nprobe in NPROBES:
            index.nprobe = nprobe
            qps, found = timed_search(faiss_search(index), xq)
            emit(name, f"{params},nprobe={nprobe}", "faiss", qps, recall(found, gt), b)

    hn = faiss.IndexHNSWFlat(dim, HNSW_M, fmetric)
    hn.hnsw.efConstruction = HNSW_EFC
    b = build_faiss(hn, xb)
    for ef in EFS:
        hn.hnsw.efSearch = ef
        qps, found = timed_search(faiss_search(hn), xq)
        emit("HNSW", f"M={HNSW_M},efConstruction={HNSW_EFC},ef={ef}", "faiss", qps, recall(found, gt), b, {"ef": ef})

    p = hnswlib.Index(space=metric, dim=dim)
    p.init_index(max_elements=len(xb), ef_construction=HNSW_EFC, M=HNSW_M, random_seed=100)
    p.set_num_threads(cores)
    t0 = time.perf_counter()
    p.add_items(xb, np.arange(len(xb)))
    b = time.perf_counter() - t0
    p.set_num_threads(1)
    for ef in EFS:
        if ef < K:
            continue
        p.set_ef(ef)
        qps, found = timed_search(lambda q: p.knn_query(q, k=K, num_threads=1)[0], xq)
        emit("HNSW", f"M={HNSW_M},efConstruction={HNSW_EFC},ef={ef}", "hnswlib", qps, recall(found, gt), b, {"ef": ef})


if __name__ == "__main__":
    main()
