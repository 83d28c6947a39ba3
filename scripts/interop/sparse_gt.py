#!/usr/bin/env python3
"""Independent check of milvbench's exact sparse inner-product ground truth:
read two CSR files (the big-ann-benchmarks sparse format) with numpy alone,
densify them and compute every query's score against every base row as one
float64 matrix product, sharing no code with milvbench.

    sparse_gt.py BASE.csr QUERIES.csr [VARIANT]

CSR: int64 rows, cols, nnz; int64 indptr[rows+1]; int32 indices[nnz];
float32 data[nnz], little-endian. VARIANT is "exact" (default) or a
deliberately wrong computation the caller must see disagree: "binary"
(every weight 1, so a score counts shared dimensions).

Prints one JSON object on stdout:

    {"rows": N, "cols": C, "queries": Q,
     "scores": [[score of base row j for query i, ...], ...],
     "overlap": [[base rows sharing a dimension with query i], ...]}

Exit status 1, with one line on stderr, when a file does not read; 2 for
usage errors.
"""
import json
import sys

import numpy as np


def read_csr(path):
    with open(path, "rb") as f:
        raw = f.read()
    rows, cols, nnz = np.frombuffer(raw, dtype="<i8", count=3)
    off = 24
    indptr = np.frombuffer(raw, dtype="<i8", count=rows + 1, offset=off)
    off += 8 * (rows + 1)
    indices = np.frombuffer(raw, dtype="<i4", count=nnz, offset=off)
    off += 4 * nnz
    data = np.frombuffer(raw, dtype="<f4", count=nnz, offset=off)
    if indptr[-1] != nnz or np.any(np.diff(indptr) < 0) or np.any(indices < 0) or np.any(indices >= cols):
        raise ValueError(f"{path}: not a valid CSR file")
    dense = np.zeros((rows, cols), dtype=np.float64)
    for r in range(rows):
        a, b = indptr[r], indptr[r + 1]
        dense[r, indices[a:b]] = data[a:b]
    present = np.zeros((rows, cols), dtype=bool)
    for r in range(rows):
        present[r, indices[indptr[r]:indptr[r + 1]]] = True
    return int(rows), int(cols), dense, present


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    variant = argv[3] if len(argv) == 4 else "exact"
    if variant not in ("exact", "binary"):
        print(f"unknown variant {variant!r}", file=sys.stderr)
        return 2
    try:
        n, cols, x, xp = read_csr(argv[1])
        nq, qcols, q, qp = read_csr(argv[2])
    except (OSError, ValueError) as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return 1
    if qcols > cols:
        q, qp = q[:, :cols], qp[:, :cols]
    elif qcols < cols:
        q = np.pad(q, ((0, 0), (0, cols - qcols)))
        qp = np.pad(qp, ((0, 0), (0, cols - qcols)))
    if variant == "binary":
        x, q = xp.astype(np.float64), qp.astype(np.float64)
    scores = q @ x.T
    overlap = (qp.astype(np.int64) @ xp.astype(np.int64).T) > 0
    json.dump({
        "rows": n, "cols": cols, "queries": nq,
        "scores": scores.tolist(),
        "overlap": [np.nonzero(row)[0].tolist() for row in overlap],
    }, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
