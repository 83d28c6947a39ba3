package tuner

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

func TestBreakTies(t *testing.T) {
	hnsw := workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16), "efConstruction": int64(200)}}
	ivf := workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(1024)}}
	pt := func(idx workloads.IndexConfig, nq int, p99 float64, samples ...float64) *point {
		return &point{index: idx, search: workloads.Params{"x": int64(1)}, nq: nq, p99: p99, queries: median(samples), samples: samples}
	}
	tests := []struct {
		name   string
		points []*point // best first, as answer orders them
		pick   int      // index into points of the config put first
		ties   int
		note   string
	}{
		{name: "clear winner, single trials", points: []*point{pt(hnsw, 1, 0.2, 1000), pt(ivf, 1, 0.2, 800)}, pick: 0},
		{name: "batch sizes tied: smaller requests", points: []*point{pt(hnsw, 10, 0.9, 1000), pt(hnsw, 1, 0.15, 960)}, pick: 1, ties: 1,
			note: "HNSW(M=16,efConstruction=200) x=1 nq=10 measured the most queries/s (1,000), but the measurements do not separate it from HNSW(M=16,efConstruction=200) x=1 nq=1 (960; within 15% (goals.tie): single trials on a shared host vary that much): HNSW(M=16,efConstruction=200) x=1 nq=1 is recommended because it sends smaller requests (nq=1, p99 0.150 ms against 0.900 ms)."},
		{name: "index types tied: less memory", points: []*point{pt(hnsw, 1, 0.2, 1000), pt(ivf, 1, 0.2, 900)}, pick: 1, ties: 1,
			note: "because it needs less memory (488.8 MiB against 610.4 MiB for 1,000,000 rows)."},
		{name: "equivalent builds: the least memory however slight", points: []*point{
			pt(workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(512)}}, 1, 0.13, 39393),
			pt(workloads.IndexConfig{Type: "IVF_FLAT", Build: workloads.Params{"nlist": int64(256)}}, 1, 0.13, 33523)}, pick: 1, ties: 1,
			note: "because of equivalent configs it needs the least memory (128.0 KiB less, of 488.5 MiB for 1,000,000 rows), a fixed rule"},
		{name: "the fastest is also the cheapest", points: []*point{pt(ivf, 1, 0.2, 1000), pt(hnsw, 1, 0.2, 990)}, pick: 0, ties: 1},
		{name: "repeats separate 20% apart", points: []*point{pt(hnsw, 1, 0.2, 1000, 1002, 998), pt(ivf, 1, 0.2, 800, 801, 799)}, pick: 0},
		{name: "repeats separate 3% apart, within run-to-run noise", points: []*point{pt(hnsw, 1, 0.2, 1000, 1002, 998), pt(ivf, 1, 0.2, 970, 971, 969)}, pick: 1, ties: 1,
			note: "(970; within 15% (goals.tie), closer than separate runs on a shared host agree; Welch's t-test over 3 and 3 repeats gives p = 0.00)"},
		{name: "repeats do not separate 20% apart", points: []*point{pt(hnsw, 1, 0.2, 1000, 1400, 700), pt(ivf, 1, 0.2, 800, 1100, 600)}, pick: 1, ties: 1,
			note: "(800; Welch's t-test over 3 and 3 repeats gives p = 0.47)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best := map[string]*point{}
			var configs []string
			for _, p := range tt.points {
				configs = append(configs, p.config())
				best[p.config()] = p
			}
			got, ties, note := breakTies(configs, best, 1_000_000, 128, "", 0.15)
			if got[0] != configs[tt.pick] || len(got) != len(configs) {
				t.Errorf("order %v, want %s first", got, configs[tt.pick])
			}
			if len(ties) != tt.ties {
				t.Errorf("ties %v, want %d", ties, tt.ties)
			}
			if (tt.note == "") != (note == "") || !strings.Contains(note, tt.note) {
				t.Errorf("note %q, want one containing %q", note, tt.note)
			}
		})
	}
}
