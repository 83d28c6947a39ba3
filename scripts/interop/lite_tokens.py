#!/usr/bin/env python3
"""Compare milvbench's "lite-standard" analyzer with Milvus Lite's own
StandardAnalyzer (milvus_lite/analyzer/standard.py, from the project venv).

    lite_tokens.py DOCS GO_TOKENS

DOCS holds one document per line (as bm25_gt.py reads it); GO_TOKENS one
line per document with milvbench's terms joined by U+001F. Prints
{"docs": N, "mismatches": M, "first": [{"line": L, "lite": [...],
"milvbench": [...]}, ...up to 5]}. Exit status 1 on a file that does not
read or line counts that differ.
"""
import json
import sys

from milvus_lite.analyzer.standard import StandardAnalyzer


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    docs, go = read_lines(argv[1]), read_lines(argv[2])
    if len(docs) != len(go):
        print(f"{len(docs)} documents but {len(go)} token lines", file=sys.stderr)
        return 1
    a = StandardAnalyzer()
    bad = []
    for i, (d, g) in enumerate(zip(docs, go)):
        lite = a.tokenize(d)
        mine = g.split("\x1f") if g else []
        if lite != mine:
            bad.append({"line": i + 1, "lite": lite, "milvbench": mine})
    json.dump({"docs": len(docs), "mismatches": len(bad), "first": bad[:5]}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
