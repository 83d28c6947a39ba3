#!/usr/bin/env python3
"""Read a dataset `milvbench dataset gen` wrote with pyarrow and numpy, which
share no code with milvbench's writers, check its layout and check its
ground truth against numpy's own brute-force search.

    dataset_read.py parquet|npy|fvecs DIR K METRIC QUERIES [VARIANT]

parquet: train.parquet and test.parquet (id int64, emb list<float>),
neighbors.parquet (id int64, neighbors_id list<int64>), the VectorDBBench
layout; npy: base.npy and queries.npy (float32), neighbors.npy (integers);
fvecs: synthetic_base.fvecs, synthetic_query.fvecs,
synthetic_groundtruth.ivecs. QUERIES is how many queries (evenly spaced) to
search by brute force, in float64, under METRIC (L2, IP or COSINE).

METRIC HAMMING or JACCARD reads binary vectors as --vector-type binary
writes them: npy uint8 arrays and parquet emb list<uint8> of dim/8 packed
bytes a row (numpy.packbits order), which np.unpackbits turns into bits;
HAMMING is the number of differing bits, JACCARD 1 - |a & b| / |a | b| (1
for two empty vectors). VARIANT "bytes" is a deliberately wrong search the
caller must see fail: the distance over the bytes (differing bytes, or the
Jaccard distance of the sets of nonzero bytes) rather than the bits.

Prints one JSON object on stdout:

    {"base": [rows, dim], "queries": [rows, dim], "truth_rows": N,
     "truth_min_len": M, "truth_integer": true, "dtype": "float32",
     "problems": [...]}

(base and queries are the arrays' shapes: dim/8 columns for binary, whose
output adds "bits0": np.unpackbits of the first base row, to compare with
the bits the rows were packed from.)

problems lists, one line each, every layout rule broken (base or test ids
not 0..N-1 in order, neighbors.parquet ids not the test ids in order, a
neighbours row shorter than K) and every checked query whose first K
neighbours are not the exact top-K (a neighbour tied with the K-th distance
may stand in for another). Exit status 1, with one line on stderr, when a
file does not read; 2 for usage errors.
"""
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = int(raw[0])
    return raw.reshape(-1, d + 1)[:, 1:].view(dtype)


def parquet_vectors(path, problems, binary=False):
    t = pq.read_table(path)
    ids = t.column("id").to_numpy()
    if not np.array_equal(ids, np.arange(len(ids))):
        problems.append(f"{os.path.basename(path)}: ids are not 0..{len(ids) - 1} in order")
    emb = t.column("emb")
    if not pa.types.is_list(emb.type) and not pa.types.is_large_list(emb.type):
        problems.append(f"{os.path.basename(path)}: emb is {emb.type}, not a list")
    elif binary and emb.type.value_type != pa.uint8():
        problems.append(f"{os.path.basename(path)}: emb is {emb.type}, not list<uint8> of packed bits")
    return ids, np.array(emb.to_pylist(), dtype=np.uint8 if binary else np.float32)


