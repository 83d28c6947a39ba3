#!/usr/bin/env bash
# tune-vs-grid.sh WORKLOAD [PAIRS] — the tuner's acceptance measurement:
# runs the full grid (`milvbench run`) and the adaptive search
# (`milvbench tune`) on WORKLOAD, PAIRS times each (default 1), alternating
# so that drift on a shared machine hits both, and prints for every run the
# trials it measured and the recommended config (index, build, search
# params, batch size), then whether each tune's answer equals the grid's and
# its share of the grid's trials. Output directories: $OUT/tvg/NAME/.
#
#   make tune-vs-grid WORKLOAD=workloads/examples/quickstart.yaml PAIRS=2
#
# Needs jq. Runs on whatever target the workload names; opt-in (the
# 200k example's grid takes about ten minutes on 2 cores).
set -euo pipefail
wl=${1:?usage: tune-vs-grid.sh WORKLOAD [PAIRS]}
pairs=${2:-1}
bin=${MILVBENCH:-bin/milvbench}
command -v jq >/dev/null || { echo "tune-vs-grid.sh: needs jq" >&2; exit 2; }
name=$(basename "$wl" .yaml)
dir=${OUT:-out}/tvg/$name
mkdir -p "$dir"

# config DIR: the recommended config of the run in DIR, or "none".
config() {
	jq -r '.answers[0].choice // empty | "\(.index.type) \(.index.build // {} | tojson) \(.search | tojson) nq=\(.nq)"' "$1/recommendation.json" | grep . || echo none
}
trials() { jq '.trials | length' "$1/results.json"; }

printf '%-8s %-6s %7s  %s\n' run pair trials "recommended config"
for i in $(seq 1 "$pairs"); do
	for cmd in run tune; do
		out=$dir/$cmd-$i
		rm -rf "$out"
		"$bin" "$cmd" "$wl" --out "$out" --quiet
		printf '%-8s %-6s %7s  %s\n' "$cmd" "$i" "$(trials "$out")" "$(config "$out")"
	done
done
echo
for i in $(seq 1 "$pairs"); do
	g=$dir/run-$i t=$dir/tune-$i
	same=no
	[ "$(config "$g")" = "$(config "$t")" ] && same=yes
	printf 'pair %s: same config %s; tune ran %s of the grid'"'"'s %s trials (%s%%)\n' "$i" "$same" \
		"$(trials "$t")" "$(trials "$g")" "$(( 100 * $(trials "$t") / $(trials "$g") ))"
done
