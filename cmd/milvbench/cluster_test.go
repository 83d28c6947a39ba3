package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/cloud/zilliz/zilliztest"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
)

// fakeAPIKey is a made-up control-plane key; no output may contain it.
const fakeAPIKey = "zc-FAKE-SECRET-9d8c7b6a5f4e3d2c1b0a"

// tinyWorkload is an embedded run of a few seconds whose cluster section
// names a Zilliz Cloud cluster on the replay server at controlURL.
func tinyWorkload(t *testing.T, clusterID, controlURL string, target string) string {
	t.Helper()
	if target == "" {
		target = "kind: embedded"
	}
	src := `name: secrets
target: {` + target + `}
dataset: {size: 600, dim: 8, queries: 20, seed: 7}
indexes: [{type: FLAT}]
load: {concurrency: 1, warmup: 0s, duration: 200ms}
cluster:
  cluster_id: ` + clusterID + `
  control_url: ` + controlURL + `
`
	path := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// execute runs the CLI with args and returns its stdout, stderr and error.
func execute(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	root := newRoot(&stdout, &stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// TestSecretsStayOut runs a tiny embedded workload whose cluster is read
// from the (replayed) control plane with a known fake API key, then searches
// every file the run wrote and all it printed for the key.
func TestSecretsStayOut(t *testing.T) {
	srv := zilliztest.New(fakeAPIKey)
	defer srv.Close()
	t.Setenv(workloads.APIKeyEnv, fakeAPIKey)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	wl := tinyWorkload(t, zilliztest.Enterprise, srv.URL, "")
	out := filepath.Join(t.TempDir(), "out")

	vout, verr, err := execute("validate", wl)
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, verr)
	}
	wantLine := "cluster:  Zilliz Cloud in01-2e7f9c0b5d3a41e (enterprise-replicas, aws-us-west-2): enterprise plan, 8 capacity CUs × 2 replicas [control plane " + srv.URL + ", API key from env ZILLIZ_API_KEY]"
	if !strings.Contains(vout, wantLine+"\n") {
		t.Errorf("validate output lacks the cluster line %q:\n%s", wantLine, vout)
	}
	rout, rerr, err := execute("run", wl, "--out", out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, rerr)
	}
	if srv.Requests.Load() != 2 {
		t.Errorf("the control plane saw %d requests, want 2 (validate, run)", srv.Requests.Load())
	}

	texts := map[string]string{"validate stdout": vout, "validate stderr": verr, "run stdout": rout, "run progress": rerr}
	var files []string
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		texts[path] = string(b)
		files = append(files, filepath.Base(path))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{report.ResultsFile, report.ReportFile} {
		if _, ok := texts[filepath.Join(out, f)]; !ok {
			t.Errorf("the run wrote no %s (files: %v)", f, files)
		}
	}
	for name, text := range texts {
		if strings.Contains(text, fakeAPIKey) {
			t.Errorf("%s contains the API key", name)
		}
	}

	var res bench.Result
	if err := json.Unmarshal([]byte(texts[filepath.Join(out, report.ResultsFile)]), &res); err != nil {
		t.Fatal(err)
	}
	c := res.Cluster
	if c == nil || c.Source != workloads.ClusterFromControlPlane || c.CUs != 8 || c.Replicas != 2 || c.CUType != workloads.CUCapacity ||
		c.Plan != workloads.PlanEnterprise || c.APIKeySrc != "env ZILLIZ_API_KEY" || c.APIKey != "" {
		t.Errorf("results.json cluster = %+v", c)
	}
	if !strings.Contains(texts[filepath.Join(out, report.ReportFile)], "| cluster | Zilliz Cloud in01-2e7f9c0b5d3a41e") {
		t.Errorf("report.md has no cluster row")
	}
	if !strings.Contains(rerr, "warning: the cluster section describes a Zilliz Cloud cluster, but target kind embedded measures this process") {
		t.Errorf("no warning that the embedded target is not the cluster:\n%s", rerr)
	}
}

// TestClusterFailsFast checks that a refused key or an unknown cluster stops
// run and validate before any dataset, ground truth or connection to the
// target, with a one-line error that does not contain the key.
func TestClusterFailsFast(t *testing.T) {
	const otherKey = "zc-FAKE-the-accepted-key"
	srv := zilliztest.New(otherKey)
	defer srv.Close()
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	tests := []struct {
		name, key, id, target, msg string
	}{
		{"refused key", fakeAPIKey, zilliztest.Dedicated, "", "the API key (from env ZILLIZ_API_KEY) was refused (HTTP 401, code 80001"},
		{"unknown cluster", otherKey, zilliztest.Missing, "", "cluster in01-0000000000000000 not found"},
		// The Milvus address answers nothing: the cluster is checked first.
		{"before the target", fakeAPIKey, zilliztest.Dedicated, "kind: milvus, uri: 'http://127.0.0.1:1'", "was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(workloads.APIKeyEnv, tt.key)
			wl := tinyWorkload(t, tt.id, srv.URL, tt.target)
			for _, cmd := range []string{"validate", "run"} {
				out := filepath.Join(t.TempDir(), "out")
				stdout, stderr, err := execute(cmd, wl, "--out", out)
				if cmd == "validate" {
					stdout, stderr, err = execute(cmd, wl)
				}
				if err == nil || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("%s: error %v, want one containing %q", cmd, err, tt.msg)
				}
				if msg := oneLine(err); msg != err.Error() || strings.Contains(msg+stdout+stderr, tt.key) {
					t.Errorf("%s: error not one line or shows the key: %q", cmd, msg)
				}
				if strings.Contains(stderr, "data ") || strings.Contains(stderr, "target ") {
					t.Errorf("%s: work started before the cluster was resolved:\n%s", cmd, stderr)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s: the output directory was created", cmd)
				}
			}
		})
	}
}

func TestHostCluster(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		path string
		want float64
	}{
		{write("meminfo", "MemTotal:        8126464 kB\nMemFree:         1024 kB\n"), 8126464.0 / (1 << 20)},
		{write("no_total", "MemFree:         1024 kB\n"), 0},
		{write("bad_unit", "MemTotal:        8 GB\n"), 0},
		{filepath.Join(dir, "missing"), 0},
	}
	for _, tt := range tests {
		c := hostCluster(tt.path)
		if math.Abs(c.MemoryGiB-tt.want) > 1e-9 || c.Cores < 1 || c.Source != workloads.ClusterFromHost {
			t.Errorf("%s: %+v, want %.3f GiB", filepath.Base(tt.path), c, tt.want)
		}
	}
	spec := &workloads.Spec{Target: workloads.TargetSpec{Kind: workloads.TargetEmbedded}}
	c, err := resolveCluster(context.Background(), spec, &bytes.Buffer{})
	if err != nil || c == nil || c.Source != workloads.ClusterFromHost {
		t.Errorf("embedded without a cluster section: %+v, %v", c, err)
	}
	spec.Target.Kind = workloads.TargetMilvus
	if c, err := resolveCluster(context.Background(), spec, &bytes.Buffer{}); c != nil || err != nil {
		t.Errorf("milvus without a cluster section: %+v, %v", c, err)
	}
}
