# make peers: the embedded engine against faiss and hnswlib (issue 3) on
# 100k×128 clustered vectors, 1k queries, recall@10. The peers come from the
# pinned virtualenv scripts/pyenv.sh makes under $(CACHE)/venv.
.PHONY: peers

peers:
	bash scripts/pyenv.sh
	$(GO) run ./scripts/peers -dir $(CACHE)/peers -python $(CACHE)/venv/bin/python -script scripts/peers/peers.py

# make tune-vs-grid: the tuner against the full grid (issue 9): the same
# recommended config with a fraction of the trials. Opt-in.
.PHONY: tune-vs-grid
WORKLOAD ?= workloads/examples/quickstart.yaml
PAIRS ?= 1
tune-vs-grid: build
	bash scripts/tune-vs-grid.sh $(WORKLOAD) $(PAIRS)
