#!/usr/bin/env python3
"""Write ann-benchmarks-style HDF5 files with h5py, in every layout
milvbench's HDF5 reader (datasets/hdf5*.go) covers and some it refuses, as
its test fixtures.

    hdf5_write.py OUTDIR [NAME...] # the full set, or the named files (go test)
    hdf5_write.py --tiny OUTDIR   # datasets/testdata/hdf5: two tiny files

An ann-benchmarks file has the datasets train (base vectors), test
(queries), neighbors (ids of each query's exact nearest base vectors,
nearest first) and distances, and the file attribute distance (euclidean,
angular, ...). The layouts: libver earliest (superblock 0, version 1 B-tree
chunk index, old-style groups) and v108/v110/latest (superblock 2 or 3, new
style groups, single chunk / implicit / fixed array / extensible array /
version 2 B-tree indexes), contiguous, compact or chunked storage, with and
without gzip and shuffle.

For each file the full set also writes the arrays numpy holds as .npy files
beside it (NAME.train.npy, NAME.test.npy, NAME.neighbors.npy; train and test
as float32, uint8 kept as uint8), and prints a JSON manifest on stdout, one
object per file:

    {"file": NAME.hdf5, "superblock": 0, "layout": "chunked", "index":
     "version 1 B-tree", "filters": ["shuffle", "deflate"], "metric": "L2",
     "wrong_query": null, "error": null}

layout is train's (contiguous, compact or chunked), index its chunk index
as the reader names it, metric what the distance attribute maps to (null:
none), wrong_query the query whose neighbors were changed so that they are
not exact (null: all exact), and error a part of the one-line error the
reader must give (null: the file must read). The --tiny files hold
formula values (train[i, j] = i + j / 8, test[i, j] = 2 i + j / 4,
neighbors[i, j] = (i + j) % rows) so that a test can check them without
numpy. Exit status 2 for usage errors.
"""
import json
import os
import sys
import zlib

import h5py
import numpy as np

K = 10


def exact_neighbors(base, queries, metric, k=K):
    """Ids of the k nearest base rows for each query, nearest first (float64)."""
    b = base.astype(np.float64)
    q = queries.astype(np.float64)
    if metric == "L2":
        d = (q * q).sum(1)[:, None] - 2 * q @ b.T + (b * b).sum(1)[None, :]
    elif metric == "IP":
        d = -(q @ b.T)
    else:  # COSINE
        bn = b / np.linalg.norm(b, axis=1, keepdims=True)
        qn = q / np.linalg.norm(q, axis=1, keepdims=True)
        d = -(qn @ bn.T)
    ids = np.argsort(d, axis=1, kind="stable")[:, :k]
    return ids, np.take_along_axis(d, ids, 1)


DISTANCE = {"L2": "euclidean", "COSINE": "angular", "IP": "ip"}


