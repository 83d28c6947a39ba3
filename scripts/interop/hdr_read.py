#!/usr/bin/env python3
"""Read milvbench's HDR latency histograms with HdrHistogram's Python port
(PyPI `hdrhistogram`, module `hdrh`), which shares no code with milvbench.

    hdr_read.py results RESULTS.json   # every trial's latency_histogram
    hdr_read.py blobs                  # encoded histograms on stdin, one a line

Prints a JSON array on stdout, one object per histogram, values in the
histogram's unit (microseconds for milvbench):

    {"source": "trial 3", "count": N, "min": ..., "max": ..., "mean": ...,
     "lowest": 1, "highest": 60000000, "sig_figs": 3,
     "percentiles": {"50": [lo, hi], "90": ..., "95": ..., "99": ..., "99.9": ...}}

A percentile is the pair of values this reader finds at p - 1e-9 and
p + 1e-9: equal unless p × count / 100 lands exactly on a rank boundary,
where two correct readers may round to neighbouring ranks.

Exit status 1, with one line on stderr naming the histogram, when one does
not decode (e.g. a wrong cookie); 2 for usage errors. Run by the Go tests
(internal/testenv) with the project's virtualenv (scripts/pyenv.sh).
"""
import json
import sys

from hdrh.histogram import HdrHistogram

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
EPS = 1e-9


def summarize(source, encoded):
    """Decode one histogram and describe it; raise ValueError when it does not decode."""
    try:
        h = HdrHistogram.decode(encoded)
    except Exception as e:  # the port raises several types (cookie, length, base64)
        why = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        raise ValueError(f"{source}: not an HDR histogram ({why})") from None
    return {
        "source": source,
        "count": h.get_total_count(),
        "min": h.get_min_value(),
        "max": h.get_max_value(),
        "mean": h.get_mean_value(),
        "lowest": h.lowest_trackable_value,
        "highest": h.highest_trackable_value,
        "sig_figs": h.significant_figures,
        "percentiles": {
            f"{p:g}": [h.get_value_at_percentile(p - EPS), h.get_value_at_percentile(p + EPS)]
            for p in PERCENTILES
        },
    }


def read_results(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    trials = doc.get("trials") or []
    for i, t in enumerate(trials):
        yield f"trial {t.get('id', i + 1)}", t.get("latency_histogram", "")


def read_blobs(stream):
    for n, line in enumerate(stream, 1):
        line = line.strip()
        if line:
            yield f"line {n}", line


def main(argv):
    if len(argv) == 3 and argv[1] == "results":
        items = read_results(argv[2])
    elif len(argv) == 2 and argv[1] == "blobs":
        items = read_blobs(sys.stdin)
    else:
        print("usage: hdr_read.py results RESULTS.json | hdr_read.py blobs < LINES", file=sys.stderr)
        return 2
    try:
        out = [summarize(src, enc) for src, enc in items]
    except (ValueError, OSError) as e:
        print(f"hdr_read.py: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
