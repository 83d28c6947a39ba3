"""Run pymilvus's own search iterator (MilvusClient.search_iterator: v2 when
the server has it, else v1) over an existing collection, for the Go
milvus target's iterator to be compared with.

stdin: JSON {"uri", "collection", "anns_field", "metric", "params",
"queries", "batch_size", "limit"}. stdout: JSON {"kind": the iterator
class pymilvus chose, "ids": [[id, ...] per query, in the order the
batches came], "batches": [n per query]}.
"""

import json
import logging
import sys

from pymilvus import MilvusClient

logging.disable(logging.WARNING)  # the v2 -> v1 fallback warns on stderr


def main() -> None:
    req = json.load(sys.stdin)
    client = MilvusClient(uri=req["uri"])
    out = {"kind": "", "ids": [], "batches": []}
    for q in req["queries"]:
        it = client.search_iterator(
            collection_name=req["collection"],
            data=[q],
            batch_size=req["batch_size"],
            limit=req["limit"],
            search_params={"metric_type": req["metric"], "params": req["params"]},
            anns_field=req["anns_field"],
        )
        out["kind"] = type(it).__name__
        ids, batches = [], 0
        while True:
            page = it.next()
            if len(page) == 0:
                break
            batches += 1
            ids.extend(int(hit["id"]) if isinstance(hit, dict) else int(hit.id) for hit in page)
        it.close()
        out["ids"].append(ids)
        out["batches"].append(batches)
    client.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
