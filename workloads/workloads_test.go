package workloads

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

// TestMalformed asserts the exact one-line error of every file in testdata/bad.
func TestMalformed(t *testing.T) {
	want := map[string]string{
		"bad_duration.yaml":               `testdata/bad/bad_duration.yaml:5: load.duration: "10" is not a duration (use a number with a unit: 500ms, 10s, 2m)`,
		"bad_metric.yaml":                 `testdata/bad/bad_metric.yaml:5: dataset.metric: "l2" is not allowed (allowed: L2, IP, COSINE)`,
		"bad_name.yaml":                   `testdata/bad/bad_name.yaml:1: name: "my bench!" is not allowed: use a letter then up to 63 letters, digits or _ (it names collections)`,
		"duplicate_key.yaml":              `testdata/bad/duplicate_key.yaml:6: search.topk: key "topk" appears twice`,
		"ef_below_topk.yaml":              `testdata/bad/ef_below_topk.yaml:6: indexes[0].search.ef: 8 is out of range (Milvus allows topk (10) ≤ ef ≤ 2147483647)`,
		"empty.yaml":                      `testdata/bad/empty.yaml: file is empty; a workload needs at least name, dataset and indexes`,
		"empty_indexes.yaml":              `testdata/bad/empty_indexes.yaml:3: indexes: must be a non-empty list of indexes, each with type, build and search`,
		"env_unset.yaml":                  `testdata/bad/env_unset.yaml:3: dataset.size: environment variable MILVBENCH_TEST_UNSET_SIZE is not set`,
		"hnsw_bad_param_name.yaml":        `testdata/bad/hnsw_bad_param_name.yaml:5: indexes[0].build.efconstruction: HNSW has no build parameter "efconstruction" (allowed: M, efConstruction)`,
		"hnsw_m_range.yaml":               `testdata/bad/hnsw_m_range.yaml:5: indexes[0].build.M: 4096 is out of range (Milvus allows 2 ≤ M ≤ 2048)`,
		"invalid_yaml.yaml":               `testdata/bad/invalid_yaml.yaml:1: invalid YAML: did not find expected ',' or '}'`,
		"list_for_scalar.yaml":            `testdata/bad/list_for_scalar.yaml:1: name: must be a single value, got a list`,
		"missing_name.yaml":               `testdata/bad/missing_name.yaml:1: name: is missing (required)`,
		"nprobe_above_nlist.yaml":         `testdata/bad/nprobe_above_nlist.yaml:6: indexes[0].search.nprobe: 32 is out of range (Milvus allows 1 ≤ nprobe ≤ nlist (16))`,
		"output_field_unknown.yaml":       `testdata/bad/output_field_unknown.yaml:5: search.output_fields[1]: "embedding" is not a field of milvbench's collections (allowed: id, vec, label, category)`,
		"pq_m_not_divisor.yaml":           `testdata/bad/pq_m_not_divisor.yaml:5: indexes[0].build: m=16 must divide the vector dimension 100 (allowed m: 1, 2, 4, 5, 10, 20, 25, 50, 100)`,
		"recall_goal_range.yaml":          `testdata/bad/recall_goal_range.yaml:4: goals.recall: 95 is out of range (allowed 0..1)`,
		"selectivity_without_labels.yaml": `testdata/bad/selectivity_without_labels.yaml:5: search.selectivity[1]: 0.1 needs labels to filter on: set dataset.labels to int or category`,
		"selectivity_range.yaml":          `testdata/bad/selectivity_range.yaml:5: search.selectivity[1]: 1.5 is out of range (a fraction of rows, 0 < selectivity ≤ 1; 1 means no filter)`,
		"topk_too_large.yaml":             `testdata/bad/topk_too_large.yaml:4: search.topk[0]: 20000 is out of range (Milvus allows 1..16384)`,
		"unknown_index_type.yaml":         `testdata/bad/unknown_index_type.yaml:4: indexes[0].type: "HNSW_SQ9" is not allowed (allowed: AUTOINDEX, DISKANN, FLAT, HNSW, IVF_FLAT, IVF_PQ, IVF_SQ8, SCANN)`,
		"unknown_key.yaml":                `testdata/bad/unknown_key.yaml:4: loads: unknown key "loads" (allowed: cluster, dataset, goals, indexes, insert, load, name, search, target)`,
		"unknown_nested_key.yaml":         `testdata/bad/unknown_nested_key.yaml:4: dataset.dimension: unknown key "dimension" (allowed: base_file, categories, clusters, dim, distribution, labels, metric, path, preload, queries, query_file, seed, size, source, truth_file)`,
		"wrong_type.yaml":                 `testdata/bad/wrong_type.yaml:3: dataset.size: must be a whole number, got "lots"`,
		"zero_concurrency.yaml":           `testdata/bad/zero_concurrency.yaml:5: load.concurrency[1]: 0 is out of range (allowed 1..4096)`,
	}
	maps.Copy(want, clusterMalformed)
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Fatalf("testdata/bad has %d files, the table %d: keep them in step", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.ToSlash(f), data, noEnv)
			if err == nil {
				t.Fatal("parsed without error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if got := err.Error(); got != want[filepath.Base(f)] {
				t.Errorf("error\n got: %s\nwant: %s", got, want[filepath.Base(f)])
			}
		})
	}
}

