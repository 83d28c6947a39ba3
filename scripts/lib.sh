# shellcheck shell=bash
# Shared helpers of pyenv.sh, milvus-lite.sh and milvus-standalone.sh. Sourced,
# not run:
#
#   PROG=name.sh   # the prefix of this script's messages
#   . "$SCRIPT_DIR/lib.sh"
#
# Only defines functions: sets no variables and changes no shell options (the
# callers run under `set -euo pipefail`; the functions check their own errors).

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

# ---- command line of milvus-lite.sh and milvus-standalone.sh

# server_main ARGS...: `start DIR` or `stop DIR`, run by the caller's do_start
# DIR / do_stop DIR with DIR made absolute and free of symlinks (a server's
# processes are matched against it); start creates DIR, stop of a missing DIR
# does nothing. Anything else: usage, exit 2.
server_main() {
	[[ $# -eq 2 && -n $2 ]] || server_usage
	case $1 in
	start)
		mkdir -p "$2" || die "cannot create $2"
		do_start "$(cd "$2" && pwd -P)"
		;;
	stop)
		[[ -d $2 ]] || exit 0
		do_stop "$(cd "$2" && pwd -P)"
		;;
	*) server_usage ;;
	esac
}

server_usage() {
	echo "usage: $0 start DIR | stop DIR" >&2
	exit 2
}

# ---- virtualenv

# venv_current VENV WANT EXE: VENV's stamp holds WANT (the sha256 of its
# requirements file), VENV/bin/EXE is executable and the venv's interpreter runs.
venv_current() {
	[[ -f $1/.requirements.sha256 && "$(cat "$1/.requirements.sha256" 2>/dev/null)" == "$2" &&
		-x $1/bin/$3 ]] && "$1/bin/python" -c '' >/dev/null 2>&1
}

# ensure_venv VENV REQUIREMENTS LOCK EXE PREPARE CHECK: makes VENV a virtualenv
# with `pip install -r REQUIREMENTS` done (interpreter: ${PYTHON:-python3}).
# Quiet when VENV is current (see venv_current); otherwise prints one line on
# stderr and (re)installs under the flock LOCK (so that concurrent runs install
# once), with the full pip log in VENV/pip-install.log. The stamp is written
# last, so that an interrupted or failed install does not look current.
#   EXE: a program the venv must provide (VENV/bin/EXE).
#   PREPARE: a command run before installing (e.g. to check the interpreter);
#     CHECK: a smoke test run after pip. Both report their own errors: they
#     call die or print a message and return non-zero.
# Returns non-zero (after a message on stderr) on failure.
ensure_venv() {
	local venv=$1 req=$2 lock=$3 exe=$4 prepare=$5 check=$6
	local want py=${PYTHON:-python3} stamp=$1/.requirements.sha256 log=$1/pip-install.log
	[[ -f $req ]] || die "missing $req"
	want=$(sha256sum "$req" | cut -d' ' -f1) || die "cannot hash $req"
	venv_current "$venv" "$want" "$exe" && return 0
	mkdir -p "${lock%/*}" || die "cannot create ${lock%/*}"
	# A subshell holds the lock, so that a server started afterwards does not
	# inherit the lock's file descriptor.
	(
		# Serialise concurrent runs (e.g. several test processes starting at once).
		if command -v flock >/dev/null 2>&1; then
			exec 9>"$lock" || die "cannot open $lock"
			flock 9 || die "cannot lock $lock"
			# Another run may have finished the job while we waited.
			venv_current "$venv" "$want" "$exe" && exit 0
		fi
		"$prepare" || exit 1
		command -v "$py" >/dev/null 2>&1 || die "$py not found (set PYTHON=/path/to/python3)"
		# REQUIREMENTS shown from the repository root (it is in scripts/).
		echo "$PROG: installing Python packages from ${req#"${req%/scripts/*}/"} into $venv" >&2
		# (Re)create the venv when it is missing or broken (e.g. its interpreter is gone).
		if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
			rm -rf "$venv"
			"$py" -m venv "$venv" >/dev/null 2>&1 || {
				"$py" -m venv "$venv" 2>&1 | tail -n 20 >&2 || true
				die "cannot create virtualenv at $venv with $py (is the venv module installed?)"
			}
		fi
		# An interrupted or failed install must not look up to date.
		rm -f "$stamp"
		if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
			"$venv/bin/python" -m pip install --requirement "$req" >"$log" 2>&1; then
			echo "---- last lines of $log ----" >&2
			tail -n 30 "$log" >&2 || true
			die "pip install -r $req failed (full log: $log)"
		fi
		"$check" || exit 1
		{ echo "$want" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"; } || die "cannot write $stamp"
	)
}

# ---- processes

# alive PID: PID exists and is not a zombie (a zombie holds nothing any more,
# and may stay around: the standalone launcher does not reap a dead milvus
# until it is signalled itself, so kill -0 is not enough).
alive() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) }
	[[ ${s%% *} != [ZX] ]]
}

# group_pids PGID: the live (non-zombie) processes of process group PGID.
group_pids() {
	local f s st pg pid
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		read -r st _ pg _ <<<"${s##*) }"
		[[ $pg == "$1" && $st != [ZX] ]] || continue
		pid=${f#/proc/}
		echo "${pid%/stat}"
	done
	return 0
}

# cmdline_has PID STRING...: PID is alive and its command line (each argument
# followed by a space) contains every STRING.
cmdline_has() {
	local pid=$1 cmd s
	alive "$pid" || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	shift
	for s; do
		[[ $cmd == *"$s"* ]] || return 1
	done
}

# read_pid DIR: the PID recorded in DIR/pid.
read_pid() {
	local f=$1/pid pid
	[[ -f $f ]] || return 1
	pid=$(tr -dc '0-9' <"$f")
	[[ -n $pid ]] || return 1
	echo "$pid"
}

# port_open PORT: 127.0.0.1:PORT accepts a TCP connection.
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

# free_ports PYTHON N: N distinct TCP ports free on all IPv4 addresses (so also
# on 127.0.0.1) right now, space-separated; PYTHON is the interpreter to ask.
free_ports() {
	"$1" - "$2" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("0.0.0.0", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

# log_tail LINES FILE...: the last LINES lines of each non-empty FILE on
# stderr, long lines cut at 400 characters.
log_tail() {
	local n=$1 f
	shift
	for f; do
		[[ -s $f ]] || continue
		echo "---- last lines of $f ----" >&2
		tail -n "$n" "$f" 2>/dev/null | cut -c1-400 >&2 || true
	done
	echo "----" >&2
}

# kill_group PID SIG: signal the process group led by PID (the servers are
# started as group leaders), falling back to the single process.
kill_group() {
	kill -s "$2" -- "-$1" 2>/dev/null || kill -s "$2" "$1" 2>/dev/null || true
}

# wait_gone PID SECONDS: 0 once PID and every process of its group are gone
# (zombies count as gone).
wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while true; do
		if ! alive "$pid" && [[ -z $(group_pids "$pid") ]]; then
			return 0
		fi
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# end_group PID SECONDS: SIGINT to the process group led by PID (a graceful
# shutdown), then SIGTERM after SECONDS, then SIGKILL after 5 more; 0 once the
# group is gone, 1 if it is still there 5 s after SIGKILL.
end_group() {
	kill_group "$1" INT
	wait_gone "$1" "$2" && return 0
	kill_group "$1" TERM
	wait_gone "$1" 5 && return 0
	kill_group "$1" KILL
	wait_gone "$1" 5
}
