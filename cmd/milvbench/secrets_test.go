package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
)

// knownToken is a made-up data-plane token; no output may contain it.
// Milvus Lite accepts any token, so runs with it succeed.
const knownToken = "root:Known-Secret-7f3a9c2e"

// buildBinary builds the milvbench binary into a temporary directory, so a
// test sees everything the process prints, the SDK's and gRPC's logs and
// any panic included.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "milvbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestDataPlaneTokenStaysOut runs the binary against the local Milvus
// server with a known token given every way a token can be given (the
// environment, a ${VAR} reference, a literal in the file, a token_file
// under ~/) and once against an address that refuses, then searches
// everything printed and every file written for the token.
func TestDataPlaneTokenStaysOut(t *testing.T) {
	uri := needMilvus(t)
	bin := buildBinary(t)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "milvus.token"), []byte(knownToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const literalWarning = "target.token is written literally in the workload file, where every copy of the file shows it; use token: ${MILVUS_TOKEN}, target.token_file, or the MILVUS_TOKEN environment variable"
	tests := []struct {
		name, target string
		env          []string
		source       string // results.json token_source; "" when the run fails
		warn         bool
		errText      string // what a failing run prints instead
	}{
		{name: "env", target: "kind: milvus", env: []string{"MILVUS_TOKEN=" + knownToken}, source: "env MILVUS_TOKEN"},
		{name: "reference", target: "kind: milvus, token: '${MY_TOKEN}'", env: []string{"MY_TOKEN=" + knownToken}, source: "env MY_TOKEN (target.token)"},
		{name: "literal", target: "kind: milvus, token: '" + knownToken + "'", source: "target.token (literal in the workload file)", warn: true},
		{name: "file under home", target: "kind: milvus, token_file: ~/milvus.token", source: "file ~/milvus.token"},
		{name: "refused address", target: "kind: milvus, uri: 'http://127.0.0.1:1'", env: []string{"MILVUS_TOKEN=" + knownToken}, errText: "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wl := filepath.Join(dir, "w.yaml")
			src := "name: secrets_" + strings.ReplaceAll(tt.name, " ", "_") + "\ntarget: {" + tt.target + "}\n" +
				"dataset: {size: 600, dim: 8, queries: 20, seed: 7}\nindexes: [{type: FLAT}]\nload: {concurrency: 1, warmup: 0s, duration: 200ms}\n"
			if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "HOME="+home, "MILVUS_URI="+uri, "MILVBENCH_CACHE="+t.TempDir(), "MILVUS_TOKEN=", "GRPC_GO_LOG_SEVERITY_LEVEL=info", "GRPC_GO_LOG_VERBOSITY_LEVEL=2")
			env = append(env, tt.env...)
			out := filepath.Join(dir, "out")
			texts := map[string]string{}
			runCmd := func(args ...string) error {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				b, err := cmd.CombinedOutput()
				texts[strings.Join(args[:1], " ")+" output"] = string(b)
				return err
			}
			if err := runCmd("validate", wl); err != nil {
				t.Fatalf("validate: %v\n%s", err, texts["validate output"])
			}
			runErr := runCmd("run", wl, "--out", out)
			if tt.errText == "" {
				if runErr != nil {
					t.Fatalf("run: %v\n%s", runErr, texts["run output"])
				}
				if err := runCmd("report", out); err != nil {
					t.Fatalf("report: %v\n%s", err, texts["report output"])
				}
			} else if runErr == nil || !strings.Contains(texts["run output"], tt.errText) {
				t.Fatalf("run: %v, want a failure naming %q:\n%s", runErr, tt.errText, texts["run output"])
			}
			for _, c := range []string{"validate", "run"} {
				if got := strings.Contains(texts[c+" output"], literalWarning); got != tt.warn {
					t.Errorf("%s: literal-token warning printed = %v, want %v:\n%s", c, got, tt.warn, texts[c+" output"])
				}
			}
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || path == wl {
					return err
				}
				b, err := os.ReadFile(path)
				texts[path] = string(b)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, text := range texts {
				if strings.Contains(text, knownToken) || strings.Contains(text, "Known-Secret") {
					t.Errorf("%s contains the token:\n%s", name, text)
				}
			}
			if tt.source == "" {
				return
			}
			for _, f := range []string{report.ResultsFile, report.ReportFile, report.JournalFile} {
				if _, ok := texts[filepath.Join(out, f)]; !ok {
					t.Errorf("the run wrote no %s, so the search above missed it", f)
				}
			}
			var res bench.Result
			if err := json.Unmarshal([]byte(texts[filepath.Join(out, report.ResultsFile)]), &res); err != nil {
				t.Fatal(err)
			}
			if res.Workload.Target.TokenSource != tt.source {
				t.Errorf("token_source = %q, want %q", res.Workload.Target.TokenSource, tt.source)
			}
		})
	}
}