func TestExamplesValidate(t *testing.T) {
	names := Examples()
	if len(names) == 0 {
		t.Fatal("no embedded examples")
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			spec, err := LoadArg(ExamplePrefix+n, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if NewPlan(spec).Trials() == 0 {
				t.Error("example plans no trials")
			}
		})
	}
	if _, err := LoadArg(ExamplePrefix+"nope", noEnv); err == nil || !strings.Contains(err.Error(), "quickstart") {
		t.Errorf("unknown example error should list the examples, got %v", err)
	}
}

func TestEnvExpansion(t *testing.T) {
	env := func(n string) (string, bool) {
		v, ok := map[string]string{"SIZE": "2000", "EF": "64"}[n]
		return v, ok
	}
	src := `name: env_${SIZE}
dataset: {size: "${SIZE}", dim: 8}
indexes:
  - type: HNSW
    search: {ef: [32, "${EF}"]}
`
	spec, err := Parse("w.yaml", []byte(src), env)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "env_2000" || spec.Dataset.Size != 2000 {
		t.Errorf("name %q size %d", spec.Name, spec.Dataset.Size)
	}
	if got := spec.Indexes[0].Search["ef"]; !reflect.DeepEqual(got, []Value{int64(32), int64(64)}) {
		t.Errorf("ef values %#v", got)
	}
	// A quoted literal is a string, and Milvus wants a number.
	_, err = Parse("w.yaml", []byte(strings.Replace(src, `"${EF}"`, `"64"`, 1)), env)
	if err == nil || !strings.Contains(err.Error(), `got the string "64"`) {
		t.Errorf("quoted ef: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	spec, err := Parse("w.yaml", []byte("name: d\ndataset: {size: 5000, dim: 16}\nindexes: [{type: HNSW}]\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Target.Kind != TargetEmbedded || spec.Dataset.Metric != L2 || spec.Dataset.Distribution != DistClustered ||
		spec.Dataset.Clusters != 10 || spec.Load.Duration.D() != 10*time.Second || spec.Search.TopK[0] != 10 {
		t.Errorf("defaults not applied: %+v", spec)
	}
	b := NewPlan(spec).Builds[0]
	if b.Index.Build.Int("M", 0) != 30 || b.Index.Build.Int("efConstruction", 0) != 360 {
		t.Errorf("HNSW build defaults %v", b.Index.Build)
	}
	if b.Points[0].Params.Int("ef", 0) != 16 {
		t.Errorf("HNSW ef default %v", b.Points[0].Params)
	}
}

func TestPlanExpansion(t *testing.T) {
	src := `name: p
dataset: {size: 10000, dim: 16}
indexes:
  - type: FLAT
  - type: IVF_FLAT
    build: {nlist: [64, 128]}
    search: {nprobe: [4, 16, 64]}
search: {topk: [10, 100], nq: [1, 8]}
load: {concurrency: [1, 4]}
`
	spec, err := Parse("p.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(spec)
	tests := []struct {
		build  string
		trials int
	}{
		{"FLAT", 2 * 2 * 2},                   // topk × nq × concurrency
		{"IVF_FLAT(nlist=64)", 3 * 2 * 2 * 2}, // nprobe × topk × nq × conc
		{"IVF_FLAT(nlist=128)", 3 * 2 * 2 * 2},
	}
	if len(p.Builds) != len(tests) {
		t.Fatalf("%d builds, want %d (one per index config)", len(p.Builds), len(tests))
	}
	for i, tt := range tests {
		if got := p.Builds[i].Index.String(); got != tt.build {
			t.Errorf("build %d = %s, want %s", i, got, tt.build)
		}
		if got := len(p.Builds[i].Points); got != tt.trials {
			t.Errorf("build %s: %d trials, want %d", tt.build, got, tt.trials)
		}
	}
	if p.Trials() != 8+24+24 {
		t.Errorf("Trials() = %d", p.Trials())
	}
	// Order: topk outermost, then search params, nq, concurrency innermost.
	first := p.Builds[1].Points[:3]
	want := []SearchPoint{
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 1, Concurrency: 1, Selectivity: 1, Repeat: 1},
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 1, Concurrency: 4, Selectivity: 1, Repeat: 1},
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 8, Concurrency: 1, Selectivity: 1, Repeat: 1},
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first points\n got %+v\nwant %+v", first, want)
	}
	if got := p.MeasureTime(); got != 56*10*time.Second {
		t.Errorf("MeasureTime = %s", got)
	}
	if p.MaxTopK() != 100 {
		t.Errorf("MaxTopK = %d", p.MaxTopK())
	}
}

