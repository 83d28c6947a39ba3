package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestRangeGroupRun runs kinds range and group through the CLI on the
// embedded target: the run computes their exact answers, FLAT meets them
// (recall and precision 1; strict groups as full as the exact ones),
// results.json records
// each trial's range or group, and report.md has both sections.
func TestRangeGroupRun(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	wl := filepath.Join(t.TempDir(), "rg.yaml")
	if err := os.WriteFile(wl, []byte(`name: it_rangegroup
dataset:
  size: 3000
  dim: 16
  metric: COSINE
  queries: 50
  payload: [{name: doc, type: varchar, values: 300, correlation: correlated}]
indexes: [{type: FLAT}]
search:
  topk: 5
  kind: [range, group]
  range: {radius: [0.5, 0.6], range_filter: 1.0}
  group: {field: doc, group_size: 2, strict_group_size: true}
load: {concurrency: 1, warmup: 50ms, duration: 300ms}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runResult(t, wl)
	if len(res.Trials) != 3 {
		t.Fatalf("%d trials, want 3", len(res.Trials))
	}
	for _, tr := range res.Trials {
		s := tr.Search
		t.Logf("trial %d %s %v %v: recall %.4f, range %+v, group %+v", tr.ID, s.Kind, s.Range, s.Group, tr.Recall, tr.Range, tr.Group)
		if tr.Recall != 1 || tr.RecallN < 10 || tr.Errors.Total != 0 {
			t.Errorf("trial %d: FLAT recall %g over %d queries, %d errors", tr.ID, tr.Recall, tr.RecallN, tr.Errors.Total)
		}
		switch s.Kind {
		case "range":
			if s.Range == nil || tr.Range == nil || tr.Range.Precision != 1 || tr.Range.InRange.Max == 0 {
				t.Errorf("trial %d: range %v quality %+v", tr.ID, s.Range, tr.Range)
			}
		case "group":
			if s.Group == nil || tr.Group == nil || tr.Group.Results != tr.Group.Exact || tr.Group.Exact.Max != 10 {
				t.Errorf("trial %d: group %v quality %+v, want the exact answer's hits (5 groups of up to 2)", tr.ID, s.Group, tr.Group)
			}
		default:
			t.Errorf("trial %d: kind %q", tr.ID, s.Kind)
		}
	}
	md, err := os.ReadFile(filepath.Join(filepath.Dir(wl), "out", "report.md"))
	if err != nil || !strings.Contains(string(md), "## Range search") || !strings.Contains(string(md), "## Grouping search") {
		t.Errorf("report.md lacks the range and grouping sections (%v)", err)
	}
}

// TestRangeGroupNotScaledOut: prepare and shards refuse range and group
// workloads in one line (merge could not tell their trials apart), and
// still take the same workload as ann.
func TestRangeGroupNotScaledOut(t *testing.T) {
	for _, tc := range []struct {
		search, want string
	}{
		{"search: {kind: range, range: {radius: 0.5}}", "search kinds range and group cannot be scaled out yet"},
		{"search: {kind: group, group: {field: doc}}", "search kinds range and group cannot be scaled out yet"},
		{"search: {kind: ann}", ""},
	} {
		spec, err := workloads.Parse("w.yaml", []byte(`name: so
target: {kind: milvus, uri: "http://127.0.0.1:1"}
dataset: {size: 1000, dim: 8, metric: IP, payload: [{name: doc, type: int64, values: 10}]}
indexes: [{type: FLAT}]
`+tc.search+"\n"), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		err = checkScaleOut(spec)
		if (tc.want == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n"))) {
			t.Errorf("%s: error %v, want one line with %q", tc.search, err, tc.want)
		}
	}
}