def write(out, manifest, name, libver="earliest", rows=300, dim=8, queries=20,
          train_dtype="f4", train_kw=None, test_kw=None, metric="L2",
          distance=None, distance_bytes=False, neighbors_dtype="i4",
          wrong_query=None, track_order=None, userblock=0, superblock=None,
          layout="chunked", index=None, filters=(), error=None, extra=None, only=()):
    if only and name not in only:
        return
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if train_dtype == "u1":
        base = rng.integers(0, 256, size=(rows, dim)).astype(np.uint8)
        qs = rng.integers(0, 256, size=(queries, dim)).astype(np.uint8)
    else:
        base = rng.standard_normal((rows, dim)).astype(train_dtype)
        qs = rng.standard_normal((queries, dim)).astype(train_dtype)
    base32 = base if train_dtype == "u1" else base.astype(np.float32)
    qs32 = qs if train_dtype == "u1" else qs.astype(np.float32)
    ids, dists = exact_neighbors(base32, qs32, metric)
    if wrong_query is not None:
        far, _ = exact_neighbors(base32, qs32[wrong_query:wrong_query + 1], metric, k=rows)
        ids[wrong_query, 0] = far[0, -1]  # the farthest row, not the nearest
    path = os.path.join(out, name + ".hdf5")
    kw = {"libver": libver}
    if track_order is not None:
        kw["track_order"] = track_order
    if userblock:
        kw["userblock_size"] = userblock
    with h5py.File(path, "w", **kw) as f:
        if distance is None:
            distance = DISTANCE.get(metric)
        if distance is not None:
            f.attrs["distance"] = np.bytes_(distance) if distance_bytes else distance
        f.attrs["type"] = "dense"
        f.attrs["point_type"] = "uint8" if train_dtype == "u1" else "float"
        f.attrs["dimension"] = dim
        f.create_dataset("train", data=base, **(train_kw or {}))
        f.create_dataset("test", data=qs, **(test_kw or {}))
        f.create_dataset("neighbors", data=ids.astype(neighbors_dtype))
        f.create_dataset("distances", data=dists.astype("f4"))
        if extra:
            extra(f)
    np.save(os.path.join(out, name + ".train.npy"), base32)
    np.save(os.path.join(out, name + ".test.npy"), qs32)
    np.save(os.path.join(out, name + ".neighbors.npy"), ids.astype(np.int64))
    if superblock is None:
        superblock = {"earliest": 0, "v108": 2}.get(libver, 3)
    manifest.append({"file": name + ".hdf5", "superblock": superblock, "layout": layout,
                     "index": index, "filters": list(filters), "metric": metric if distance else None,
                     "wrong_query": wrong_query, "error": error})


def dcpl(layout=None, alloc_early=False):
    p = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    if layout is not None:
        p.set_layout(layout)
    if alloc_early:
        p.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    return p


