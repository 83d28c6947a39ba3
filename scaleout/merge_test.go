package scaleout

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
)

// shared lets several in-process shards search one embedded collection
// (the embedded engine cannot be shared across processes; the Milvus
// integration test runs shard processes).
type shared struct {
	*embedded.Target
	rows int
}

func (s shared) Join(context.Context, bench.CollectionSpec, bench.IndexConfig, time.Duration) (int, error) {
	return s.rows, nil
}

// TestShardsMergeEmbedded prepares one collection, runs three shards at
// once (started at different moments, synchronised by the trial clock) and
// merges them: counts add up, the merged histogram is the union of the
// shards', percentiles are read from it, recall is over the union of the
// queries answered, and the windows start together.
func TestShardsMergeEmbedded(t *testing.T) {
	src := `name: shards
dataset: {size: 2000, dim: 16, queries: 300, seed: 3}
indexes:
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [20]}
search: {topk: 10, nq: 1}
load: {model: closed, concurrency: [1, 4], warmup: 50ms, duration: 300ms, interval: 100ms}
`
	spec, err := workloads.Parse("shards.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	ctx := context.Background()
	ds, err := datasets.NewSynthetic(ctx, spec.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng := embedded.New()
	prep := &bench.Runner{Target: eng, Plan: plan, Data: ds, Collection: "milvbench_shards", RunID: "run-1"}
	timings, _, err := prep.Prepare(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	clock := bench.TrialClock{Start: time.Now().Add(time.Second), Slot: bench.TrialSlot(spec.Load, 200*time.Millisecond)}
	ins := make([]Input, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 300 * time.Millisecond) // shards start apart; the clock lines them up
			r := &bench.Runner{
				Target: shared{eng, ds.Base.Size()}, Plan: plan, Data: ds, Truths: truths,
				Collection: "milvbench_shards", RunID: "run-1",
				Shard: &bench.ShardRun{Shard: bench.Shard{Index: i, Count: n}, Clock: clock, WorkloadHash: spec.Hash(), Timings: timings, Wait: time.Second},
			}
			res, err := r.RunShard(ctx)
			errs[i] = err
			ins[i] = Input{Source: "shard" + string(rune('0'+i)), Result: res}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	merged, err := Merge(ins)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Generators == nil || merged.Generators.Count != n || len(merged.Trials) != 2 || !merged.Complete {
		t.Fatalf("merged: generators %+v, %d trials, complete %v", merged.Generators, len(merged.Trials), merged.Complete)
	}
	for ti, tr := range merged.Trials {
		var sum int64
		union := bench.NewHistogram()
		answered := map[int]bool{}
		conc := 0
		for _, in := range ins {
			p := in.Result.Trials[ti]
			sum += p.Requests
			conc += p.Load.Concurrency
			h, err := bench.DecodeHistogram(p.Histogram)
			if err != nil {
				t.Fatal(err)
			}
			union.Merge(h)
			if p.Answered != nil {
				for _, q := range p.Answered.Queries {
					answered[q] = true
				}
			}
		}
		if tr.Requests != sum || tr.Requests == 0 {
			t.Errorf("trial %d: merged %d requests, shards sent %d", tr.ID, tr.Requests, sum)
		}
		if conc != spec.Load.Concurrency[ti] || tr.Load.Concurrency != conc {
			t.Errorf("trial %d: shards ran %d workers (merged says %d), the workload %d", tr.ID, conc, tr.Load.Concurrency, spec.Load.Concurrency[ti])
		}
		mh, err := bench.DecodeHistogram(tr.Histogram)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(mh.Distribution(), union.Distribution()) || mh.TotalCount() != union.TotalCount() {
			t.Errorf("trial %d: merged histogram is not the union of the shards'", tr.ID)
		}
		if want := bench.Summarize(union); tr.LatencyMS != want {
			t.Errorf("trial %d: merged latency %+v, union's %+v", tr.ID, tr.LatencyMS, want)
		}
		if tr.RecallN != len(answered) || tr.Recall <= 0 || tr.Recall > 1 {
			t.Errorf("trial %d: recall %g over %d queries; the shards answered %d", tr.ID, tr.Recall, tr.RecallN, len(answered))
		}
		// Interleaved shards answer different queries: the union is larger
		// than any one shard's (when several took part).
		for _, in := range ins {
			if p := in.Result.Trials[ti]; conc > 1 && p.RecallN >= tr.RecallN && tr.RecallN < len(ds.Queries) {
				t.Errorf("trial %d: shard %d answered %d queries, the union only %d", tr.ID, in.Result.Shard.Index, p.RecallN, tr.RecallN)
			}
		}
		var series int64
		for _, p := range tr.Series[0].Points {
			series += p.Count
		}
		if tr.Series[0].Op != bench.OpSearch || series != mh.TotalCount() {
			t.Errorf("trial %d: merged %s series counts %d, histogram %d", tr.ID, tr.Series[0].Op, series, mh.TotalCount())
		}
	}
	// concurrency 1 over 3 shards: two sit the first trial out.
	idle := 0
	for _, s := range merged.Trials[0].Shards {
		if s.Requests == 0 {
			idle++
		}
	}
	if idle != 2 {
		t.Errorf("concurrency 1 over 3 shards: %d idle shards, want 2", idle)
	}
	// Shards started 300 ms apart; the trial clock starts their windows
	// together (a loose bound: this is about synchronisation, not timers).
	if g := merged.Generators; g.ClockSpreadMS > 150 {
		t.Errorf("clock spread %.1f ms: the shards' windows did not start together", g.ClockSpreadMS)
	}
	dir := t.TempDir()
	if err := report.Write(dir, merged); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "3 generators") {
		t.Errorf("report does not say how many generators produced it:\n%s", md)
	}
}

// shardResult is a synthetic shard result of one trial with latencies
// recorded from samples (µs).
func shardResult(t *testing.T, run string, idx, n int, samples []int64, start time.Time) *bench.Result {
	t.Helper()
	h := bench.NewHistogram()
	for _, v := range samples {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := bench.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	q := &bench.QueryRecall{}
	for k := range 10 {
		q.Queries = append(q.Queries, k*n+idx)
		q.Recall = append(q.Recall, float64(idx+1)/float64(n+1))
	}
	return &bench.Result{
		Provenance: bench.Provenance{RunID: run, Started: start, Finished: start.Add(time.Second)},
		Workload:   &workloads.Spec{Name: "w", Load: workloads.LoadSpec{Interval: workloads.Duration(time.Second)}},
		Complete:   true,
		Shard:      &bench.ShardInfo{Shard: bench.Shard{Index: idx, Count: n}, WorkloadHash: "h", StartAt: start},
		Trials: []bench.Trial{{
			ID: 1, Index: workloads.IndexConfig{Type: "FLAT"}, Search: bench.SearchInfo{TopK: 10, NQ: 1, Selectivity: 1},
			Load:     bench.LoadInfo{Model: workloads.LoadClosed, Concurrency: 1, WindowS: 1},
			Requests: int64(len(samples)), QPS: float64(len(samples)), LatencyMS: bench.Summarize(h), Histogram: enc,
			Recall: float64(idx+1) / float64(n+1), RecallN: 10, Answered: q, Started: start,
		}},
	}
}

// TestMergeSkewedTail: one shard sees a slow tail the other does not.
// Averaging the shards' p99s gives a number that is no percentile of the
// requests at all; the merge reads p99 and p999 from the union of the
// samples, as the raw samples say.
func TestMergeSkewedTail(t *testing.T) {
	start := time.Now().UTC()
	var fast, skewed, all []int64
	for i := range 1000 {
		fast = append(fast, 1000+int64(i%100)) // 1.0–1.1 ms
		v := int64(1000 + i%100)
		if i%20 == 0 {
			v = 100_000 // 5% at 100 ms
		}
		skewed = append(skewed, v)
	}
	all = append(append(all, fast...), skewed...)
	a, b := shardResult(t, "r", 0, 2, fast, start), shardResult(t, "r", 1, 2, skewed, start.Add(2*time.Millisecond))
	merged, err := Merge([]Input{{Source: "a", Result: a}, {Source: "b", Result: b}})
	if err != nil {
		t.Fatal(err)
	}
	tr := merged.Trials[0]
	slices.Sort(all)
	exact := func(q float64) float64 { // nearest-rank percentile of the raw samples, ms
		return float64(all[int(math.Ceil(q*float64(len(all))))-1]) / 1000
	}
	for _, c := range []struct {
		name       string
		got, exact float64
	}{{"p99", tr.LatencyMS.P99, exact(0.99)}, {"p999", tr.LatencyMS.P999, exact(0.999)}} {
		// HDR at 3 significant digits: within 0.1% of the exact sample.
		if math.Abs(c.got-c.exact) > c.exact*1e-3 {
			t.Errorf("merged %s %.3f ms, the samples' %.3f ms", c.name, c.got, c.exact)
		}
	}
	avg := (a.Trials[0].LatencyMS.P99 + b.Trials[0].LatencyMS.P99) / 2
	if math.Abs(avg-tr.LatencyMS.P99) < 1 {
		t.Fatalf("averaged p99 %.3f ms is close to the merged %.3f ms: the case is not skewed", avg, tr.LatencyMS.P99)
	}
	t.Logf("shard p99s %.3f and %.3f ms: average %.3f ms (wrong); merged p99 %.3f ms = union's %.3f ms",
		a.Trials[0].LatencyMS.P99, b.Trials[0].LatencyMS.P99, avg, tr.LatencyMS.P99, exact(0.99))
	if tr.Requests != 2000 || merged.Generators.Count != 2 {
		t.Errorf("merged %d requests of %d generators", tr.Requests, merged.Generators.Count)
	}
	// Recall over the union: 10 queries at 1/3 and 10 at 2/3.
	if math.Abs(tr.Recall-0.5) > 1e-12 || tr.RecallN != 20 {
		t.Errorf("recall %g over %d queries, want 0.5 over 20", tr.Recall, tr.RecallN)
	}
	// The window is the union of the shards' windows.
	if want := 1.002; math.Abs(tr.Load.WindowS-want) > 1e-6 || math.Abs(tr.QPS-2000/want) > 1e-6 {
		t.Errorf("window %.6fs QPS %.3f, want %.3fs and %.3f", tr.Load.WindowS, tr.QPS, want, 2000/want)
	}
	if g := merged.Generators; math.Abs(g.ClockSpreadMS-2) > 1e-9 || g.Warning != "" {
		t.Errorf("clock spread %.3f ms (warning %q), want 2 ms and no warning at a 1s interval", g.ClockSpreadMS, g.Warning)
	}
}

func TestMergeRefuses(t *testing.T) {
	start := time.Now().UTC()
	s := []int64{1000, 2000}
	mk := func(idx, n int) *bench.Result { return shardResult(t, "r", idx, n, s, start) }
	for _, tc := range []struct {
		name string
		ins  func() []Input
		want string
	}{
		{"not a shard", func() []Input {
			r := mk(0, 1)
			r.Shard = nil
			return []Input{{"x", r}}
		}, "not a shard"},
		{"other run", func() []Input {
			b := mk(1, 2)
			b.Provenance.RunID = "other"
			return []Input{{"a", mk(0, 2)}, {"b", b}}
		}, "different runs"},
		{"other workload", func() []Input {
			b := mk(1, 2)
			b.Shard.WorkloadHash = "other"
			return []Input{{"a", mk(0, 2)}, {"b", b}}
		}, "another workload"},
		{"other build", func() []Input {
			b := mk(1, 2)
			b.Shard.Build = 1
			return []Input{{"a", mk(0, 2)}, {"b", b}}
		}, "build"},
		{"other split", func() []Input { return []Input{{"a", mk(0, 2)}, {"b", mk(1, 3)}} }, "split the load differently"},
		{"missing", func() []Input { return []Input{{"a", mk(0, 3)}, {"b", mk(2, 3)}} }, "shard 1/3 missing"},
		{"twice", func() []Input { return []Input{{"a", mk(0, 2)}, {"b", mk(0, 2)}} }, "given twice"},
		{"other plan", func() []Input {
			b := mk(1, 2)
			b.Trials[0].Search.TopK = 100
			return []Input{{"a", mk(0, 2)}, {"b", b}}
		}, "different plans"},
		{"none", func() []Input { return nil }, "no shard results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.ins())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// A large clock spread against the interval is warned about.
func TestMergeWarnsClockSpread(t *testing.T) {
	start := time.Now().UTC()
	s := []int64{1000}
	a, b := shardResult(t, "r", 0, 2, s, start), shardResult(t, "r", 1, 2, s, start.Add(300*time.Millisecond))
	merged, err := Merge([]Input{{"a", a}, {"b", b}})
	if err != nil {
		t.Fatal(err)
	}
	if g := merged.Generators; g.ClockSpreadMS != 300 || !strings.Contains(g.Warning, "300.0 ms") {
		t.Errorf("spread %.1f ms, warning %q", g.ClockSpreadMS, g.Warning)
	}
}

// ReadShards finds shard result lines in logs (kubectl logs, with or
// without --prefix), results files and output directories.
func TestReadShards(t *testing.T) {
	dir := t.TempDir()
	start := time.Now().UTC()
	s := []int64{1000}
	var log strings.Builder
	log.WriteString("plan   1 build, 1 trial\n")
	for i := range 2 {
		line, err := ShardLine(shardResult(t, "r", i, 3, s, start))
		if err != nil {
			t.Fatal(err)
		}
		log.WriteString("[pod/milvbench-shards-" + string(rune('0'+i)) + "-x/milvbench] " + string(line) + "\n")
	}
	logPath := filepath.Join(dir, "shards.log")
	if err := os.WriteFile(logPath, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(dir, "shard2")
	if err := report.WriteResults(mkdir(t, third), shardResult(t, "r", 2, 3, s, start)); err != nil {
		t.Fatal(err)
	}
	ins, err := ReadShards([]string{logPath, third})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 3 {
		t.Fatalf("read %d shards, want 3", len(ins))
	}
	if _, err := Merge(ins); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.log")
	if err := os.WriteFile(empty, []byte("nothing here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadShards([]string{empty}); err == nil || !strings.Contains(err.Error(), "no shard results") {
		t.Errorf("a log without results: %v", err)
	}
	torn := filepath.Join(dir, "torn.log")
	if err := os.WriteFile(torn, []byte(log.String()[:log.Len()-40]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadShards([]string{torn}); err == nil || !strings.Contains(err.Error(), "torn.log:3") {
		t.Errorf("a cut line: %v", err)
	}
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var updateShards = flag.Bool("update-shards", false, "rewrite testdata/shards (the inputs of ExampleMerge) from an in-process two-shard run")

// TestExampleShardsFixture rewrites the two shard results ExampleMerge
// reads: two generators on one embedded collection, as in
// TestShardsMergeEmbedded.
//
//	go test ./scaleout -run ExampleShardsFixture -update-shards
func TestExampleShardsFixture(t *testing.T) {
	if !*updateShards {
		t.Skip("run with -update-shards to rewrite testdata/shards")
	}
	src := `name: shards_example
dataset: {size: 1000, dim: 8, queries: 100, seed: 5}
indexes:
  - type: FLAT
search: {topk: 10, nq: 1}
load: {model: closed, concurrency: [4], warmup: 50ms, duration: 200ms, interval: 100ms}
`
	spec, err := workloads.Parse("shards_example.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	ctx := context.Background()
	ds, err := datasets.NewSynthetic(ctx, spec.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng := embedded.New()
	prep := &bench.Runner{Target: eng, Plan: plan, Data: ds, Collection: "milvbench_shards_example", RunID: "example-run"}
	timings, _, err := prep.Prepare(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	clock := bench.TrialClock{Start: time.Now().Add(500 * time.Millisecond), Slot: bench.TrialSlot(spec.Load, 200*time.Millisecond)}
	res := make([]*bench.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &bench.Runner{
				Target: shared{eng, ds.Base.Size()}, Plan: plan, Data: ds, Truths: truths,
				Collection: "milvbench_shards_example", RunID: "example-run",
				Shard: &bench.ShardRun{Shard: bench.Shard{Index: i, Count: n}, Clock: clock, WorkloadHash: spec.Hash(), Timings: timings, Wait: time.Second},
			}
			res[i], errs[i] = r.RunShard(ctx)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("shard %d: %v", i, errs[i])
		}
		data, err := json.MarshalIndent(res[i], "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "shards", fmt.Sprintf("shard-%d.json", i)), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
