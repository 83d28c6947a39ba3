# milvbench — the two commands a fresh clone needs: `make demo` and `make test`.
GO      ?= go
BIN     := bin/milvbench
CACHE   ?= $(CURDIR)/.cache
OUT     ?= out
.DEFAULT_GOAL := build

.PHONY: build demo test unit lint clean

# Each area's extra targets (peers, integration servers, ...) live in mk/*.mk.
-include mk/*.mk

build:
	$(GO) build -o $(BIN) ./cmd/milvbench

## demo: run the quickstart workload on the embedded target into out/quickstart/
demo: build
	./$(BIN) run workloads/examples/quickstart.yaml --out $(OUT)/quickstart

## test: every test (lint, unit tests with the race detector)
test: lint unit

unit:
	$(GO) test -race -count=1 ./...

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$bad" ]; then echo "gofmt needed on:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)
