// Package testenv gives Go tests what `make test` sets up outside Go: the
// local Milvus server (MILVUS_URI) and the project's Python virtualenv, whose
// independent readers (scripts/interop) check the files milvbench writes.
//
// Without them a test skips, unless MILVBENCH_REQUIRE_MILVUS is set (as
// scripts/with-milvus.sh does for `make test`, after scripts/pyenv.sh made
// the virtualenv): then it fails, so a broken setup cannot pass as skipped.
package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Required reports whether the environment must be there (make test).
func Required() bool { return os.Getenv("MILVBENCH_REQUIRE_MILVUS") != "" }

// unavailable skips t, or fails it when the environment is required.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s, but MILVBENCH_REQUIRE_MILVUS is set: `make test` (scripts/with-milvus.sh) should have set it up", msg)
	}
	t.Skipf("%s; run `make test` to set it up", msg)
}

// MilvusURI returns the address of the local Milvus server, MILVUS_URI.
func MilvusURI(t testing.TB) string {
	t.Helper()
	uri := os.Getenv("MILVUS_URI")
	if uri == "" {
		unavailable(t, "MILVUS_URI is not set")
	}
	return uri
}

// RepoRoot is the repository's top directory (tests run from the source tree).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Python returns the interpreter of the project's virtualenv,
// ${MILVBENCH_CACHE:-<repo>/.cache}/venv/bin/python (a relative
// MILVBENCH_CACHE is taken from the repository root, as the Makefile runs the
// scripts there). The venv must be current: its stamp holds the sha256 of
// scripts/requirements.txt, as scripts/pyenv.sh writes it after installing.
func Python(t testing.TB) string {
	t.Helper()
	root := RepoRoot()
	cache := os.Getenv("MILVBENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache")
	} else if !filepath.IsAbs(cache) {
		cache = filepath.Join(root, cache)
	}
	venv := filepath.Join(cache, "venv")
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		unavailable(t, "no Python virtualenv at %s", venv)
	}
	req, err := os.ReadFile(filepath.Join(root, "scripts", "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(req)
	stamp, _ := os.ReadFile(filepath.Join(venv, ".requirements.sha256"))
	if strings.TrimSpace(string(stamp)) != hex.EncodeToString(sum[:]) {
		unavailable(t, "the virtualenv at %s does not match scripts/requirements.txt (scripts/pyenv.sh updates it)", venv)
	}
	return py
}

// RunScript runs scripts/interop/SCRIPT ARGS... with the virtualenv's
// Python, stdin (may be nil) as its input, and decodes the JSON it prints
// into out. A non-zero exit is an error carrying the script's stderr, so a
// test can assert that a reader rejects a file.
func RunScript(t testing.TB, stdin io.Reader, out any, script string, args ...string) error {
	t.Helper()
	py := Python(t)
	cmd := exec.CommandContext(t.Context(), py, append([]string{filepath.Join(RepoRoot(), "scripts", "interop", script)}, args...)...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", script, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("%s %s: output is not JSON: %v", script, strings.Join(args, " "), err)
	}
	return nil
}
