# make scaling-check: Milvus standalone pinned to 1 core, then 2, the
# capacity knee of HNSW and IVF_FLAT at one p99 goal in each, against the
# tuner's scaling model (scripts/scaling-check.sh). Opt-in: minutes of
# load on every core; not part of make test.
.PHONY: scaling-check

scaling-check:
	GO=$(GO) bash scripts/scaling-check.sh
