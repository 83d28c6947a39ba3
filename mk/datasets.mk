# Datasets: ground-truth speed and agreement against faiss.
.PHONY: peers-gt

PEERS_GT_DIR     := $(CACHE)/peers-gt
PEERS_GT_THREADS ?= $(shell nproc)

## peers-gt: time exact top-100 (100k×128 base, 1k queries) against faiss IndexFlatL2, same threads, same files
peers-gt: build
	@scripts/pyenv.sh
	@test -f $(PEERS_GT_DIR)/synthetic_base.fvecs || \
		./$(BIN) dataset gen --size 100000 --dim 128 --queries 1000 --dist gaussian --seed 7 --format fvecs --out $(PEERS_GT_DIR) >/dev/null
	@ours=$$(./$(BIN) dataset gt --base $(PEERS_GT_DIR)/synthetic_base.fvecs --query $(PEERS_GT_DIR)/synthetic_query.fvecs \
		--k 100 --threads $(PEERS_GT_THREADS) --no-cache --out $(PEERS_GT_DIR)/ours.ivecs | sed -n 's/.*gt_s=//p') && \
	$(CACHE)/venv/bin/python scripts/peers-gt/faiss_gt.py $(PEERS_GT_DIR)/synthetic_base.fvecs \
		$(PEERS_GT_DIR)/synthetic_query.fvecs $(PEERS_GT_DIR)/ours.ivecs 100 $(PEERS_GT_THREADS) $$ours

## gt-scale: exact top-100 of 10,000 queries over 1M×768 base vectors, streamed
## from the synthetic generator on all cores; prints the time and the peak RSS
## against the streaming bound (datasets.GTMemoryBound). Minutes; not in make test.
.PHONY: gt-scale
GT_SCALE ?= 1
gt-scale:
	MILVBENCH_GT_SCALE=$(GT_SCALE) $(GO) test -run '^$$' -bench '^BenchmarkExactTopKScale$$' -benchtime 1x -timeout 60m -v ./datasets/
