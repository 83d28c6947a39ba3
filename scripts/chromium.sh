#!/usr/bin/env bash
# Install Debian's Chromium for the report's browser test (report/browser_test.go
# renders report.html headless and checks it), with fonts-liberation: the
# figures are laid out in Liberation Serif (gonum/plot's font), and a browser
# without it (or its metric twin Times New Roman) draws their text wider.
# Idempotent: prints nothing and exits 0 when a working chromium and the
# fonts are installed; otherwise installs the Debian packages `chromium` and
# `fonts-liberation` with apt-get (needs root, as CI runs), printing one
# line, with apt's output in ${TMPDIR:-/tmp}/chromium-install.log.
#
#   scripts/chromium.sh          # .ci/run calls it before `make test`
#
# The test skips (with a message naming this script) where chromium is absent.
set -euo pipefail

# shellcheck disable=SC2034 # PROG is read by lib.sh
PROG=chromium.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$SCRIPT_DIR/lib.sh"

works() {
	command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1 &&
		[[ $(dpkg-query -W -f='${Status}' fonts-liberation 2>/dev/null) == "install ok installed" ]]
}

works && exit 0

[[ $(id -u) -eq 0 ]] || die "chromium is not installed and installing it needs root: sudo apt-get install chromium"
command -v apt-get >/dev/null 2>&1 || die "chromium is not installed and this is not a Debian system (no apt-get): install Chromium by hand"

log=${TMPDIR:-/tmp}/chromium-install.log
echo "$PROG: installing Debian's chromium and fonts-liberation (apt-get; log in $log)" >&2
export DEBIAN_FRONTEND=noninteractive
{
	apt-get update -q &&
		apt-get install -y -q --no-install-recommends chromium fonts-liberation
} >"$log" 2>&1 || die "apt-get install chromium fonts-liberation failed; see $log"
works || die "chromium installed but does not run: chromium --version fails"