def full(out, only):
    m = []

    def write(*args, **kw):
        globals()["write"](*args, only=only, **kw)
    gz = {"compression": "gzip", "compression_opts": 4}
    gzs = dict(gz, shuffle=True)
    fs = ["shuffle", "deflate"]
    # libver earliest: superblock 0, old-style groups, version 1 B-tree chunks.
    write(out, m, "earliest_contiguous", layout="contiguous")
    write(out, m, "earliest_chunked", train_kw={"chunks": (16, 8)}, index="version 1 B-tree")
    write(out, m, "earliest_gzip", train_kw=dict(gz, chunks=(16, 8)), index="version 1 B-tree", filters=["deflate"])
    write(out, m, "earliest_gzip_shuffle", train_kw=dict(gzs, chunks=(16, 8)), index="version 1 B-tree", filters=fs)
    write(out, m, "earliest_tiles_gzip_shuffle", rows=703, train_kw=dict(gzs, chunks=(7, 3)),
          test_kw=dict(gzs, chunks=(3, 5)), index="version 1 B-tree", filters=fs)
    write(out, m, "earliest_maxshape", train_kw=dict(gzs, chunks=(16, 8), maxshape=(None, 8)),
          index="version 1 B-tree", filters=fs)
    write(out, m, "earliest_float64", train_dtype="f8", layout="contiguous")
    write(out, m, "earliest_bigendian", train_dtype=">f4", layout="contiguous")
    write(out, m, "earliest_track_order", track_order=True, train_kw=dict(gzs, chunks=(16, 8)),
          index="version 1 B-tree", filters=fs)
    write(out, m, "earliest_userblock", userblock=512, layout="contiguous")
    # Older h5py recorded modification times (an object header message more).
    write(out, m, "earliest_track_times", train_kw={"track_times": True}, test_kw={"track_times": True},
          layout="contiguous")
    write(out, m, "earliest_angular", metric="COSINE", layout="contiguous")
    write(out, m, "earliest_ip", metric="IP", layout="contiguous")
    write(out, m, "earliest_distance_bytes", distance_bytes=True, layout="contiguous")
    write(out, m, "earliest_truth_wrong", wrong_query=7, layout="contiguous")
    # libver v108: superblock 2, new-style groups, still version 1 B-tree chunks.
    write(out, m, "v108_gzip_shuffle", libver="v108", train_kw=dict(gzs, chunks=(16, 8)),
          index="version 1 B-tree", filters=fs)
    # libver latest: superblock 3 and the newer chunk indexes.
    write(out, m, "latest_contiguous", libver="latest", layout="contiguous", neighbors_dtype="i8")
    write(out, m, "latest_chunked", libver="latest", train_kw={"chunks": (16, 8)}, index="fixed array")
    write(out, m, "latest_gzip", libver="latest", train_kw=dict(gz, chunks=(16, 8)), index="fixed array",
          filters=["deflate"])
    write(out, m, "latest_gzip_shuffle", libver="latest", train_kw=dict(gzs, chunks=(16, 8)),
          index="fixed array", filters=fs, neighbors_dtype="i8")
    write(out, m, "v110_gzip_shuffle", libver="v110", train_kw=dict(gzs, chunks=(16, 8)),
          index="fixed array", filters=fs)
    write(out, m, "latest_tiles_gzip_shuffle", libver="latest", rows=703, train_kw=dict(gzs, chunks=(7, 3)),
          index="fixed array", filters=fs)
    write(out, m, "latest_fixed_paged", libver="latest", rows=2100, dim=4, train_kw={"chunks": (2, 4)},
          index="fixed array")
    write(out, m, "latest_fixed_paged_gzip", libver="latest", rows=2100, dim=4,
          train_kw=dict(gz, chunks=(2, 4)), index="fixed array", filters=["deflate"])
    write(out, m, "latest_single", libver="latest", train_kw={"chunks": (300, 8)}, index="single chunk")
    write(out, m, "latest_single_gzip_shuffle", libver="latest", train_kw=dict(gzs, chunks=(300, 8)),
          index="single chunk", filters=fs)
    write(out, m, "latest_implicit", libver="latest",
          train_kw={"chunks": (16, 8), "dcpl": dcpl(alloc_early=True)}, index="implicit")
    write(out, m, "latest_extensible_gzip_shuffle", libver="latest",
          train_kw=dict(gzs, chunks=(16, 8), maxshape=(None, 8)), index="extensible array", filters=fs)
    write(out, m, "latest_extensible_many", libver="latest", rows=3000, dim=4,
          train_kw={"chunks": (2, 4), "maxshape": (None, 4)}, index="extensible array")
    write(out, m, "latest_extensible_many_gzip", libver="latest", rows=3000, dim=4,
          train_kw=dict(gz, chunks=(2, 4), maxshape=(None, 4)), index="extensible array", filters=["deflate"])
    # 140000 one-row chunks reach the extensible array's paged data blocks
    # (super block 13: data blocks of 2048 elements in pages of 1024).
    write(out, m, "latest_extensible_paged", libver="latest", rows=140000, dim=2,
          train_kw={"chunks": (1, 2), "maxshape": (None, 2)}, index="extensible array")
    write(out, m, "latest_btree2_gzip_shuffle", libver="latest",
          train_kw=dict(gzs, chunks=(16, 4), maxshape=(None, None)), index="version 2 B-tree", filters=fs)
    write(out, m, "latest_btree2_many", libver="latest", rows=800, dim=8,
          train_kw={"chunks": (2, 2), "maxshape": (None, None)}, index="version 2 B-tree")
    write(out, m, "latest_btree2_many_gzip_shuffle", libver="latest", rows=1200, dim=8,
          train_kw=dict(gzs, chunks=(4, 4), maxshape=(None, None)), index="version 2 B-tree", filters=fs)
    # 7680 chunks: a version 2 B-tree of depth 2.
    write(out, m, "latest_btree2_deep", libver="latest", rows=120, dim=64,
          train_kw={"chunks": (1, 1), "maxshape": (None, None)}, index="version 2 B-tree")
    write(out, m, "latest_compact", libver="latest", rows=100,
          train_kw={"dcpl": dcpl(layout=h5py.h5d.COMPACT)}, layout="compact")
    write(out, m, "latest_float64_gzip_shuffle", libver="latest", train_dtype="f8",
          train_kw=dict(gzs, chunks=(16, 8)), index="fixed array", filters=fs)
    write(out, m, "latest_uint8_gzip", libver="latest", train_dtype="u1", dim=16,
          train_kw=dict(gz, chunks=(16, 16)), index="fixed array", filters=["deflate"])
    write(out, m, "latest_track_order", libver="latest", track_order=True, layout="contiguous")
    write(out, m, "latest_angular_gzip_shuffle", libver="latest", metric="COSINE",
          train_kw=dict(gzs, chunks=(16, 8)), index="fixed array", filters=fs)
    # Larger files for runs on a target (their recall must equal fvecs').
    write(out, m, "run_latest_gzip_shuffle", libver="latest", rows=3000, dim=16, queries=100,
          train_kw=dict(gzs, chunks=(256, 16)), index="fixed array", filters=fs)
    write(out, m, "run_earliest_angular", rows=3000, dim=16, queries=100, metric="COSINE", layout="contiguous")
    # Read, but the metric must come from the workload.
    write(out, m, "no_distance", distance="", layout="contiguous")
    # Refused, with the reason.
    write(out, m, "refuse_hamming", distance="hamming", layout="contiguous", error="binary vectors")
    write(out, m, "refuse_jaccard", distance="jaccard", layout="contiguous", error="binary vectors")
    write(out, m, "refuse_fletcher32", train_kw={"chunks": (16, 8), "fletcher32": True},
          error="filter 3 (fletcher32) is not supported")
    write(out, m, "refuse_lzf", train_kw={"chunks": (16, 8), "compression": "lzf"},
          error="filter 32000 (lzf) is not supported")
    write(out, m, "refuse_scaleoffset", train_kw={"chunks": (16, 8), "scaleoffset": 3},
          error="filter 6 (scaleoffset) is not supported")
    write(out, m, "refuse_float16", train_dtype="f2", error="float type of 2 bytes")
    write(out, m, "refuse_dense_links", libver="latest",
          extra=lambda f: [f.create_dataset(f"extra{i}", data=np.zeros(2)) for i in range(6)],
          error="dense storage")
    write(out, m, "refuse_external", test_kw={"external": [(os.path.join(out, "ext.bin"), 0, h5py.h5f.UNLIMITED)]},
          error="external files")
    # A soft link beside the datasets is no obstacle.
    write(out, m, "soft_link_beside", extra=lambda f: f.__setitem__("train2", h5py.SoftLink("/train")),
          index="version 1 B-tree", train_kw={"chunks": (16, 8)})
    return m


