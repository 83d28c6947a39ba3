#!/usr/bin/env bash
# make scaling-check: does a Milvus server's throughput grow with its cores
# as the tuner assumes? Runs Milvus 2.3 standalone (scripts/with-milvus.sh)
# pinned with taskset to 1 core, then to 2 cores, on the same data
# (scripts/scaling/scaling.yaml: SCALING_SIZE rows × 128, HNSW and
# IVF_FLAT), finds the open-loop capacity knee at one p99 goal in each, and
# prints per index type (internal/scalingcheck):
#
#   SCALING index=HNSW knee_1core=… knee_2core=… predicted_2core=… error=…% …
#   CPU index=HNSW 1core: generator_cores=… server_cores=… 2core: …
#
# Pinning: the server (launcher, milvus and its embedded etcd) inherits the
# affinity taskset gives scripts/with-milvus.sh; the generator (milvbench)
# is re-pinned for its own run. With fewer than 3 cores the generator can be
# kept apart from the server only in the 1-core run (server core 0,
# generator core 1); in the 2-core run it shares the server's cores, and the
# CPU line says how much of them it took. Each run's server affinity is
# read back from /proc and printed.
#
# Environment: SCALING_SIZE (default 100000, at least 100000),
# SCALING_ROUNDS (default 1: runs of each core count, alternating; each
# knee is the highest of its rounds, since other work on a shared host only
# lowers a knee), OUT (default out/scaling), MILVBENCH_CACHE (the venv, as
# with-milvus.sh).
# Exit status: scalingcheck's (1: the tuner's model off by more than 20%).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$REPO"
OUT=${OUT:-out/scaling}
export SCALING_SIZE=${SCALING_SIZE:-100000}
ROUNDS=${SCALING_ROUNDS:-1}
GO=${GO:-go}
ncpu=$(nproc)
((ncpu >= 2)) || { echo "scaling-check: needs at least 2 cores, this machine has $ncpu" >&2; exit 2; }
command -v taskset >/dev/null || { echo "scaling-check: needs taskset (util-linux)" >&2; exit 2; }

$GO build -o bin/milvbench ./cmd/milvbench
mkdir -p "$OUT"

# run CORES SERVER_CPUS GENERATOR_CPUS ROUND
run() {
	local cores=$1 scpus=$2 gcpus=$3 dir=$OUT/${1}core-r$4
	echo "scaling-check: ${cores}-core run (round $4): server on cpu $scpus, generator on cpu $gcpus" >&2
	rm -rf "$dir"
	SCALING_CORES=$cores taskset -c "$scpus" bash scripts/with-milvus.sh standalone \
		bash -c '
			port=${MILVUS_URI##*:}
			pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n "s/.*pid=\([0-9]*\).*/\1/p" | head -n 1)
			if [[ -n $pid ]]; then
				echo "scaling-check: server pid $pid $(grep Cpus_allowed_list /proc/$pid/status | tr -s "\t" " ")" >&2
			else
				echo "scaling-check: could not find the server process to show its affinity" >&2
			fi
			exec taskset -c "$0" ./bin/milvbench run "$1" --out "$2" --quiet
		' "$gcpus" scripts/scaling/scaling.yaml "$dir"
}

if ((ncpu >= 3)); then
	gen=2-$((ncpu - 1))
	gen2=$gen
else
	gen=1
	gen2=0,1
fi
one='' two=''
for ((r = 1; r <= ROUNDS; r++)); do
	run 1 0 "$gen" "$r"
	run 2 0,1 "$gen2" "$r"
	one+=${one:+,}$OUT/1core-r$r
	two+=${two:+,}$OUT/2core-r$r
done
$GO run ./internal/scalingcheck -one "$one" -two "$two"
