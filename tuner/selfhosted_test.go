package tuner

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestSelfHostedCores: the self-hosted core count uses the server's own
// CPU per query when its metrics gave it (measured), and falls back to the
// per-core extrapolation (assumed) otherwise; the embedded engine never
// counts as a server.
func TestSelfHostedCores(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}}
	g := workloads.Goals{Recall: 0.9, QPS: 10000}
	pt := func(c int, queries, serverUS float64) *point {
		return &point{index: hnsw, search: workloads.Params{"ef": int64(32)}, nq: 1, concurrency: c, level: "c=" + string(rune('0'+c)),
			recall: 0.95, queries: queries, serverUS: serverUS, clientUS: 40, trialIDs: []int{c}}
	}
	tests := []struct {
		name      string
		pts       []*point
		m         measuredTarget
		scaling   map[string]ScalingModel
		cores     float64
		basis     string
		sourceHas string
	}{
		// 10,000 q/s × 250 µs = 2.5 core-seconds per second → 3 cores.
		{"server CPU measured", []*point{pt(1, 2000, 260), pt(2, 3800, 250)}, measuredTarget{cores: 8}, nil, 3, Measured, "server process's CPU 250.0 µs per query"},
		{"server CPU without cluster.cores", []*point{pt(2, 3800, 250)}, measuredTarget{}, nil, 3, Measured, "client spent 40.0 µs"},
		// Fit through the origin of (8, 3800): 475 q/s per core → 22 cores.
		{"no server CPU: extrapolated", []*point{pt(2, 3800, 0)}, measuredTarget{cores: 8}, nil, 22, Assumed, "extrapolated linearly in cores"},
		// A serial share of 0.25 measured on 2 cores: T(1) = 3800 / 1.6 =
		// 2375; 10,000 q/s needs 0.25 + 0.75/n = 0.2375: past the ceiling
		// 2375 / 0.25 = 9500.
		{"amdahl past its ceiling", []*point{pt(2, 3800, 0)}, measuredTarget{cores: 2}, map[string]ScalingModel{"HNSW": {Serial: 0.25, Source: "test"}}, 0, Assumed, "beyond what any core count of one server reaches"},
		// s = 0.05 on 2 cores: T(1) = 3800 × (0.05 + 0.95/2) = 1995;
		// 0.05 + 0.95/n = 0.1995 ⇒ n = 6.35 → 7 (linear: 6).
		{"amdahl", []*point{pt(2, 3800, 0)}, measuredTarget{cores: 2}, map[string]ScalingModel{"HNSW": {Serial: 0.05, Source: "test"}}, 7, Assumed, "Amdahl's law with a serial share of 0.05"},
		// In-process: the engine's CPU is the harness's, never the server's.
		{"embedded", []*point{pt(2, 3800, 250)}, measuredTarget{cores: 2, inProcess: true}, map[string]ScalingModel{"HNSW": {Serial: 0.05}}, 6, Assumed, "extrapolated linearly"},
	}
	saved := ServerScaling
	defer func() { ServerScaling = saved }()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ServerScaling = tt.scaling
			top := tt.pts[len(tt.pts)-1]
			sh := selfHosted(tt.pts, top, g, tt.m, &Memory{WithHeadroom: assumed(1, "bytes", "x")})
			if sh.Cores == nil {
				t.Fatal("no core count")
			}
			if sh.Cores.Value != tt.cores || sh.Cores.Basis != tt.basis || (sh.QPSPerCore != nil && sh.QPSPerCore.Basis != tt.basis) {
				t.Errorf("cores %+v, per core %+v, want %g %s", *sh.Cores, *sh.QPSPerCore, tt.cores, tt.basis)
			}
			if !strings.Contains(sh.Cores.Source+" "+sh.QPSPerCore.Source, tt.sourceHas) {
				t.Errorf("sources %q / %q, want %q", sh.Cores.Source, sh.QPSPerCore.Source, tt.sourceHas)
			}
		})
	}
}
