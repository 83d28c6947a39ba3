#!/usr/bin/env bash
# Start / stop a Milvus Lite gRPC server for tests and local benchmarks.
#
#   scripts/milvus-lite.sh start DIR   # prints the URI, e.g. http://127.0.0.1:41234
#   scripts/milvus-lite.sh stop DIR    # safe when already stopped
#
# start: ensures the venv (scripts/pyenv.sh), picks a free TCP port on
#   127.0.0.1, runs `milvus-lite server --data-dir DIR/data --host 127.0.0.1
#   --port PORT` in the background (own process group) with output appended to
#   DIR/server.log, writes DIR/pid and DIR/uri, waits until the port accepts
#   connections (MILVUS_LITE_START_TIMEOUT seconds, default 60) and prints the
#   URI on stdout. If a server recorded in DIR is already running, prints its
#   URI and exits 0.
# stop: SIGINT (milvus-lite's graceful shutdown: drains requests, closes the
#   data dir), then SIGTERM, then SIGKILL to the server's process group; waits
#   until it is gone and removes DIR/pid and DIR/uri.
#
# Environment: MILVBENCH_CACHE (venv location, see pyenv.sh),
#   MILVUS_LITE_START_TIMEOUT (default 60), MILVUS_LITE_STOP_TIMEOUT (default 20).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE=${MILVBENCH_CACHE:-$REPO/.cache}
VENV=$CACHE/venv
START_TIMEOUT=${MILVUS_LITE_START_TIMEOUT:-60}
STOP_TIMEOUT=${MILVUS_LITE_STOP_TIMEOUT:-20}

# shellcheck disable=SC2034 # PROG is read by lib.sh
PROG=milvus-lite.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$SCRIPT_DIR/lib.sh"

# is_our_server PID DIR: PID is alive and is a milvus-lite server on DIR/data
# (guards against a stale pid file whose PID was reused).
is_our_server() { cmdline_has "$1" milvus-lite "--data-dir $2/data "; }

do_stop() {
	local dir=$1 pid
	if ! pid=$(read_pid "$dir"); then
		rm -f "$dir/uri"
		return 0
	fi
	if is_our_server "$pid" "$dir"; then
		end_group "$pid" "$STOP_TIMEOUT" || die "server pid $pid did not exit"
	fi
	rm -f "$dir/pid" "$dir/uri"
}

do_start() {
	local dir=$1 pid port uri attempt deadline bin

	if pid=$(read_pid "$dir") && is_our_server "$pid" "$dir" && [[ -s $dir/uri ]]; then
		uri=$(<"$dir/uri")
		if owns_listener "$pid" "${uri##*:}" && port_open "${uri##*:}"; then
			echo "milvus-lite.sh: already running (pid $pid)" >&2
			echo "$uri"
			return 0
		fi
	fi
	do_stop "$dir" # clears a stale / half-started server

	"$SCRIPT_DIR/pyenv.sh" || die "python environment setup failed (scripts/pyenv.sh)"
	bin=$VENV/bin/milvus-lite
	[[ -x $bin ]] || die "$bin not found"

	mkdir -p "$dir/data" || die "cannot create $dir/data"

	# The port is picked before the server binds it, so another process can
	# grab it in between; retry with a fresh port if the server dies early.
	for attempt in 1 2 3; do
		port=$(free_ports "$VENV/bin/python" 1) || die "cannot pick a free port"
		uri=http://127.0.0.1:$port
		echo "==== $(date -u +%FT%TZ) milvus-lite.sh start: port $port (attempt $attempt)" >>"$dir/server.log"

		# set -m: the server gets its own process group (pgid == pid), and
		# SIGINT is not ignored as it is for plain background jobs, so that
		# stop can ask for milvus-lite's graceful (KeyboardInterrupt) shutdown.
		set -m
		PYTHONUNBUFFERED=1 nohup "$bin" server --data-dir "$dir/data" \
			--host 127.0.0.1 --port "$port" </dev/null >>"$dir/server.log" 2>&1 &
		pid=$!
		set +m
		echo "$pid" >"$dir/pid"

		deadline=$((SECONDS + START_TIMEOUT))
		while alive "$pid" && ((SECONDS < deadline)); do
			if owns_listener "$pid" "$port" && port_open "$port"; then
				echo "$uri" >"$dir/uri"
				echo "$uri"
				return 0
			fi
			sleep 0.2
		done

		if alive "$pid"; then
			log_tail 40 "$dir/server.log"
			do_stop "$dir"
			die "milvus-lite server did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s (log: $dir/server.log)"
		fi
		wait "$pid" 2>/dev/null || true
		rm -f "$dir/pid"
		# Retry only when the bind itself failed (port taken in the meantime).
		if ! tail -n 20 "$dir/server.log" | grep -qiE 'failed to bind|address already in use'; then
			break
		fi
	done
	log_tail 40 "$dir/server.log"
	die "milvus-lite server exited during startup (log: $dir/server.log)"
}

server_main "$@" # start DIR | stop DIR (lib.sh)
