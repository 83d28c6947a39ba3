package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/scaleout"
	"github.com/milvbench/milvbench/workloads"
)

const scaleWorkload = `name: %s
target: {kind: milvus, uri: "${SCALE_URI}", connect_timeout: 5s, request_timeout: 5s}
dataset: {size: 3000, dim: 16, queries: 200, seed: 5}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [32]}
search: {topk: 10}
load: {%s, warmup: 300ms, duration: 2s, interval: 500ms}
`

// TestScaleOutMilvus is the scale-out path end to end against the local
// Milvus server: prepare, three shard processes started together, merge
// (from the output directories and from the shards' result lines), and
// cleanup. The merged request count is the sum of the shards', the merged
// histogram is the union of theirs and p99/p999 are read from it; the
// collection is gone at the end.
func TestScaleOutMilvus(t *testing.T) {
	uri := needMilvus(t)
	dir := t.TempDir()
	bin := buildBinary(t)
	for _, tc := range []struct {
		name, load string
	}{
		{"scale_closed", "model: closed, concurrency: [3, 6]"},
		{"scale_open", "model: open, rate: [150]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scaleOut(t, bin, uri, filepath.Join(dir, tc.name), tc.name, tc.load)
		})
	}
}

func scaleOut(t *testing.T, bin, uri, dir, name, load string) {
	const shards = 3
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wl := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(wl, fmt.Appendf(nil, scaleWorkload, name, load), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SCALE_URI="+uri, "MILVBENCH_CACHE="+filepath.Join(dir, "cache"))
	state := filepath.Join(dir, "state.json")
	prep := exec.Command(bin, "prepare", wl, "--state", state, "--start-in", "6s")
	prep.Env = env
	var prepOut, prepErr bytes.Buffer
	prep.Stdout, prep.Stderr = &prepOut, &prepErr
	if err := prep.Run(); err != nil {
		t.Fatalf("prepare: %v\n%s", err, prepErr.String())
	}
	st, err := scaleout.ReadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prepOut.String(), `"run_id":"`+st.RunID+`"`) || !hasCollection(t, uri, st.Collection) {
		t.Fatalf("prepare printed %q; collection %s there: %v", prepOut.String(), st.Collection, hasCollection(t, uri, st.Collection))
	}
	defer func() { // leave no collection behind, also when the test fails
		if hasCollection(t, uri, st.Collection) {
			c := exec.Command(bin, "cleanup", "--state", state)
			c.Env = env
			_ = c.Run()
		}
	}()

	// Three generator processes at once, each printing its result line.
	var wg sync.WaitGroup
	outs := make([]string, shards)
	logs := make([]bytes.Buffer, shards)
	lines := make([]bytes.Buffer, shards)
	errs := make([]error, shards)
	for i := range shards {
		outs[i] = filepath.Join(dir, fmt.Sprintf("shard%d", i))
		cmd := exec.Command(bin, "run", wl, "--shard", fmt.Sprintf("%d/%d", i, shards), "--state", state, "--out", outs[i], "--result-line", "--quiet")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &lines[i], &logs[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cmd.Run()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, logs[i].String())
		}
	}

	merged := filepath.Join(dir, "merged")
	var mergeLog bytes.Buffer
	root := newRoot(&bytes.Buffer{}, &mergeLog)
	root.SetArgs(append([]string{"merge", "--out", merged}, outs...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("merge: %v\n%s", err, mergeLog.String())
	}
	res, err := report.ReadResultsAt(merged)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]*bench.Result, shards)
	for i := range shards {
		if parts[i], err = report.ReadResultsAt(outs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if res.Generators == nil || res.Generators.Count != shards || !res.Complete || len(res.Trials) != len(parts[0].Trials) || len(res.Trials) == 0 {
		t.Fatalf("merged: generators %+v, complete %v, %d trials", res.Generators, res.Complete, len(res.Trials))
	}
	for ti, tr := range res.Trials {
		var sum int64
		union := bench.NewHistogram()
		var shardP99 []string
		offered := 0.0
		for _, p := range parts {
			pt := p.Trials[ti]
			sum += pt.Requests
			offered += pt.Load.Rate
			h, err := bench.DecodeHistogram(pt.Histogram)
			if err != nil {
				t.Fatal(err)
			}
			union.Merge(h)
			shardP99 = append(shardP99, fmt.Sprintf("#%d qps=%.1f p99=%.3fms", p.Shard.Index, pt.QPS, pt.LatencyMS.P99))
		}
		if tr.Requests != sum || tr.Requests == 0 {
			t.Errorf("trial %d: merged %d requests, the shards %d", tr.ID, tr.Requests, sum)
		}
		mh, err := bench.DecodeHistogram(tr.Histogram)
		if err != nil {
			t.Fatal(err)
		}
		if mh.TotalCount() != union.TotalCount() || !slices.Equal(mh.Distribution(), union.Distribution()) {
			t.Errorf("trial %d: merged histogram is not the union of the shards'", tr.ID)
		}
		want := bench.Summarize(union)
		if tr.LatencyMS.P99 != want.P99 || tr.LatencyMS.P999 != want.P999 {
			t.Errorf("trial %d: merged p99/p999 %.3f/%.3f ms, the union's %.3f/%.3f ms", tr.ID, tr.LatencyMS.P99, tr.LatencyMS.P999, want.P99, want.P999)
		}
		if tr.Load.Rate != offered {
			t.Errorf("trial %d: merged offered rate %g, the shards' add up to %g", tr.ID, tr.Load.Rate, offered)
		}
		if tr.Recall <= 0.5 || tr.RecallN == 0 {
			t.Errorf("trial %d: recall %g over %d queries", tr.ID, tr.Recall, tr.RecallN)
		}
		t.Logf("trial %d %s: merged qps=%.1f p99=%.3fms p999=%.3fms recall=%.4f requests=%d; shards: %s",
			tr.ID, report.TrialName(tr), tr.QPS, tr.LatencyMS.P99, tr.LatencyMS.P999, tr.Recall, tr.Requests, strings.Join(shardP99, ", "))
	}
	t.Logf("clock spread %.2f ms (interval %gs)", res.Generators.ClockSpreadMS, res.Generators.IntervalS)
	if res.Generators.ClockSpreadMS > 500 {
		t.Errorf("clock spread %.1f ms: the shards did not start their windows together", res.Generators.ClockSpreadMS)
	}
	// An independent reader (HdrHistogram's Python port) agrees with the
	// merged results.json and reads the merged latency.hlog.
	if _, err := testenv.CheckResults(t, filepath.Join(merged, report.ResultsFile)); err != nil {
		t.Errorf("merged results.json read by the Python HdrHistogram: %v", err)
	}
	var tags []hlogTag
	if err := testenv.RunScript(t, nil, &tags, "hlog_read.py", filepath.Join(merged, report.IntervalLogFile)); err != nil {
		t.Fatal(err)
	}
	for _, g := range tags {
		for _, tr := range res.Trials {
			if g.Tag == bench.IntervalTag(tr.ID, bench.OpSearch) && g.Count != tr.Requests-tr.Errors.Total {
				t.Errorf("%s: %d samples in the merged latency.hlog, the merged trial %d", g.Tag, g.Count, tr.Requests-tr.Errors.Total)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(merged, report.ReportFile))
	if err != nil || !strings.Contains(string(md), fmt.Sprintf("Produced by %d generators", shards)) {
		t.Errorf("merged report.md does not name its generators (%v)", err)
	}

	// The result lines, as kubectl logs would give them, merge the same.
	logFile := filepath.Join(dir, "shards.log")
	var all bytes.Buffer
	for i := range shards {
		all.Write(logs[i].Bytes())
		all.Write(lines[i].Bytes())
	}
	if err := os.WriteFile(logFile, all.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	root = newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	fromLogs := filepath.Join(dir, "merged-logs")
	root.SetArgs([]string{"merge", logFile, "--out", fromLogs})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("merge from the result lines: %v", err)
	}
	res2, err := report.ReadResultsAt(fromLogs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Trials {
		if a, b := res.Trials[i], res2.Trials[i]; a.Histogram != b.Histogram || a.Requests != b.Requests || a.Recall != b.Recall {
			t.Errorf("trial %d merged from logs differs from the merge of the directories", a.ID)
		}
	}

	if name == "scale_closed" {
		// Preparing again with the same state reuses the collection and its
		// rows (as for the next build of a plan).
		re := exec.Command(bin, "prepare", wl, "--state", state)
		re.Env = env
		out, err := re.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "reusing collection "+st.Collection) {
			t.Fatalf("prepare again: %v\n%s", err, out)
		}
		if st2, err := scaleout.ReadState(state); err != nil || st2.RunID != st.RunID || st2.TimingsS.Insert != 0 {
			t.Errorf("state after preparing again: %+v, %v (want run %s, no insert)", st2, err, st.RunID)
		}
	}

	c := exec.Command(bin, "cleanup", "--state", state)
	c.Env = env
	if out, err := c.CombinedOutput(); err != nil || !strings.Contains(string(out), "dropped collection") {
		t.Fatalf("cleanup: %v\n%s", err, out)
	}
	if hasCollection(t, uri, st.Collection) {
		t.Errorf("collection %s left after cleanup", st.Collection)
	}
}

// Scale-out refuses what it cannot split, before any work.
func TestScaleOutRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	milvus := `target: {kind: milvus, uri: "http://127.0.0.1:1"}
dataset: {size: 100, dim: 8, queries: 10}
`
	embedded := write("emb", "name: emb\ndataset: {size: 100, dim: 8, queries: 10}\nindexes: [{type: FLAT}]\n")
	capacity := write("cap", "name: cap\n"+milvus+"indexes: [{type: FLAT}]\nload: {model: capacity}\ngoals: {p99: 5ms}\n")
	two := write("two", "name: two\n"+milvus+"indexes: [{type: FLAT}, {type: HNSW}]\n")
	one := write("one", "name: one\n"+milvus+"indexes: [{type: FLAT}]\n")
	other := write("other", "name: other\n"+milvus+"indexes: [{type: HNSW}]\n")
	st := &scaleout.State{RunID: "r", Collection: "milvbench_one", WorkloadHash: "0123456789abcdef", StartAt: time.Now().Add(time.Hour)}
	statePath := filepath.Join(dir, "state.json")
	if err := st.Write(statePath); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"prepare", embedded, "--state", statePath}, "needs target kind milvus"},
		{[]string{"prepare", capacity, "--state", statePath}, "capacity cannot be split"},
		{[]string{"prepare", two, "--state", statePath}, "pass --build K"},
		{[]string{"prepare", two, "--state", statePath, "--build", "2"}, "builds 0..1"},
		{[]string{"prepare", one}, "needs --state"},
		{[]string{"run", one, "--shard", "0/2"}, "go together"},
		{[]string{"run", one, "--shard", "2/2", "--state", statePath}, "0 ≤ i < N"},
		{[]string{"run", one, "--shard", "0/2", "--state", statePath, "--keep"}, "do not apply to a shard"},
		{[]string{"run", other, "--shard", "0/2", "--state", statePath}, "prepared for another workload"},
		{[]string{"run", one, "--shard", "0/2", "--state", filepath.Join(dir, "none.json")}, "state file"},
		{[]string{"merge"}, "takes the shards'"},
		{[]string{"merge", embedded}, "no shard results"},
		{[]string{"cleanup"}, "needs --state"},
	} {
		root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
		root.SetArgs(tc.args)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
	// A state whose start passed: the shard refuses before any work.
	spec := mustHash(t, one)
	st.WorkloadHash, st.StartAt = spec, time.Now().Add(-time.Minute)
	if err := st.Write(statePath); err != nil {
		t.Fatal(err)
	}
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	root.SetArgs([]string{"run", one, "--shard", "0/2", "--state", statePath})
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "passed") {
		t.Errorf("a start time in the past: %v", err)
	}
}

func mustHash(t *testing.T, path string) string {
	t.Helper()
	spec, err := workloads.LoadArg(path, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	return spec.Hash()
}
