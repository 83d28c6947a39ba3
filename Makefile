# milvbench — the two commands a fresh clone needs: `make demo` and `make test`.
GO      ?= go
BIN     := bin/milvbench
CACHE   ?= $(CURDIR)/.cache
OUT     ?= out
.DEFAULT_GOAL := build

.PHONY: build demo test unit test-standalone soak lint clean

# Each area's extra targets (peers, integration servers, ...) live in mk/*.mk.
-include mk/*.mk

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/milvbench

## demo: run the quickstart workload on the embedded target into out/quickstart/
demo: build
	./$(BIN) run workloads/examples/quickstart.yaml --out $(OUT)/quickstart

## test: every test: lint, then all Go tests (race detector on) with a local
## Milvus Lite server started for the integration tests and stopped after
test: lint
	bash scripts/with-milvus.sh lite $(GO) test -race -count=1 -timeout 20m ./...

## unit: Go tests without a server (integration tests skip)
unit:
	$(GO) test -race -count=1 ./...

## test-standalone: the Milvus integration suite, all index types, against
## Milvus 2.3 standalone (PyPI milvus) instead of Milvus Lite
test-standalone:
	bash scripts/with-milvus.sh standalone env MILVBENCH_FULL_INDEXES=1 $(GO) test -count=1 -timeout 30m -v ./bench/milvus/

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$bad" ]; then echo "gofmt needed on:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)

## soak: 10 minutes (SOAK=…) of mixed search/insert/delete/upsert load against
## a local Milvus Lite, printing the harness's RSS, heap, goroutines and open
## sockets before, during and after; not part of `make test`
SOAK ?= 10m
soak:
	bash scripts/with-milvus.sh lite env MILVBENCH_SOAK=$(SOAK) $(GO) test -count=1 -timeout 60m -v -run '^TestSoak$$' ./cmd/milvbench/
