#!/usr/bin/env python3
"""Independent check of milvbench's exact BM25 ground truth: tokenize and
score a corpus with Python's own string and regex machinery, sharing no code
with milvbench (nor with Milvus Lite).

    bm25_gt.py DOCS QUERIES ANALYZER K1 B [VARIANT]

DOCS and QUERIES hold one text per line (UTF-8, "\\n" or "\\r\\n"; a final
newline ends the last line, it does not start another). ANALYZER is
"lite-standard" (Milvus Lite 3.2.2: str.lower(), then the runs of \\w) or
"standard" (Milvus's tantivy rule: runs of str.isalnum() characters,
underscore excluded, each character then lowercased on its own; Python has
no Other_Alphabetic property, so combining vowel signs split words here).

    score(q, d) = sum over distinct terms t of q of
                  idf(t) * tf*(k1+1) / (tf + k1*(1 - b + b*|d|/avgdl)) * qtf(t)
    idf(t)      = ln((N - df + 0.5) / (df + 0.5) + 1)

with |d| the number of terms of d after analysis, avgdl their mean over all
N documents (empty ones included; 1 if 0), qtf(t) the count of t in the
query. VARIANT is "exact" (default) or a deliberately wrong formula the
caller must see disagree: "idf-no-plus1" (ln((N-df+0.5)/(df+0.5))),
"query-set" (qtf ignored), "avgdl-raw" (avgdl over whitespace-separated
words), "avgdl-nonempty" (avgdl over non-empty documents only), "tf-raw"
(tf instead of its saturation).

Prints one JSON object: {"n": N, "avgdl": A, "scores": [[score of doc j for
query i, 0 when no term matches], ...]}. Exit status 1 with one line on
stderr when a file does not read; 2 for usage errors.
"""
import json
import math
import re
import sys
from collections import Counter

WORD = re.compile(r"\w+")


def lite_standard(text):
    return WORD.findall(text.lower())


def milvus_standard(text):
    out, cur = [], []
    for ch in text:
        if ch.isalnum() and ch != "_":
            cur.append(ch)
        elif cur:
            out.append("".join(c.lower() for c in cur))
            cur = []
    if cur:
        out.append("".join(c.lower() for c in cur))
    return out


ANALYZERS = {"lite-standard": lite_standard, "standard": milvus_standard}
VARIANTS = ("exact", "idf-no-plus1", "query-set", "avgdl-raw", "avgdl-nonempty", "tf-raw")


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def main(argv):
    if len(argv) not in (6, 7) or argv[3] not in ANALYZERS:
        print(__doc__, file=sys.stderr)
        return 2
    variant = argv[6] if len(argv) == 7 else "exact"
    if variant not in VARIANTS:
        print(f"unknown variant {variant!r}", file=sys.stderr)
        return 2
    analyze = ANALYZERS[argv[3]]
    k1, b = float(argv[4]), float(argv[5])
    try:
        docs, queries = read_lines(argv[1]), read_lines(argv[2])
    except (OSError, UnicodeDecodeError) as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return 1
    tokens = [analyze(d) for d in docs]
    n = len(docs)
    df = Counter()
    for t in tokens:
        df.update(set(t))
    if variant == "avgdl-raw":
        total = sum(len(d.split()) for d in docs)
    else:
        total = sum(len(t) for t in tokens)
    docs_counted = sum(1 for t in tokens if t) if variant == "avgdl-nonempty" else n
    avgdl = total / docs_counted if docs_counted and total else 1.0
    tfs = [Counter(t) for t in tokens]
    scores = []
    for q in queries:
        qtf = Counter(analyze(q))  # insertion order: first occurrence
        row = [0.0] * n
        for j, tf in enumerate(tfs):
            s = 0.0
            dl = len(tokens[j])
            for term, c in qtf.items():
                f = tf.get(term, 0)
                if f == 0:
                    continue
                if variant == "idf-no-plus1":
                    idf = math.log((n - df[term] + 0.5) / (df[term] + 0.5))
                else:
                    idf = math.log((n - df[term] + 0.5) / (df[term] + 0.5) + 1.0)
                if variant == "tf-raw":
                    sat = f
                else:
                    sat = f * (k1 + 1.0) / (f + k1 * (1.0 - b + b * dl / avgdl))
                s += idf * sat * (1 if variant == "query-set" else c)
            row[j] = s
        scores.append(row)
    json.dump({"n": n, "avgdl": avgdl, "scores": scores}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
