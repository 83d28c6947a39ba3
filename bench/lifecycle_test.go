package bench_test

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
)

// The tests here hold every load model to the one trial lifecycle
// (bench/trial.go): a collected heap, live status, server samples and a
// recall that averages over the queries actually answered.

// signalTarget is the embedded target reporting server signals (a healthy
// server whose CPU counter grows), so trials can record server samples.
type signalTarget struct {
	*embedded.Target
	reads atomic.Int64
}

func (t *signalTarget) Signals(context.Context) bench.ServerSignals {
	n := float64(t.reads.Add(1))
	return bench.ServerSignals{
		Health:  &bench.Health{Healthy: true},
		Metrics: &bench.ServerMetrics{RSSBytes: 1 << 20, CPUSeconds: n, SearchOK: 10 * n},
	}
}

// TestServerSamplesInEveryModel: every load model's trials carry the
// server's samples, taken at the start of the measured window, every
// load.interval and at its end.
func TestServerSamplesInEveryModel(t *testing.T) {
	const rest = "indexes: [{type: FLAT}]\nsearch: {topk: 10}\n"
	for _, tc := range []struct{ model, dataset, load, goals string }{
		{"closed", "{size: 2000, dim: 16, queries: 50, seed: 3}", "{model: closed, concurrency: 2, duration: 250ms, interval: 100ms}", ""},
		{"open", "{size: 2000, dim: 16, queries: 50, seed: 3}", "{model: open, rate: 200, duration: 250ms, interval: 100ms}", ""},
		{"capacity", "{size: 2000, dim: 16, queries: 50, seed: 3}", "{model: capacity, start_rate: 100, ramp_factor: 4, max_rate: 400, precision: 0.5, duration: 250ms, interval: 100ms}", "goals: {p99: 1s}\n"},
		{"mixed", "{size: 3000, dim: 16, queries: 50, seed: 3, preload: 1000}", "{model: mixed, concurrency: 1, insert_rate: 500, insert_batch: 50, checkpoints: 2, duration: 250ms, interval: 100ms}", ""},
		{"ingest", "{size: 3000, dim: 16, queries: 50, seed: 3, preload: 1000}", "{model: ingest, insert_batch: 50, insert_concurrency: 1, duration: 250ms, interval: 100ms}", ""},
	} {
		t.Run(tc.model, func(t *testing.T) {
			r := embeddedRunner(t, "name: sig\ndataset: "+tc.dataset+"\n"+rest+"load: "+tc.load+"\n"+tc.goals)
			r.Target = &signalTarget{Target: embedded.New()}
			res, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.ServerBefore == nil {
				t.Error("no server reading before the trials")
			}
			if len(res.Trials) == 0 {
				t.Fatal("no trials")
			}
			for _, tr := range res.Trials {
				if len(tr.Server) < 2 {
					t.Errorf("trial %d (%s): %d server samples, want one at the start and one at the end at least", tr.ID, tr.Load.Model, len(tr.Server))
					continue
				}
				last := tr.Server[len(tr.Server)-1]
				if tr.Server[0].AtS > 0.05 || last.CPUCores == nil || last.AtS < 0.9*tr.Load.WindowS {
					t.Errorf("trial %d (%s): server samples from %.3fs to %.3fs, last %+v", tr.ID, tr.Load.Model, tr.Server[0].AtS, last.AtS, last)
				}
			}
		})
	}
}

// gcCounter is the embedded target noting, at each search, how many
// collections the process has made so far.
type gcCounter struct {
	*embedded.Target
	mu   sync.Mutex
	seen []uint64
}

func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func (g *gcCounter) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	n := gcCycles()
	g.mu.Lock()
	g.seen = append(g.seen, n)
	g.mu.Unlock()
	return g.Target.Search(ctx, req)
}

// TestCapacityProbesStartOnCollectedHeap: each probe of a capacity search
// is a trial of its own, and starts after a collection, as the first does.
// Automatic collections are off meanwhile, so every cycle counted is one
// the harness asked for (runtime.GC: a cycle a running automatic one
// stands in for would not count as forced).
func TestCapacityProbesStartOnCollectedHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	r := embeddedRunner(t, `name: gc
dataset: {size: 2000, dim: 16, queries: 50, seed: 3}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: capacity, start_rate: 50, ramp_factor: 2, max_rate: 400, precision: 0.5, duration: 150ms, interval: 50ms}
goals: {p99: 1s}
`)
	g := &gcCounter{Target: embedded.New()}
	r.Target = g
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) < 3 {
		t.Fatalf("%d probes, want several", len(res.Trials))
	}
	// The collections seen by each probe's requests (the probes ran one
	// after the other, so their requests are consecutive runs of the
	// target's searches): every probe's must come after every earlier
	// probe's.
	seen := g.seen
	prevMax := uint64(0)
	for i, tr := range res.Trials {
		if tr.Requests == 0 || int(tr.Requests) > len(seen) || tr.Errors.Total != 0 {
			t.Fatalf("probe %d: %d requests (%d errors), %d searches left", tr.ID, tr.Requests, tr.Errors.Total, len(seen))
		}
		mine := seen[:tr.Requests]
		seen = seen[tr.Requests:]
		if i > 0 && slices.Min(mine) <= prevMax {
			t.Errorf("probe %d (%g/s) started without a collection since probe %d (GC cycles from %d, before %d)", tr.ID, tr.Load.Rate, tr.ID-1, slices.Min(mine), prevMax)
		}
		prevMax = slices.Max(mine)
	}
}

