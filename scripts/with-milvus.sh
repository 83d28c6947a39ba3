#!/usr/bin/env bash
# Run a command against a fresh local Milvus-protocol server on loopback, and
# stop the server afterwards, also when the command fails or is interrupted.
#
#   scripts/with-milvus.sh lite|standalone COMMAND [ARGS...]
#
# lite: Milvus Lite (scripts/milvus-lite.sh); standalone: Milvus 2.3 standalone
# (scripts/milvus-standalone.sh). COMMAND runs with MILVUS_URI set to the
# server, MILVUS_METRICS_URL to its Prometheus endpoint (standalone; empty for
# lite) and MILVBENCH_REQUIRE_MILVUS=1, so integration tests fail rather than
# skip if the server is missing. Exit status: COMMAND's.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE=${MILVBENCH_CACHE:-$REPO/.cache}

[[ $# -ge 2 ]] || { echo "usage: $0 lite|standalone COMMAND [ARGS...]" >&2; exit 2; }
kind=$1
shift
server=$SCRIPT_DIR/milvus-$kind.sh
[[ -f $server ]] || { echo "with-milvus.sh: unknown server kind $kind (lite or standalone)" >&2; exit 2; }

mkdir -p "$CACHE"
dir=$(mktemp -d "$CACHE/milvus-$kind-run.XXXXXX")
cleanup() {
	bash "$server" stop "$dir" || echo "with-milvus.sh: warning: stopping the server in $dir failed" >&2
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "with-milvus.sh: starting $kind server ..." >&2
uri=$(bash "$server" start "$dir")
echo "with-milvus.sh: $kind server at $uri" >&2
# A server with a Prometheus endpoint (standalone) names it in DIR/metrics_url.
metrics=""
[[ -s $dir/metrics_url ]] && metrics=$(<"$dir/metrics_url")
MILVUS_URI=$uri MILVUS_METRICS_URL=$metrics MILVBENCH_REQUIRE_MILVUS=1 MILVBENCH_SERVER_KIND=$kind MILVBENCH_SERVER_SCRIPT=$server "$@"
