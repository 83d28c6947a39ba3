#!/usr/bin/env bash
# Start / stop a Milvus 2.3 standalone server (PyPI "milvus", Embedded Milvus:
# a real Milvus 2.3.5 with embedded etcd, local storage and rocksmq) for
# integration tests and local benchmarks. Same interface as milvus-lite.sh.
#
#   scripts/milvus-standalone.sh start DIR   # prints the URI, e.g. http://127.0.0.1:41234
#   scripts/milvus-standalone.sh stop DIR    # safe when already stopped
#
# start: ensures the venv ${MILVBENCH_CACHE:-<repo>/.cache}/venv-standalone
#   (pip install -r scripts/requirements-standalone.txt; quiet when up to
#   date), picks free TCP ports for the Milvus components and the embedded
#   etcd, runs `milvus-server --data DIR/data ...` in the background (own
#   process group) with the launcher's output appended to DIR/server.log,
#   writes DIR/pid, DIR/uri and DIR/metrics_url (its Prometheus endpoint),
#   waits until the server reports healthy and
#   its gRPC (proxy) port accepts connections (MILVUS_STANDALONE_START_TIMEOUT
#   seconds, default 180) and prints the URI on stdout. If a server recorded
#   in DIR is already running, prints its URI and exits 0.
# stop: SIGINT to the milvus server process (its graceful shutdown), then
#   SIGINT to the launcher's process group (the launcher reaps milvus and
#   exits), then SIGTERM, then SIGKILL; waits until every process of the group
#   is gone and removes DIR/pid and DIR/uri.
#
# About the launcher (`milvus-server` of milvus 2.3.5), which this works around:
# - It unpacks the server binaries (~250 MB) into DIR/data/bin on the first
#   start in a DIR (~6 s). Milvus logs go to DIR/data/logs/ (milvus-stdout.log,
#   milvus-stderr.log, standalone-N.log).
# - Every --*-port is only a starting point: a busy port is silently replaced
#   by the next free one. So the proxy port is read back from the config the
#   launcher writes (DIR/data/configs/milvus.yaml), and must be a listening
#   socket of our milvus process.
# - The embedded etcd ignores --etcd-port and listens on 2379 (client) and
#   2380 (peer) unless given an etcd config file; DIR/etcd.yaml (free ports,
#   127.0.0.1) is passed through ETCD_CONFIG_PATH (Milvus reads etcd.config.path
#   from the environment).
# - The health/metrics port cannot be chosen (the launcher takes the first free
#   one from 9091 up and passes it as METRICS_PORT); it is read from the milvus
#   process's environment.
# - If milvus dies, the launcher keeps waiting forever; start notices and
#   fails fast. Its own SIGINT handler gives milvus only 1 s before SIGKILL,
#   hence the separate SIGINT to milvus first on stop.
# - indexCoord.segment.minSegmentNumRowsToEnableIndex=100 is always set: 2.3
#   otherwise silently skips index builds for segments under 1024 rows.
# - Milvus writes /run/milvus/standalone.pid (overwritten, not locked: several
#   servers in different DIRs can run at once).
#
# Environment: MILVBENCH_CACHE (venv location), PYTHON (interpreter for the
#   venv, default python3), MILVUS_STANDALONE_START_TIMEOUT (default 180),
#   MILVUS_STANDALONE_STOP_TIMEOUT (default 30, for milvus's graceful stop).
# Security (for the TLS and authentication tests):
#   MILVUS_STANDALONE_TLS_DIR=CERTS: serve the gRPC port with one-way TLS
#     (common.security.tlsMode 1) using CERTS/server.pem, CERTS/server.key and
#     CERTS/ca.pem; the printed URI is then https://127.0.0.1:PORT.
#   MILVUS_STANDALONE_AUTH=1: common.security.authorizationEnabled (user
#     root, password Milvus, as Milvus creates them).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE=${MILVBENCH_CACHE:-$REPO/.cache}
VENV=$CACHE/venv-standalone
REQ=$SCRIPT_DIR/requirements-standalone.txt
START_TIMEOUT=${MILVUS_STANDALONE_START_TIMEOUT:-180}
STOP_TIMEOUT=${MILVUS_STANDALONE_STOP_TIMEOUT:-30}
MIN_ROWS_FOR_INDEX=100
TLS_DIR=${MILVUS_STANDALONE_TLS_DIR:-}
AUTH=${MILVUS_STANDALONE_AUTH:-}

# shellcheck disable=SC2034 # PROG is read by lib.sh
PROG=milvus-standalone.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$SCRIPT_DIR/lib.sh"

# ---- virtualenv: ensure_venv (lib.sh), as in scripts/pyenv.sh but for
# requirements-standalone.txt.

