#!/usr/bin/env bash
# Create (idempotently) the Python virtualenv used by milvbench and install the
# pinned packages from scripts/requirements.txt into it.
#
#   scripts/pyenv.sh            # ensure the venv is up to date
#
# Location: ${MILVBENCH_CACHE:-<repo>/.cache}/venv
# Interpreter: ${PYTHON:-python3} (needs Python >= 3.10 for milvus-lite 3.x).
#
# Quiet (no output, exit 0) when the venv is already up to date, i.e. the stamp
# file in the venv holds the sha256 of requirements.txt. Prints one line to
# stderr when it (re)installs; the full pip log goes to <venv>/pip-install.log.
# Exits non-zero with a message on stderr on failure.
set -euo pipefail

die() {
	echo "pyenv.sh: error: $*" >&2
	exit 1
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE=${MILVBENCH_CACHE:-$REPO/.cache}
VENV=$CACHE/venv
REQ=$SCRIPT_DIR/requirements.txt
STAMP=$VENV/.requirements.sha256
LOG=$VENV/pip-install.log
PY=${PYTHON:-python3}

[[ -f $REQ ]] || die "missing $REQ"
want=$(sha256sum "$REQ" | cut -d' ' -f1) || die "cannot hash $REQ"

up_to_date() {
	[[ -f $STAMP && "$(cat "$STAMP" 2>/dev/null)" == "$want" && -x $VENV/bin/milvus-lite ]] &&
		"$VENV/bin/python" -c '' >/dev/null 2>&1
}

# Fast path: nothing to do.
if up_to_date; then
	exit 0
fi

mkdir -p "$CACHE" || die "cannot create $CACHE"

# Serialise concurrent runs (e.g. several test processes starting at once).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE/.pyenv.lock" || die "cannot open $CACHE/.pyenv.lock"
	flock 9 || die "cannot lock $CACHE/.pyenv.lock"
	# Another run may have finished the job while we waited.
	if up_to_date; then
		exit 0
	fi
fi

command -v "$PY" >/dev/null 2>&1 || die "$PY not found (set PYTHON=/path/to/python3.10+)"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
	die "$PY is $("$PY" -V 2>&1); milvus-lite 3.x needs Python >= 3.10 (set PYTHON=...)"

echo "pyenv.sh: installing Python packages from scripts/requirements.txt into $VENV" >&2

# (Re)create the venv when it is missing or broken (e.g. its interpreter is gone).
if ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
	rm -rf "$VENV"
	"$PY" -m venv "$VENV" >/dev/null 2>&1 || {
		"$PY" -m venv "$VENV" 2>&1 | tail -n 20 >&2 || true
		die "cannot create virtualenv at $VENV with $PY (is the venv module installed?)"
	}
fi

# An interrupted or failed install must not look up to date.
rm -f "$STAMP"

if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
	"$VENV/bin/python" -m pip install --requirement "$REQ" >"$LOG" 2>&1; then
	echo "---- last lines of $LOG ----" >&2
	tail -n 30 "$LOG" >&2 || true
	die "pip install -r $REQ failed (full log: $LOG)"
fi

# Smoke test: every package imports and the milvus-lite CLI starts (its server
# needs pymilvus, which milvus-lite does not declare as a dependency).
if ! out=$("$VENV/bin/python" -c 'import milvus_lite, pymilvus, faiss, hnswlib, numpy' 2>&1 &&
	"$VENV/bin/milvus-lite" server --help 2>&1 >/dev/null); then
	echo "$out" | tail -n 20 >&2
	die "packages installed into $VENV but do not import"
fi

echo "$want" >"$STAMP.tmp" && mv "$STAMP.tmp" "$STAMP" || die "cannot write $STAMP"