def tiny(out):
    """Two tiny files with formula values, committed as fixtures."""
    def arrays(rows, dim, q, k):
        train = (np.arange(rows)[:, None] + np.arange(dim)[None, :] / 8).astype(np.float32)
        test = (2 * np.arange(q)[:, None] + np.arange(dim)[None, :] / 4).astype(np.float32)
        nb = ((np.arange(q)[:, None] + np.arange(k)[None, :]) % rows).astype(np.int32)
        return train, test, nb
    train, test, nb = arrays(40, 4, 5, 3)
    with h5py.File(os.path.join(out, "tiny_earliest_gzip_shuffle.hdf5"), "w", libver="earliest") as f:
        f.attrs["distance"] = "euclidean"
        f.create_dataset("train", data=train, chunks=(16, 4), compression="gzip", shuffle=True)
        f.create_dataset("test", data=test)
        f.create_dataset("neighbors", data=nb)
    with h5py.File(os.path.join(out, "tiny_latest_extensible.hdf5"), "w", libver="latest") as f:
        f.attrs["distance"] = "angular"
        f.create_dataset("train", data=train, chunks=(8, 4), maxshape=(None, 4), compression="gzip", shuffle=True)
        f.create_dataset("test", data=test, chunks=(2, 4), maxshape=(None, None))
        f.create_dataset("neighbors", data=nb.astype(np.int64))


def main(argv):
    if len(argv) == 3 and argv[1] == "--tiny":
        os.makedirs(argv[2], exist_ok=True)
        tiny(argv[2])
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: hdf5_write.py OUTDIR [NAME...] | --tiny OUTDIR", file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    json.dump(full(argv[1], set(argv[2:])), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
