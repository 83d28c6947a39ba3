#!/usr/bin/env python3
"""Independent check of milvbench's exact range and grouping ground truth,
with numpy alone and no code shared with milvbench.

    rangegroup_gt.py [VARIANT] < fixture.json

The fixture: {"base": [[...], ...], "queries": [[...], ...],
"metric": "L2" | "IP" | "COSINE", "radius": R, "range_filter": F or null,
"groups": [group key of each base row], "topk": K, "group_size": G}.

Distances are Milvus's: squared L2, the inner product, or the cosine
(rows and queries normalised), in float64. In range for L2:
F <= d < R; for IP and COSINE: R < d <= F (F null: no inner bound).
Grouping: each row ranked by distance; the K groups whose best row ranks
best, each with its G best rows.

VARIANT is "exact" (default) or a deliberately wrong computation the caller
must see disagree: "sqrt" (L2 as the plain, not squared, distance) or
"mean" (groups ranked by the mean distance of their kept rows).

Prints {"range": [[row, ...] closest first, per query], "border": [[rows
within 1e-4 of a bound], ...], "group": [[row, ...] per query]}.
"""
import json
import sys

import numpy as np


def main():
    variant = sys.argv[1] if len(sys.argv) > 1 else "exact"
    fx = json.load(sys.stdin)
    base = np.asarray(fx["base"], dtype=np.float64)
    qs = np.asarray(fx["queries"], dtype=np.float64)
    metric = fx["metric"]
    if metric == "COSINE":
        base = base / np.linalg.norm(base, axis=1, keepdims=True)
        qs = qs / np.linalg.norm(qs, axis=1, keepdims=True)
    if metric == "L2":
        d = ((qs[:, None, :] - base[None, :, :]) ** 2).sum(axis=2)
        if variant == "sqrt":
            d = np.sqrt(d)
        order = np.argsort(d, axis=1, kind="stable")
    else:
        d = qs @ base.T
        order = np.argsort(-d, axis=1, kind="stable")
    r, f = fx["radius"], fx["range_filter"]
    out = {"range": [], "border": [], "group": []}
    for qi in range(len(qs)):
        row = d[qi]
        if metric == "L2":
            inr = row < r
            if f is not None:
                inr &= row >= f
        else:
            inr = row > r
            if f is not None:
                inr &= row <= f
        out["range"].append([int(j) for j in order[qi] if inr[j]])
        near = np.abs(row - r) < 1e-4
        if f is not None:
            near |= np.abs(row - f) < 1e-4
        out["border"].append([int(j) for j in np.nonzero(near)[0]])
        kept, best, seq = {}, {}, []
        for j in order[qi]:
            g = fx["groups"][j]
            if g not in kept:
                kept[g] = []
                seq.append(g)
            if len(kept[g]) < fx["group_size"]:
                kept[g].append(int(j))
        if variant == "mean":
            sign = 1 if metric == "L2" else -1
            seq.sort(key=lambda g: sign * float(np.mean(row[kept[g]])))
        out["group"].append([j for g in seq[: fx["topk"]] for j in kept[g]])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
