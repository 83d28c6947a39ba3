#!/usr/bin/env python3
"""Independent check of milvbench's binary vectors, with numpy (and pyarrow
and h5py for the files) alone and no code shared with milvbench.

    binary_gt.py gt [VARIANT] < fixture.json
    binary_gt.py range [VARIANT] < fixture.json
    binary_gt.py files OUTDIR < fixture.json

The fixture: {"base": [[byte, ...], ...], "queries": [[byte, ...], ...],
"metric": "HAMMING" | "JACCARD", "dtype": "uint8" (default) or "float32" for
files that must be refused}: rows of packed bits, dim/8 bytes each,
in numpy.packbits order (bit j of a vector is bit 7 - j%8 of byte j/8).

gt prints {"dists": [[distance of every base row, in row order], per
query]}: HAMMING the number of differing bits, JACCARD 1 - |a & b| / |a | b|
as Milvus (faiss's jaccard-inl.h) defines it, 1 when both are empty.
VARIANT is "exact" (default) or a deliberately wrong computation the caller
must see disagree: "bytes" (the bytes that differ, or the Jaccard distance
of the sets of nonzero bytes, rather than bits) or "empty0" (JACCARD of two
empty vectors 0 rather than 1; HAMMING unchanged).

range prints {"in_range": [[row ids, closest first, ties by id], per
query]}: the rows with range_filter <= distance < radius (the fixture's
"radius" and optional "range_filter"), distances and bounds compared in
float32 as Milvus's knowhere compares them, JACCARD computed as faiss does
in float32, (|a | b| - |a & b|) / |a | b|. VARIANT is "exact" (default) or
a deliberately wrong rule the caller must see disagree: "float64" (the
float32 distances compared with the bounds in float64, where the float32
7/10 lies below a radius of 0.7) or "inclusive" (the radius kept:
distance <= radius).

files writes the fixture as the files milvbench reads packed binary
vectors from, and prints {"files": [...]}: base.npy and queries.npy
(uint8, dim/8 columns), parquet/train.parquet and parquet/test.parquet
(id int64, emb list<uint8>, as pyarrow writes it), and binary.hdf5 (train
and test uint8 datasets of dim/8 columns, the distance attribute the
metric in lower case).
"""
import json
import os
import sys

import numpy as np


def distances(base, qs, metric, variant):
    if variant == "bytes":
        b, q = base != 0, qs != 0
        if metric == "HAMMING":
            return (base[None, :, :] != qs[:, None, :]).sum(axis=2).astype(np.float64)
    else:
        b, q = np.unpackbits(base, axis=1).astype(bool), np.unpackbits(qs, axis=1).astype(bool)
    if metric == "HAMMING":
        return (b[None, :, :] ^ q[:, None, :]).sum(axis=2).astype(np.float64)
    inter = (b[None, :, :] & q[:, None, :]).sum(axis=2).astype(np.float64)
    union = (b[None, :, :] | q[:, None, :]).sum(axis=2).astype(np.float64)
    empty = 0.0 if variant == "empty0" else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union == 0, empty, 1.0 - inter / union)


def in_range(base, qs, metric, radius, range_filter, variant):
    b, q = np.unpackbits(base, axis=1).astype(bool), np.unpackbits(qs, axis=1).astype(bool)
    if metric == "HAMMING":
        d = (b[None, :, :] ^ q[:, None, :]).sum(axis=2).astype(np.float32)
    else:
        inter = (b[None, :, :] & q[:, None, :]).sum(axis=2)
        union = (b[None, :, :] | q[:, None, :]).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(union == 0, np.float32(1),
                         (union - inter).astype(np.float32) / union.astype(np.float32)).astype(np.float32)
    if variant == "float64":
        d = d.astype(np.float64)
    f = np.float64 if variant == "float64" else np.float32
    r = f(radius)
    keep = d <= r if variant == "inclusive" else d < r
    if range_filter is not None:
        keep &= d >= f(range_filter)
    out = []
    for qi in range(len(qs)):
        ids = np.nonzero(keep[qi])[0]
        order = np.lexsort((ids, d[qi, ids]))
        out.append([int(i) for i in ids[order]])
    return out


def write_files(out, base, qs, metric):
    import h5py
    import pyarrow as pa
    import pyarrow.parquet as pq

    np.save(os.path.join(out, "base.npy"), base)
    np.save(os.path.join(out, "queries.npy"), qs)
    pdir = os.path.join(out, "parquet")
    os.makedirs(pdir, exist_ok=True)
    for name, rows in (("train.parquet", base), ("test.parquet", qs)):
        emb = pa.array([list(r) for r in rows], type=pa.list_(pa.uint8()))
        ids = pa.array(np.arange(len(rows), dtype=np.int64))
        pq.write_table(pa.table({"id": ids, "emb": emb}), os.path.join(pdir, name))
    with h5py.File(os.path.join(out, "binary.hdf5"), "w") as f:
        f.attrs["distance"] = metric.lower()
        f.create_dataset("train", data=base)
        f.create_dataset("test", data=qs)
    return ["base.npy", "queries.npy", "parquet/train.parquet", "parquet/test.parquet", "binary.hdf5"]


def main():
    mode = sys.argv[1]
    fx = json.load(sys.stdin)
    dtype = fx.get("dtype", "uint8")  # float32: a file binary vectors must refuse
    base = np.asarray(fx["base"], dtype=dtype)
    qs = np.asarray(fx["queries"], dtype=dtype)
    if mode == "gt":
        variant = sys.argv[2] if len(sys.argv) > 2 else "exact"
        json.dump({"dists": distances(base, qs, fx["metric"], variant).tolist()}, sys.stdout)
    elif mode == "range":
        variant = sys.argv[2] if len(sys.argv) > 2 else "exact"
        json.dump({"in_range": in_range(base, qs, fx["metric"], fx["radius"], fx.get("range_filter"), variant)}, sys.stdout)
    elif mode == "files":
        json.dump({"files": write_files(sys.argv[2], base, qs, fx["metric"])}, sys.stdout)
    else:
        sys.exit("binary_gt.py: unknown mode %r (gt, range or files)" % mode)


if __name__ == "__main__":
    main()
