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

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE=${MILVBENCH_CACHE:-$REPO/.cache}
VENV=$CACHE/venv
REQ=$SCRIPT_DIR/requirements.txt
PY=${PYTHON:-python3}

# shellcheck disable=SC2034 # PROG is read by lib.sh
PROG=pyenv.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$SCRIPT_DIR/lib.sh"

# check_python: the interpreter exists and is new enough (run only when
# installing).
check_python() {
	command -v "$PY" >/dev/null 2>&1 || die "$PY not found (set PYTHON=/path/to/python3.10+)"
	"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
		die "$PY is $("$PY" -V 2>&1); milvus-lite 3.x needs Python >= 3.10 (set PYTHON=...)"
}

# Smoke test: every package imports and the milvus-lite CLI starts (its server
# needs pymilvus, which milvus-lite does not declare as a dependency).
check_packages() {
	local out
	if ! out=$("$VENV/bin/python" -c 'import milvus_lite, pymilvus, faiss, hnswlib, numpy, hdrh, h5py' 2>&1 &&
		"$VENV/bin/milvus-lite" server --help 2>&1 >/dev/null); then
		echo "$out" | tail -n 20 >&2
		die "packages installed into $VENV but do not import"
	fi
}

ensure_venv "$VENV" "$REQ" "$CACHE/.pyenv.lock" milvus-lite check_python check_packages