// TestLoadModels checks each load model's plan levels, defaults, and the
// one-line errors for keys that belong to another model.
func TestLoadModels(t *testing.T) {
	base := "name: w\ndataset: {size: 1000, dim: 8}\nindexes:\n  - type: FLAT\n"
	tests := []struct {
		name   string
		load   string
		goals  string
		levels []string // SearchPoint.Level of each point of the first build
		err    string
	}{
		{name: "closed default", load: "", levels: []string{"c=1"}},
		{name: "closed repeat", load: "load: {concurrency: [1, 2], repeat: 2}",
			levels: []string{"c=1", "c=1 repeat=2", "c=2", "c=2 repeat=2"}},
		{name: "open", load: "load: {model: open, rate: [100, 1000]}", levels: []string{"rate=100/s", "rate=1000/s"}},
		{name: "capacity", load: "load: {model: capacity}", goals: "goals: {p99: 5ms}", levels: []string{""}},
		{name: "mixed open", load: "load: {model: mixed, rate: 50, insert_rate: [10, 20]}",
			levels: []string{"rate=50/s insert=10 rows/s batch=100", "rate=50/s insert=20 rows/s batch=100"}},
		{name: "mixed closed", load: "load: {model: mixed, concurrency: 2, insert_rate: 10, insert_batch: 5}",
			levels: []string{"c=2 insert=10 rows/s batch=5"}},
		{name: "ingest", load: "load: {model: ingest, insert_batch: [1, 50], insert_concurrency: [1, 2]}",
			levels: []string{"batch=1 inserters=1", "batch=1 inserters=2", "batch=50 inserters=1", "batch=50 inserters=2"}},
		{name: "ingest without rows", load: "load: {model: ingest, insert_batch: [10, 300], insert_concurrency: 1}",
			err: "w.yaml:2: dataset.size: 1000 rows with preload 0.5 leave 500 rows to insert for 2 ingest trials (250 each), fewer than one call of 300 rows per inserter (insert_batch 300 × insert_concurrency 1); raise dataset.size, lower dataset.preload or sweep fewer levels"},
		{name: "open without rate", load: "load: {model: open}", err: "w.yaml:5: load.rate: is required for load model open (requests/s; a number or a list)"},
		{name: "rate in closed", load: "load: {model: closed, rate: 5}",
			err: "w.yaml:5: load.rate: does not apply to load model closed (it uses: model, concurrency, duration, interval, on_error, repeat, think_time, warmup)"},
		{name: "concurrency in open", load: "load: {model: open, rate: 5, concurrency: 2}",
			err: "w.yaml:5: load.concurrency: does not apply to load model open (it uses: model, arrivals, duration, interval, max_in_flight, on_error, rate, repeat, warmup)"},
		{name: "capacity without latency goal", load: "load: {model: capacity}",
			err: "w.yaml:5: load.model: capacity needs a latency goal to search for: set goals.p99 (or goals.p95)"},
		{name: "bad precision", load: "load: {model: capacity, precision: 1.5}", goals: "goals: {p99: 5ms}",
			err: "w.yaml:5: load.precision: 1.5 is out of range (a relative bracket width, 0 < precision < 1)"},
		{name: "mixed without insert rate", load: "load: {model: mixed, rate: 5}",
			err: "w.yaml:5: load.insert_rate: is required for load model mixed (rows/s; a number or a list)"},
		{name: "bad arrivals", load: "load: {model: open, rate: 5, arrivals: burst}",
			err: `w.yaml:5: load.arrivals: "burst" is not allowed (allowed: constant, poisson)`},
		{name: "interval beyond duration", load: "load: {duration: 2s, interval: 5s}",
			err: "w.yaml:5: load.interval: 5s is out of range (allowed 10ms .. the trial duration 2s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base + tt.load + "\n" + tt.goals + "\n"
			s, err := Parse("w.yaml", []byte(src), func(string) (string, bool) { return "", false })
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error\n got: %v\nwant: %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pt := range NewPlan(s).Builds[0].Points {
				got = append(got, pt.Level())
			}
			if !reflect.DeepEqual(got, tt.levels) {
				t.Errorf("levels\n got %q\nwant %q", got, tt.levels)
			}
		})
	}
}