def load(fmt, d, problems, binary):
    if fmt == "parquet":
        _, base = parquet_vectors(os.path.join(d, "train.parquet"), problems, binary)
        test_ids, queries = parquet_vectors(os.path.join(d, "test.parquet"), problems, binary)
        t = pq.read_table(os.path.join(d, "neighbors.parquet"))
        nid = t.column("id").to_numpy()
        if not np.array_equal(nid, test_ids):
            problems.append("neighbors.parquet: id is not test.parquet's ids in order")
        col = t.column("neighbors_id")
        if not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)) or not pa.types.is_integer(col.type.value_type):
            problems.append(f"neighbors.parquet: neighbors_id is {col.type}, not a list of integers")
        truth = [np.asarray(r, dtype=np.int64) for r in col.to_pylist()]
        return base, queries, truth, True
    if fmt == "npy":
        base = np.load(os.path.join(d, "base.npy"))
        queries = np.load(os.path.join(d, "queries.npy"))
        nb = np.load(os.path.join(d, "neighbors.npy"))
        want = np.uint8 if binary else np.float32
        for name, a in (("base.npy", base), ("queries.npy", queries)):
            if a.dtype != want or a.ndim != 2:
                problems.append(f"{name}: {a.dtype} array of {a.ndim} dimensions, want 2-D {np.dtype(want).name}")
        if nb.ndim != 2:
            problems.append(f"neighbors.npy: {nb.ndim} dimensions, want 2")
        return base, queries, list(nb), np.issubdtype(nb.dtype, np.integer)
    if fmt == "fvecs":
        base = read_vecs(os.path.join(d, "synthetic_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "synthetic_query.fvecs"), np.float32)
        nb = read_vecs(os.path.join(d, "synthetic_groundtruth.ivecs"), np.int32)
        return base, queries, list(nb), True
    raise ValueError(f"unknown format {fmt}")


def binary_distances(base, q, metric, variant):
    if variant == "bytes":
        b, q = base != 0, q != 0
        if metric == "HAMMING":
            return (base != q[None, :]).sum(axis=1).astype(np.float64)
    else:
        b, q = np.unpackbits(base, axis=1).astype(bool), np.unpackbits(q).astype(bool)
    if metric == "HAMMING":
        return (b ^ q[None, :]).sum(axis=1).astype(np.float64)
    inter = (b & q[None, :]).sum(axis=1).astype(np.float64)
    union = (b | q[None, :]).sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union == 0, 1.0, 1.0 - inter / union)


def distances(base, q, metric, variant="exact"):
    if metric in ("HAMMING", "JACCARD"):
        return binary_distances(base, q, metric, variant)
    b, q = base.astype(np.float64), q.astype(np.float64)
    if metric == "L2":
        return ((b - q) ** 2).sum(axis=1)
    if metric == "COSINE":
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        q = q / np.linalg.norm(q)
    return -(b @ q)  # IP, COSINE: larger is closer


def check(base, queries, truth, k, metric, n, problems, variant):
    for qi in np.linspace(0, len(queries) - 1, n).astype(int).tolist():
        d = distances(base, queries[qi], metric, variant)
        exact = np.argsort(d, kind="stable")[:k]
        kth = d[exact[-1]]
        # Binary distances are whole numbers or ratios of counts up to dim,
        # at least 1/dim² apart: no float tolerance blurs them.
        tol = 1e-9 if metric in ("HAMMING", "JACCARD") else 1e-5 * max(1.0, abs(kth))
        ours = truth[qi][:k]
        if len(set(ours.tolist())) != len(ours):
            problems.append(f"query {qi}: repeated neighbour ids")
        if np.any(d[ours] > kth + tol):
            far = ours[d[ours] > kth + tol]
            problems.append(f"query {qi}: {len(far)} of the first {k} neighbours are not exact (first: id {far[0]})")
        must = set(np.nonzero(d < kth - tol)[0].tolist())
        missing = must - set(ours.tolist())
        if missing:
            problems.append(f"query {qi}: {len(missing)} exact neighbours missing (first: id {min(missing)})")
        if np.any(np.diff(d[ours]) < -tol):
            problems.append(f"query {qi}: neighbours are not closest first")


def main(argv):
    if len(argv) not in (6, 7):
        print("usage: dataset_read.py parquet|npy|fvecs DIR K METRIC QUERIES [VARIANT]", file=sys.stderr)
        return 2
    fmt, d, k, metric, n = argv[1], argv[2], int(argv[3]), argv[4], int(argv[5])
    variant = argv[6] if len(argv) == 7 else "exact"
    binary = metric in ("HAMMING", "JACCARD")
    problems = []
    try:
        base, queries, truth, integer = load(fmt, d, problems, binary)
    except Exception as e:  # pyarrow and numpy raise several types
        print(f"dataset_read.py: {d}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    lens = [len(r) for r in truth]
    if len(truth) != len(queries):
        problems.append(f"{len(truth)} neighbour rows for {len(queries)} queries")
    short = [i for i, m in enumerate(lens) if m < k]
    if short:
        problems.append(f"{len(short)} neighbour rows shorter than k={k} (first: query {short[0]}, {lens[short[0]]} ids)")
    elif integer:
        check(base, queries, truth, k, metric, n, problems, variant)
    extra = {"bits0": np.unpackbits(base[0]).tolist()} if binary and len(base) else {}
    json.dump({**extra, "base": list(base.shape), "queries": list(queries.shape), "truth_rows": len(truth),
               "truth_min_len": min(lens) if lens else 0, "truth_integer": bool(integer), "dtype": str(base.dtype), "problems": problems}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
