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

die() {
	echo "milvus-lite.sh: error: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 start DIR | stop DIR" >&2
	exit 2
}

alive() { kill -0 "$1" 2>/dev/null; }

# is_our_server PID DIR: PID is alive and is a milvus-lite server on DIR/data
# (guards against a stale pid file whose PID was reused).
is_our_server() {
	local pid=$1 dir=$2 cmd
	alive "$pid" || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *milvus-lite* && $cmd == *"--data-dir $dir/data"* ]]
}

read_pid() {
	local f=$1/pid pid
	[[ -f $f ]] || return 1
	pid=$(tr -dc '0-9' <"$f")
	[[ -n $pid ]] || return 1
	echo "$pid"
}

port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# owns_listener PID PORT: PID holds a listening TCP socket on PORT (so a
# connection to PORT reaches our server, not some other process on that port).
owns_listener() {
	local pid=$1 hex inode
	hex=$(printf '%04X' "$2")
	for inode in $(awk -v p=":$hex" '$4 == "0A" && $2 ~ (p "$") {print $10}' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null); do
		if find "/proc/$pid/fd" -maxdepth 1 -lname "socket:\[$inode\]" 2>/dev/null | grep -q .; then
			return 0
		fi
	done
	return 1
}

free_port() {
	"$VENV/bin/python" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

log_tail() {
	echo "---- last lines of $1 ----" >&2
	tail -n 40 "$1" >&2 2>/dev/null || true
	echo "----" >&2
}

# kill_group PID SIG: signal the process group led by PID (the server was
# started as a group leader), falling back to the single process.
kill_group() {
	kill -s "$2" -- "-$1" 2>/dev/null || kill -s "$2" "$1" 2>/dev/null || true
}

# wait_gone PID SECONDS: 0 once PID and its process group have exited.
wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		if ! alive "$pid" && ! kill -0 -- "-$pid" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	! alive "$pid" && ! kill -0 -- "-$pid" 2>/dev/null
}

do_stop() {
	local dir=$1 pid
	if ! pid=$(read_pid "$dir"); then
		rm -f "$dir/uri"
		return 0
	fi
	if is_our_server "$pid" "$dir"; then
		kill_group "$pid" INT
		if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
			kill_group "$pid" TERM
			if ! wait_gone "$pid" 5; then
				kill_group "$pid" KILL
				wait_gone "$pid" 5 || die "server pid $pid did not exit"
			fi
		fi
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
		port=$(free_port) || die "cannot pick a free port"
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
			log_tail "$dir/server.log"
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
	log_tail "$dir/server.log"
	die "milvus-lite server exited during startup (log: $dir/server.log)"
}

[[ $# -eq 2 && -n $2 ]] || usage
case $1 in
start)
	mkdir -p "$2" || die "cannot create $2"
	do_start "$(cd "$2" && pwd)"
	;;
stop)
	[[ -d $2 ]] || exit 0
	do_stop "$(cd "$2" && pwd)"
	;;
*) usage ;;
esac
