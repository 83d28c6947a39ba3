# Fuzz targets (go test -fuzz) for workload decoding, every dataset reader and
# the filter expression parser and like matcher.
# `make test` already runs each target's seeds (testdata/bad, testdata/fuzz)
# as plain tests; these targets mutate them. A failing input is saved under
# the package's testdata/fuzz/<Target>/ (commit it: it becomes a seed) and
# fails the make target.
.PHONY: fuzz-short fuzz-ci

FUZZ_TARGETS  := ./workloads:FuzzParse ./datasets:FuzzVecs ./datasets:FuzzNpy ./datasets:FuzzParquet ./datasets:FuzzHDF5 ./datasets:FuzzGTCache
FUZZ_TARGETS  += ./datasets/sparse:FuzzCSR ./datasets/sparse:FuzzText ./expr:FuzzParse ./expr:FuzzLike
FUZZ_TARGETS  += ./datasets/fetch:FuzzDebian ./workloads:FuzzFilterSpec ./datasets:FuzzPayloadJSONL
FUZZTIME      ?= 60s
# Work spent shrinking each new interesting input (Go's default, 60 s, would
# use most of a short run): 200 executions.
FUZZ_MINIMIZE ?= 200x

## fuzz-short: fuzz each target for FUZZTIME (default 60s), one after another
# A run that fails with the fuzzer's own "context deadline exceeded" and
# writes no failing input is Go's coordinator timing out on a worker still
# busy at the end of a short -fuzztime on a loaded host (it happened once in
# CI on FuzzCSR); that target runs once more. Any failing input fails at once.
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		if ! out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZ_MINIMIZE) $$pkg 2>&1); then \
			echo "$$out"; \
			if echo "$$out" | grep -q 'Failing input written' || ! echo "$$out" | grep -q 'context deadline exceeded'; then exit 1; fi; \
			echo "== $$name: the fuzzer's own deadline, no failing input written: once more"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZ_MINIMIZE) $$pkg; \
		else echo "$$out"; fi; \
	done

## fuzz-ci: every fuzz target for 3 s (.ci/run)
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz-short FUZZTIME=3s FUZZ_MINIMIZE=50x