// TestLiveStatusInEveryModel: Runner.Watch sees the measured window of
// every load model's trials, with its operations, and the warm-up.
func TestLiveStatusInEveryModel(t *testing.T) {
	const rest = "indexes: [{type: FLAT}]\nsearch: {topk: 10}\n"
	for _, tc := range []struct{ model, dataset, load, op string }{
		{"closed", "{size: 2000, dim: 16, queries: 50, seed: 3}", "{model: closed, concurrency: 1, warmup: 100ms, duration: 300ms, interval: 50ms}", bench.OpSearch},
		{"mixed", "{size: 4000, dim: 16, queries: 50, seed: 3, preload: 1000}", "{model: mixed, concurrency: 1, insert_rate: 500, insert_batch: 50, checkpoints: 2, warmup: 100ms, duration: 300ms, interval: 50ms}", bench.OpInsert},
		{"ingest", "{size: 60000, dim: 16, queries: 50, seed: 3, preload: 1000}", "{model: ingest, insert_batch: 1, insert_concurrency: 1, warmup: 100ms, duration: 300ms, interval: 50ms}", bench.OpInsert},
	} {
		t.Run(tc.model, func(t *testing.T) {
			r := embeddedRunner(t, "name: live\ndataset: "+tc.dataset+"\n"+rest+"load: "+tc.load+"\n")
			var mu sync.Mutex
			var warm, measured int
			var ops []string
			r.WatchEvery = 10 * time.Millisecond
			r.Watch = func(st bench.TrialStatus) {
				mu.Lock()
				defer mu.Unlock()
				if st.WarmUp {
					warm++
					return
				}
				measured++
				for _, op := range st.Ops {
					if op.Interval {
						ops = append(ops, op.Op)
					}
				}
			}
			if _, err := r.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if warm == 0 || measured == 0 {
				t.Fatalf("%d warm-up and %d measured statuses", warm, measured)
			}
			if !strings.Contains(strings.Join(ops, " "), tc.op) {
				t.Errorf("live operations %v, want %s among them", ops, tc.op)
			}
		})
	}
}

// failingCheckpoint is the embedded target failing every strong-consistency
// search (the mixed model's checkpoints) while failing is set.
type failingCheckpoint struct {
	*embedded.Target
	failing atomic.Int64 // strong searches left to fail
}

func (f *failingCheckpoint) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	if req.Strong && f.failing.Add(-1) >= 0 {
		return bench.SearchResult{}, classErr(bench.ClassUnavailable)
	}
	return f.Target.Search(ctx, req)
}

// TestMixedRecallOverAnsweredQueries: a checkpoint whose every search
// failed answered no query, so it does not pull the trial's recall down:
// FLAT's recall stays 1 over the checkpoints that answered.
func TestMixedRecallOverAnsweredQueries(t *testing.T) {
	r := embeddedRunner(t, `name: mixedfail
dataset: {size: 4000, dim: 16, queries: 50, seed: 3, preload: 2000}
indexes: [{type: FLAT}]
search: {topk: 10}
load: {model: mixed, concurrency: 1, insert_rate: 1000, insert_batch: 50, checkpoints: 3, duration: 300ms}
`)
	f := &failingCheckpoint{Target: embedded.New()}
	f.failing.Store(5) // the first checkpoint: 50 queries, 10 per request
	r.Target = f
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Trials[0]
	if len(tr.Checkpoints) != 3 || tr.Checkpoints[0].Queries != 0 || tr.Checkpoints[0].Errors != 5 {
		t.Fatalf("checkpoints %+v: want the first with every search failed", tr.Checkpoints)
	}
	answered := tr.Checkpoints[1].Queries + tr.Checkpoints[2].Queries
	if tr.Recall != 1 || tr.RecallN != answered {
		t.Errorf("recall %g over %d queries; FLAT answered %d queries at recall 1 (checkpoints %+v)", tr.Recall, tr.RecallN, answered, tr.Checkpoints)
	}
}

// TestShardRefusesRetryTrial: a shard cannot retry a trial (the retry
// would run outside its slot on the trial clock the generators share), so
// a shard run under on_error retry_trial stops before any work, saying
// so, instead of silently aborting as if the policy were abort.
func TestShardRefusesRetryTrial(t *testing.T) {
	r := embeddedRunner(t, `name: shardretry
dataset: {size: 1000, dim: 8, queries: 10, seed: 3}
indexes: [{type: FLAT}]
load: {model: closed, concurrency: 2, duration: 100ms, on_error: retry_trial}
`)
	r.OnError = r.Plan.Spec.Load.OnError
	r.Shard = &bench.ShardRun{Shard: bench.Shard{Index: 0, Count: 2}, Clock: bench.TrialClock{Start: time.Now().Add(time.Minute), Slot: time.Second}}
	_, err := r.RunShard(context.Background())
	if err == nil || !strings.Contains(err.Error(), "retry_trial") {
		t.Fatalf("shard under on_error retry_trial: %v", err)
	}
}
