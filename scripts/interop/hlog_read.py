#!/usr/bin/env python3
"""Read milvbench's latency.hlog with HdrHistogram's Python port (PyPI
`hdrhistogram`, module `hdrh`, its HistogramLogReader), which shares no code
with milvbench's writer.

    hlog_read.py LATENCY.hlog

Prints a JSON array on stdout, one object per tag (trial=ID;op=NAME) in the
order first seen: the number of interval lines, the first interval's start
and the last one's end (seconds since the epoch, as the reader computes them
from the log's base time) and the merged histogram's count, max and
percentiles (the values found just below and just above each percentile, as
hdr_read.py gives them):

    {"tag": "trial=1;op=search", "intervals": 4, "start_s": ..., "end_s": ...,
     "count": N, "max": ..., "percentiles": {"50": [lo, hi], ...}}

Exit status 1, with one line on stderr, when the log does not read; 2 for
usage errors.
"""
import json
import sys

from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
EPS = 1e-9


def read(path):
    reader = HistogramLogReader(path, HdrHistogram(1, 60_000_000, 3))
    tags, order = {}, []
    while True:
        h = reader.get_next_interval_histogram()
        if h is None:
            break
        tag = h.get_tag()
        t = tags.get(tag)
        if t is None:
            t = tags[tag] = {"tag": tag, "intervals": 0, "start_s": h.get_start_time_stamp() / 1000.0,
                             "merged": HdrHistogram(1, 60_000_000, 3)}
            order.append(tag)
        t["intervals"] += 1
        t["end_s"] = h.get_end_time_stamp() / 1000.0
        t["merged"].add(h)
    reader.close()
    out = []
    for tag in order:
        t = tags.pop(tag)
        m = t.pop("merged")
        t["count"] = m.get_total_count()
        t["max"] = m.get_max_value()
        t["percentiles"] = {
            f"{p:g}": [m.get_value_at_percentile(p - EPS), m.get_value_at_percentile(p + EPS)] for p in PERCENTILES
        }
        out.append(t)
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: hlog_read.py LATENCY.hlog", file=sys.stderr)
        return 2
    try:
        out = read(argv[1])
    except Exception as e:  # the port raises several types (cookie, length, base64, format)
        print(f"hlog_read.py: {argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
