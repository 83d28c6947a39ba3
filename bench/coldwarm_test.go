package bench_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/report"
)

// reloadCounter is the embedded target counting releases and loads.
type reloadCounter struct {
	*embedded.Target
	loads, releases atomic.Int64
}

func (t *reloadCounter) Load(ctx context.Context) error {
	t.loads.Add(1)
	return t.Target.Load(ctx)
}

func (t *reloadCounter) Release(ctx context.Context) error {
	t.releases.Add(1)
	return t.Target.Release(ctx)
}

// TestColdPhases: the first trial after each index load (and only it)
// measures load.cold requests after the load, after a release and load,
// and after load.idle_before, apart from its window, in every search
// model; a capacity search says whether its knee is warm.
func TestColdPhases(t *testing.T) {
	const ds = "dataset: {size: 2000, dim: 16, queries: 50, seed: 3}\nsearch: {topk: 10}\n"
	tests := []struct {
		name, indexes, load, goals string
		phases                     []string // of each build's first trial
		builds                     int
		warm                       string // capacity: the knee's warmth
	}{
		{"closed, idle", "[{type: FLAT}, {type: HNSW, build: {M: 8}, search: {ef: 16}}]",
			"{model: closed, concurrency: [1, 2], duration: 150ms, interval: 50ms, cold: 4, idle_before: 50ms}", "",
			[]string{bench.PhaseAfterLoad, bench.PhaseAfterReload, "after idle 50ms"}, 2, ""},
		{"open", "[{type: FLAT}]", "{model: open, rate: 100, duration: 150ms, interval: 50ms, cold: 3}", "",
			[]string{bench.PhaseAfterLoad, bench.PhaseAfterReload}, 1, ""},
		{"capacity, no warm-up", "[{type: FLAT}]",
			"{model: capacity, start_rate: 100, ramp_factor: 4, max_rate: 400, precision: 0.5, duration: 150ms, interval: 50ms, cold: 3}", "goals: {p99: 1s}\n",
			[]string{bench.PhaseAfterLoad, bench.PhaseAfterReload}, 1, "warm: the knee probe ran after"},
		{"capacity, cold knee", "[{type: FLAT}]",
			"{model: capacity, start_rate: 100, ramp_factor: 4, max_rate: 100, precision: 0.5, duration: 150ms, interval: 50ms}", "goals: {p99: 1s}\n",
			nil, 1, "not shown warm"},
		{"off", "[{type: FLAT}]", "{model: closed, concurrency: 1, duration: 100ms, interval: 50ms}", "", nil, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := embeddedRunner(t, "name: cold\n"+ds+"indexes: "+tt.indexes+"\nload: "+tt.load+"\n"+tt.goals)
			tgt := &reloadCounter{Target: embedded.New()}
			r.Target = tgt
			res, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			firsts := 0
			for _, tr := range res.Trials {
				key := tr.Index.String()
				first := !seen[key]
				seen[key] = true
				if !first {
					if len(tr.Cold) > 0 {
						t.Errorf("trial %d is not its index's first, but has cold phases", tr.ID)
					}
					continue
				}
				firsts++
				if len(tr.Cold) != len(tt.phases) {
					t.Fatalf("trial %d: %d cold phases %+v, want %v", tr.ID, len(tr.Cold), tr.Cold, tt.phases)
				}
				for i, p := range tr.Cold {
					if p.Phase != tt.phases[i] || p.Errors != 0 || p.FirstMS <= 0 || p.P50MS <= 0 || p.MaxMS < p.P50MS {
						t.Errorf("trial %d phase %d: %+v, want %q with latencies", tr.ID, i, p, tt.phases[i])
					}
					if p.Phase == bench.PhaseAfterReload && p.LoadS <= 0 {
						t.Errorf("trial %d: reload phase without its load time", tr.ID)
					}
				}
			}
			if md := report.Markdown(res); strings.Contains(md, "## Cold and warm") != (len(tt.phases) > 0) {
				t.Errorf("report.md's cold/warm table: present %v, want %v", !(len(tt.phases) > 0), len(tt.phases) > 0)
			}
			if firsts != tt.builds {
				t.Errorf("%d builds' first trials, want %d", firsts, tt.builds)
			}
			// One load per build, one more for each reload phase.
			wantLoads := int64(tt.builds)
			if len(tt.phases) > 1 {
				wantLoads *= 2
			}
			if got := tgt.loads.Load(); got != wantLoads {
				t.Errorf("%d loads, want %d", got, wantLoads)
			}
			if tt.warm != "" {
				if len(res.Capacity) != 1 || !strings.HasPrefix(res.Capacity[0].Warmth, tt.warm) || res.Capacity[0].Warm != strings.HasPrefix(tt.warm, "warm") {
					t.Errorf("capacity %+v, want warmth %q", res.Capacity, tt.warm)
				}
			}
		})
	}
}