# check_launcher: the smoke test after installing.
check_launcher() {
	local out
	if ! out=$("$VENV/bin/milvus-server" --help 2>&1); then
		echo "$out" | tail -n 20 >&2
		die "milvus installed into $VENV but milvus-server --help fails"
	fi
}

# ---- processes

# milvus_pids PGID DIR: the live milvus server processes (DIR/data/bin/milvus)
# of group PGID. Also finds a milvus whose launcher has died.
milvus_pids() {
	local p exe
	for p in $(group_pids "$1"); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		[[ $exe == "$2/data/bin/milvus" || $exe == "$2/data/bin/milvus (deleted)" ]] && echo "$p"
	done
	return 0
}

# is_our_server PID DIR: PID is alive and is the milvus-server launcher on
# DIR/data (guards against a stale pid file whose PID was reused).
is_our_server() { cmdline_has "$1" milvus-server "--data $2/data "; }

# healthy PORT: GET /healthz on 127.0.0.1:PORT answers 200 "OK" (all Milvus
# components up; the launcher waits for the same).
healthy() {
	local resp
	resp=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
		cat <&3' _ "$1" 2>/dev/null) || return 1
	[[ $resp == HTTP/1.?" 200"* && $resp == *$'\r\n\r\nOK'* ]]
}

# metrics_port PID: the health/metrics port the launcher gave milvus PID.
metrics_port() {
	{ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | sed -n 's/^METRICS_PORT=//p' | head -n 1 || true
}

# config_proxy_port DIR: proxy.port in the config the launcher wrote.
config_proxy_port() {
	awk '/^[^ #]/ {sect = $1} sect == "proxy:" && /^  port:/ {print $2; exit}' \
		"$1/data/configs/milvus.yaml" 2>/dev/null || true
}

# show_logs DIR: the last lines of the launcher's and milvus's logs on stderr.
show_logs() {
	log_tail 25 "$1/server.log" "$1/data/logs/milvus-stderr.log" "$1/data/logs/milvus-stdout.log"
}

# wait_milvus_gone PGID DIR SECONDS: 0 once no milvus server of the group lives.
wait_milvus_gone() {
	local deadline=$((SECONDS + $3))
	while [[ -n $(milvus_pids "$1" "$2") ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

do_stop() {
	local dir=$1 pid ms
	if ! pid=$(read_pid "$dir"); then
		rm -f "$dir/uri"
		return 0
	fi
	ms=$(milvus_pids "$pid" "$dir")
	if is_our_server "$pid" "$dir" || [[ -n $ms ]]; then
		if [[ -n $ms ]]; then
			# shellcheck disable=SC2086 # one pid per word
			kill -s INT $ms 2>/dev/null || true
			wait_milvus_gone "$pid" "$dir" "$STOP_TIMEOUT" ||
				echo "milvus-standalone.sh: warning: milvus did not stop within ${STOP_TIMEOUT}s of SIGINT" >&2
		fi
		end_group "$pid" 10 || die "server process group $pid did not exit"
	fi
	rm -f "$dir/pid" "$dir/uri" "$dir/metrics_url"
}

do_start() {
	local dir=$1 pid port uri attempt deadline bin m mport outcome
	local -a ports security=()
	local scheme=http

	if pid=$(read_pid "$dir") && is_our_server "$pid" "$dir" && [[ -s $dir/uri ]]; then
		uri=$(<"$dir/uri")
		m=$(milvus_pids "$pid" "$dir" | head -n 1)
		if [[ -n $m ]] && owns_listener "$m" "${uri##*:}" && port_open "${uri##*:}"; then
			echo "milvus-standalone.sh: already running (pid $pid)" >&2
			echo "$uri"
			return 0
		fi
	fi
	do_stop "$dir" # clears a stale / half-started server

	ensure_venv "$VENV" "$REQ" "$CACHE/.venv-standalone.lock" milvus-server true check_launcher || exit 1
	bin=$VENV/bin/milvus-server
	[[ -x $bin ]] || die "$bin not found"

	# The launcher writes these into common.security and tls.* of milvus.yaml.
	if [[ -n $TLS_DIR ]]; then
		local f
		for f in server.pem server.key ca.pem; do
			[[ -r $TLS_DIR/$f ]] || die "MILVUS_STANDALONE_TLS_DIR: cannot read $TLS_DIR/$f"
		done
		security+=(--tls-mode 1 --server-pem-path "$TLS_DIR/server.pem"
			--server-key-path "$TLS_DIR/server.key" --ca-pem-path "$TLS_DIR/ca.pem")
		scheme=https
	fi
	case $AUTH in
	'' | 0 | false) ;;
	*) security+=(--authorization-enabled true) ;;
	esac

	mkdir -p "$dir/data" || die "cannot create $dir/data"

	# Ports are picked before the server binds them, so another process can
	# grab one in between; retry with fresh ports if the server dies early.
	for attempt in 1 2 3; do
		read -r -a ports <<<"$(free_ports "$VENV/bin/python" 11)"
		((${#ports[@]} == 11)) || die "cannot pick free ports"
		# ports: 0 proxy, 1 etcd client, 2 etcd peer, 3 root coord, 4 proxy
		# internal, 5 query coord, 6 query node, 7 index coord, 8 index node,
		# 9 data coord, 10 data node.
		cat >"$dir/etcd.yaml" <<EOF || die "cannot write $dir/etcd.yaml"
# Embedded etcd of the Milvus standalone in $dir (written by milvus-standalone.sh).
name: default
listen-client-urls: http://127.0.0.1:${ports[1]}
advertise-client-urls: http://127.0.0.1:${ports[1]}
listen-peer-urls: http://127.0.0.1:${ports[2]}
initial-advertise-peer-urls: http://127.0.0.1:${ports[2]}
initial-cluster: default=http://127.0.0.1:${ports[2]}
EOF
		# Rewritten by the launcher with the ports it actually resolved.
		rm -f "$dir/data/configs/milvus.yaml"
		echo "==== $(date -u +%FT%TZ) milvus-standalone.sh start: ports ${ports[*]} (attempt $attempt)" >>"$dir/server.log"

		# set -m: the launcher gets its own process group (pgid == pid; milvus
		# inherits it), and SIGINT is not ignored as it is for plain background
		# jobs, so that stop can ask for a graceful shutdown.
		set -m
		ETCD_CONFIG_PATH=$dir/etcd.yaml PYTHONUNBUFFERED=1 nohup "$bin" --data "$dir/data" \
			--proxy-port "${ports[0]}" --etcd-port "${ports[1]}" \
			--root-coord-port "${ports[3]}" --proxy-internal-port "${ports[4]}" \
			--query-coord-port "${ports[5]}" --query-node-port "${ports[6]}" \
			--index-coord-port "${ports[7]}" --index-node-port "${ports[8]}" \
			--data-coord-port "${ports[9]}" --data-node-port "${ports[10]}" \
			--extra-config "indexCoord.segment.minSegmentNumRowsToEnableIndex=$MIN_ROWS_FOR_INDEX" \
			${security[@]+"${security[@]}"} \
			</dev/null >>"$dir/server.log" 2>&1 &
		pid=$!
		set +m
		echo "$pid" >"$dir/pid"

		deadline=$((SECONDS + START_TIMEOUT))
		m='' port='' outcome=timeout
		while ((SECONDS < deadline)); do
			if ! alive "$pid"; then
				outcome=exited
				break
			fi
			if [[ -z $m ]]; then
				m=$(milvus_pids "$pid" "$dir" | head -n 1)
			elif ! alive "$m"; then
				outcome=exited
				break
			else
				[[ -n $port ]] || port=$(config_proxy_port "$dir")
				mport=$(metrics_port "$m")
				if [[ -n $port && -n $mport ]] && owns_listener "$m" "$mport" && healthy "$mport" &&
					owns_listener "$m" "$port" && port_open "$port"; then
					if [[ $port != "${ports[0]}" ]]; then
						echo "milvus-standalone.sh: note: port ${ports[0]} was taken, the server listens on $port" |
							tee -a "$dir/server.log" >&2
					fi
					uri=$scheme://127.0.0.1:$port
					echo "$uri" >"$dir/uri"
					echo "http://127.0.0.1:$mport/metrics" >"$dir/metrics_url"
					echo "$uri"
					return 0
				fi
			fi
			sleep 0.2
		done

		if [[ $outcome == timeout ]]; then
			show_logs "$dir"
			do_stop "$dir"
			die "milvus standalone did not become healthy within ${START_TIMEOUT}s (logs: $dir/server.log, $dir/data/logs/)"
		fi
		# milvus or the launcher died: the launcher would wait forever.
		do_stop "$dir"
		wait "$pid" 2>/dev/null || true
		# Retry only when a bind failed (a port was taken in the meantime).
		if ! tail -n 200 "$dir/data/logs/milvus-stdout.log" "$dir/data/logs/milvus-stderr.log" \
			"$dir/server.log" 2>/dev/null | grep -qiE 'address already in use'; then
			break
		fi
	done
	show_logs "$dir"
	die "milvus standalone exited during startup (logs: $dir/server.log, $dir/data/logs/)"
}

server_main "$@" # start DIR | stop DIR (lib.sh)
