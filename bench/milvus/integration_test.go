package milvus_test

// Integration tests against a real Milvus-protocol server. `make test` starts
// Milvus Lite on loopback and sets MILVUS_URI (and MILVBENCH_REQUIRE_MILVUS=1,
// so a missing server fails instead of skipping). MILVBENCH_FULL_INDEXES=1
// (make test-standalone) adds the index types Milvus Lite does not build.

import (
	"context"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

func serverURI(t *testing.T) string {
	t.Helper()
	return testenv.MilvusURI(t)
}

func noEnv(string) (string, bool) { return "", false }

// prepare points a workload at uri, opens its dataset (files relative to
// dir) and computes the ground truth of every filter the plan sweeps.
func prepare(t *testing.T, spec *workloads.Spec, uri, dir string) (*workloads.Plan, *datasets.Dataset, map[float64]bench.Truth, milvus.Config) {
	t.Helper()
	spec.Target = workloads.TargetSpec{Kind: workloads.TargetMilvus, URI: uri, Consistency: "bounded",
		ConnectTimeout: workloads.Duration(10 * time.Second), RequestTimeout: workloads.Duration(30 * time.Second)}
	ctx := context.Background()
	ds, _, err := datasets.Open(ctx, spec.Dataset, dir)
	if err != nil {
		t.Fatal(err)
	}
	spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = ds.Info.Size, ds.Info.Dim, ds.Info.Queries
	plan := workloads.NewPlan(spec)
	truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := milvus.ConfigFrom(spec.Target)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Connections = 2
	return plan, ds, truths, cfg
}

// TestQuickstartOnMilvus runs the quickstart example unchanged but for its
// target (and shorter windows) against the server.
func TestQuickstartOnMilvus(t *testing.T) {
	uri := serverURI(t)
	_, file, _, _ := runtime.Caller(0)
	spec, err := workloads.Load(filepath.Join(filepath.Dir(file), "../../workloads/examples/quickstart.yaml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	spec.Name = "it_quickstart"
	spec.Load.Warmup, spec.Load.Duration = workloads.Duration(300*time.Millisecond), workloads.Duration(time.Second)
	spec.Indexes = append(spec.Indexes, workloads.IndexSweep{
		Type: "IVF_FLAT", Build: map[string][]workloads.Value{"nlist": {int64(128)}},
		Search: map[string][]workloads.Value{"nprobe": {int64(1), int64(4), int64(32)}},
	})
	if os.Getenv("MILVBENCH_FULL_INDEXES") != "" {
		spec.Indexes = append(spec.Indexes,
			workloads.IndexSweep{Type: "IVF_SQ8", Build: map[string][]workloads.Value{"nlist": {int64(128)}}, Search: map[string][]workloads.Value{"nprobe": {int64(4), int64(32)}}},
			workloads.IndexSweep{Type: "IVF_PQ", Build: map[string][]workloads.Value{"nlist": {int64(128)}, "m": {int64(16)}}, Search: map[string][]workloads.Value{"nprobe": {int64(4), int64(32)}}},
			workloads.IndexSweep{Type: "SCANN", Build: map[string][]workloads.Value{"nlist": {int64(128)}}, Search: map[string][]workloads.Value{"nprobe": {int64(4), int64(32)}}},
			workloads.IndexSweep{Type: "AUTOINDEX"},
		)
	}
	plan, ds, truths, cfg := prepare(t, spec, uri, ".")
	ctx := context.Background()
	tgt, err := milvus.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	r := &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_it_quickstart", RunID: "it-" + time.Now().Format("150405.000"), Progress: testWriter{t}}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Provenance.Target.Kind != "milvus" || res.Provenance.Target.Version == "" || !strings.HasPrefix(res.Provenance.Target.SDKVersion, "github.com/milvus-io/milvus/client/v2 ") {
		t.Errorf("provenance %+v", res.Provenance.Target)
	}
	if res.NetworkFloor == nil || res.NetworkFloor.P50MS <= 0 || res.NetworkFloor.Errors != 0 {
		t.Errorf("network floor %+v", res.NetworkFloor)
	}
	recall := map[string][]float64{}
	for _, tr := range res.Trials {
		if tr.Errors.Total != 0 {
			t.Errorf("trial %d %s: %d errors, last %q", tr.ID, tr.Index, tr.Errors.Total, tr.Errors.Last)
		}
		if tr.TimingsS.Insert <= 0 || tr.TimingsS.Build <= 0 || tr.TimingsS.Load <= 0 {
			t.Errorf("trial %d %s: timings %+v", tr.ID, tr.Index, tr.TimingsS)
		}
		if tr.Index.Type == "FLAT" && tr.Recall != 1 {
			t.Errorf("FLAT recall %g against the harness's exact ground truth, want 1", tr.Recall)
		}
		if tr.Load.Concurrency == 1 {
			recall[tr.Index.Type] = append(recall[tr.Index.Type], tr.Recall)
		}
	}
	for _, typ := range []string{"HNSW", "IVF_FLAT"} {
		rs := recall[typ]
		if len(rs) < 3 {
			t.Fatalf("%s: %d trials", typ, len(rs))
		}
		for i := 1; i < len(rs); i++ {
			if rs[i] < rs[i-1] {
				t.Errorf("%s recall falls as the search parameter grows: %v", typ, rs)
			}
		}
		if rs[len(rs)-1] <= rs[0] {
			t.Errorf("%s recall does not rise with the search parameter: %v", typ, rs)
		}
	}
	t.Logf("recall by index (concurrency 1): %v", recall)
}

// TestRefusesForeignCollection: a collection without the marker under the
// workload's name is neither written to nor dropped.
func TestRefusesForeignCollection(t *testing.T) {
	uri := serverURI(t)
	ctx := context.Background()
	const name = "milvbench_it_foreign"
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
	schema := entity.NewSchema().WithName(name).
		WithField(entity.NewField().WithName("pk").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("v").WithDataType(entity.FieldTypeFloatVector).WithDim(8))
	if err := c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(name, schema)); err != nil {
		t.Fatal(err)
	}
	defer c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
	ids := []int64{1, 2, 3}
	vecs := [][]float32{make([]float32, 8), make([]float32, 8), make([]float32, 8)}
	if _, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(name).WithInt64Column("pk", ids).WithFloatVectorColumn("v", 8, vecs)); err != nil {
		t.Fatal(err)
	}
	count := func() string {
		task, err := c.Flush(ctx, milvusclient.NewFlushOption(name))
		if err == nil {
			err = task.Await(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		stats, err := c.GetCollectionStats(ctx, milvusclient.NewGetCollectionStatsOption(name))
		if err != nil {
			t.Fatal(err)
		}
		return stats["row_count"]
	}
	before := count()

	spec, err := workloads.Parse("foreign.yaml", []byte("name: it_foreign\ndataset: {size: 200, dim: 8, queries: 10}\nindexes: [{type: FLAT}]\nload: {duration: 100ms}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	plan, ds, truths, cfg := prepare(t, spec, uri, ".")
	tgt, err := milvus.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	r := &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, Collection: name, RunID: "it-foreign"}
	_, err = r.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "not created by milvbench") || !strings.Contains(err.Error(), "--allow-foreign") {
		t.Fatalf("run on a foreign collection: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if after := count(); after != before {
		t.Errorf("foreign collection row count changed from %s to %s", before, after)
	}
	if has, _ := c.HasCollection(ctx, milvusclient.NewHasCollectionOption(name)); !has {
		t.Error("foreign collection was dropped")
	}
}

// TestWrongAddress: a refused connection fails at once (not after the
// connect timeout), while an address that accepts TCP but never answers gRPC
// gets the whole timeout; either way the error is one line naming the
// address. Needs no server: both addresses are made here, on loopback.
func TestWrongAddress(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close() // nothing listens there now: connecting is refused
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // the kernel completes TCP handshakes; nobody ever answers
	tests := []struct {
		name             string
		uri              string
		timeout          time.Duration
		want             string
		minTook, maxTook time.Duration
	}{
		{"refused fails at once", refused, 10 * time.Second, refused + ": connection refused", 0, 3 * time.Second},
		{"no answer waits for the timeout", "http://" + silent.Addr().String(), time.Second, "http://" + silent.Addr().String() + " within 1s", time.Second, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := milvus.New(context.Background(), milvus.Config{URI: tt.uri, ConnectTimeout: tt.timeout})
			took := time.Since(start)
			if err == nil {
				t.Fatal("connected")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q should be one line containing %q", err, tt.want)
			}
			if took < tt.minTook || took > tt.maxTook {
				t.Errorf("took %s, want %s..%s (connect timeout %s)", took, tt.minTook, tt.maxTook, tt.timeout)
			}
			t.Logf("%s after %s", err, took.Round(time.Millisecond))
		})
	}
}

// TestServerLostMidRun cuts the connection (through a loopback proxy) during a
// measured window: requests fail fast with classified errors, no hang.
func TestServerLostMidRun(t *testing.T) {
	uri := serverURI(t)
	px := newProxy(t, strings.TrimPrefix(strings.TrimPrefix(uri, "http://"), "tcp://"))
	spec, err := workloads.Parse("lost.yaml", []byte("name: it_lost\ndataset: {size: 500, dim: 8, queries: 50}\nindexes: [{type: FLAT}]\nload: {duration: 100ms}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	plan, ds, _, cfg := prepare(t, spec, "http://"+px.addr(), ".")
	cfg.RequestTimeout = 2 * time.Second
	cfg.SetupRetries = 1
	ctx := context.Background()
	tgt, err := milvus.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	coll := bench.CollectionSpec{Name: "milvbench_it_lost", Dim: 8, Metric: workloads.L2, RunID: "it-lost"}
	if err := tgt.Create(ctx, coll); err != nil {
		t.Fatal(err)
	}
	err = ds.Base.Scan(ctx, 500, func(first int64, vecs [][]float32) error {
		ids := make([]int64, len(vecs))
		for i := range ids {
			ids[i] = first + int64(i)
		}
		return tgt.Insert(ctx, ids, vecs)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context) error{tgt.Flush, func(ctx context.Context) error { return tgt.BuildIndex(ctx, plan.Builds[0].Index) }, tgt.Load} {
		if err := step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	req := bench.SearchRequest{Vectors: ds.Queries[:1], TopK: 10}
	if _, err := tgt.Search(ctx, req); err != nil {
		t.Fatalf("search before the cut: %v", err)
	}
	px.cut()
	start := time.Now()
	classes := map[string]int{}
	for range 5 {
		_, err := tgt.Search(ctx, req)
		if err == nil {
			t.Fatal("search succeeded through a cut connection")
		}
		classes[bench.Classify(err)]++
	}
	if took := time.Since(start); took > 5*2*time.Second+time.Second {
		t.Errorf("5 failing searches took %s", took)
	}
	if classes[bench.ClassUnavailable]+classes[bench.ClassTimeout] != 5 {
		t.Errorf("errors classified as %v, want unavailable or timeout", classes)
	}
	t.Logf("after the cut: %v", classes)
	// Clean up through a fresh connection (the collection is this test's).
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err == nil {
		_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(coll.Name))
		c.Close(ctx)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// proxy forwards loopback TCP to the server until cut.
type proxy struct {
	t      *testing.T
	target string
	mu     sync.Mutex
	l      net.Listener
	port   string
	conns  []net.Conn
	down   bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, p.port, _ = net.SplitHostPort(l.Addr().String())
	p.l = l
	go p.serve(l)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) addr() string { return "127.0.0.1:" + p.port }

func (p *proxy) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			s.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

// cut closes the listener and every forwarded connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// specRunner parses src, points it at the server and returns a runner for
// it, with every ground truth; the caller closes the target.
func specRunner(t *testing.T, uri, src, dir string) (*bench.Runner, *milvus.Target) {
	t.Helper()
	spec, err := workloads.Parse(filepath.Join(dir, "w.yaml"), []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	plan, ds, truths, cfg := prepare(t, spec, uri, dir)
	ctx := context.Background()
	filterTruths, err := bench.FilterTruths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kindTruths, err := bench.RangeGroupTruths(ctx, ds, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	iterTruths, err := bench.IteratorTruths(ctx, ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(kindTruths, iterTruths)
	tgt, err := milvus.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, FilterTruths: filterTruths, KindTruths: kindTruths,
		Collection: "milvbench_" + spec.Name, RunID: "it-" + spec.Name}, tgt
}

// runSpec runs a parsed workload against the server and returns its trials.
func runSpec(t *testing.T, uri, src, dir string) []bench.Trial {
	t.Helper()
	r, tgt := specRunner(t, uri, src, dir)
	defer tgt.Close()
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Trials {
		if tr.Errors.Total != 0 {
			t.Errorf("trial %d: %d errors, last %q", tr.ID, tr.Errors.Total, tr.Errors.Last)
		}
	}
	return res.Trials
}

// TestFilteredSearch: FLAT under an int and a category filter is exact
// against the filtered ground truth, and the filter reaches the server.
func TestFilteredSearch(t *testing.T) {
	uri := serverURI(t)
	for kind, field := range map[string]string{"int": "label", "category": "category"} {
		t.Run(kind, func(t *testing.T) {
			src := "name: it_filter_" + kind + "\ndataset: {size: 3000, dim: 16, queries: 50, labels: " + kind +
				"}\nindexes: [{type: FLAT}]\nsearch: {topk: 10, selectivity: [1, 0.5, 0.1], output_fields: [" + field + "]}\nload: {duration: 300ms}\n"
			trials := runSpec(t, uri, src, t.TempDir())
			if len(trials) != 3 {
				t.Fatalf("%d trials", len(trials))
			}
			for _, tr := range trials {
				if tr.Recall != 1 {
					t.Errorf("selectivity %g (%s): FLAT recall %g, want 1", tr.Search.Selectivity, tr.Search.Filter, tr.Recall)
				}
				if (tr.Search.Selectivity < 1) != (tr.Search.Filter != "") {
					t.Errorf("selectivity %g with filter %q", tr.Search.Selectivity, tr.Search.Filter)
				}
			}
		})
	}
}

// TestPayloadFilters: every payload type, expression filters over each
// (ranges, arrays, JSON paths, in), bound per query, and both tenancy
// layouts: FLAT is exact under each, so the server passes exactly the rows
// the harness's evaluator passes. Milvus 2.3 has no nullable fields, so
// nulls are left out there.
func TestPayloadFilters(t *testing.T) {
	uri := serverURI(t)
	nulls := ", nulls: 0.1"
	tgt, err := milvus.New(context.Background(), milvus.Config{URI: uri, ConnectTimeout: 10 * time.Second, RequestTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := tgt.Describe(context.Background())
	tgt.Close()
	if strings.HasPrefix(info.Version, "v2.3") {
		nulls = ""
	}
	src := `name: it_payload
dataset:
  size: 3000
  dim: 16
  queries: 40
  payload:
    - {name: cat, type: varchar, values: 8, correlation: correlated` + nulls + `}
    - {name: price, type: double, min: 0, max: 100, correlation: anti-correlated}
    - {name: n, type: int64, values: 20, distribution: zipf}
    - {name: ok, type: bool}
    - {name: tags, type: array_int64, values: 10, length: 3}
    - {name: labels, type: array_varchar, values: 6, length: 2}
    - {name: meta, type: json, values: 5}
indexes: [{type: FLAT}]
search:
  topk: 10
  filters:
    - {name: own, expr: 'cat == {c}', params: {c: {query: cat}}}
    - {name: range, expr: '{lo} <= price and price < {hi} or ok == false', params: {lo: {uniform: [0, 50]}, hi: [60, 90]}}
    - {name: arrays, expr: 'array_contains(tags, {t}) or array_contains_any(labels, ["t1", "t2"])', params: {t: {choice: [0, 1, 2]}}}
    - {name: json, expr: 'meta["brand"] == {b} or n in [1, 2, 3]', params: {b: {query: meta}}}
load: {duration: 1s}
`
	// Every query, not the ones a timed window reaches: Lite answers a
	// JSON filter at a few requests/s on a loaded host.
	recalls := recallEveryQuery(t, uri, src, t.TempDir())
	if len(recalls) != 5 {
		t.Fatalf("%d filters, want 5", len(recalls))
	}
	for name, r := range recalls {
		t.Logf("filter %s: FLAT recall %.4f over all 40 queries", name, r)
		if r != 1 {
			t.Errorf("filter %s: FLAT recall %g, want 1", name, r)
		}
	}
	tsrc := `name: it_tenancy
dataset: {size: 3000, dim: 16, queries: 60}
tenancy: {tenants: 40, layout: [partition_key, partitions], num_partitions: 4}
indexes: [{type: FLAT}]
search: {topk: 5}
load: {duration: 1s}
`
	for _, tr := range runSpec(t, uri, tsrc, t.TempDir()) {
		t.Logf("layout %s: recall %.4f over %d queries, %d bands", tr.Search.Layout, tr.Recall, tr.RecallN, len(tr.Bands))
		if tr.Recall != 1 || len(tr.Bands) != 3 {
			t.Errorf("layout %s: FLAT recall %g, %d bands", tr.Search.Layout, tr.Recall, len(tr.Bands))
		}
	}
}

// recallEveryQuery opens the workload src on the server, builds its first
// index and returns the recall over every query of each plan point's
// filter (by filter name), then drops the collection.
func recallEveryQuery(t *testing.T, uri, src, dir string) map[string]float64 {
	t.Helper()
	r, tgt := specRunner(t, uri, src, dir)
	defer tgt.Close()
	ctx, plan := context.Background(), r.Plan
	s, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	b := plan.Builds[0]
	if err := s.Build(ctx, b.Index); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, pt := range b.Points {
		rc, err := s.Recall(ctx, pt)
		if err != nil {
			t.Fatal(err)
		}
		out[pt.Filter] = rc
	}
	return out
}

// TestFileDatasets: workloads on fvecs and parquet files run on Milvus.
func TestFileDatasets(t *testing.T) {
	uri := serverURI(t)
	ctx := context.Background()
	gen, err := datasets.NewSynthetic(ctx, workloads.DatasetSpec{Source: "synthetic", Distribution: "clustered", Clusters: 10, Size: 2000, Dim: 16, Queries: 50, Seed: 5, Metric: workloads.L2})
	if err != nil {
		t.Fatal(err)
	}
	var base [][]float32
	if err := gen.Base.Scan(ctx, 500, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			base = append(base, append([]float32(nil), v...))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// An ann-benchmarks HDF5 file h5py writes (chunked, gzip and shuffle,
	// libver latest), and the same vectors as fvecs (from the .npy files
	// the script writes beside it): their recall must be equal.
	const h5 = "run_latest_gzip_shuffle"
	writeHDF5 := func(t *testing.T, dir string) error {
		var manifest []any
		if err := testenv.RunScript(t, nil, &manifest, "hdf5_write.py", dir, h5); err != nil {
			return err
		}
		for _, part := range []string{"train", "test"} {
			r, err := datasets.OpenNpy(filepath.Join(dir, h5+"."+part+".npy"))
			if err != nil {
				return err
			}
			rows := make([][]float32, r.Rows())
			for i := range rows {
				rows[i] = make([]float32, r.Dim())
				if err := r.ReadFloat32(rows[i]); err != nil {
					return err
				}
			}
			r.Close()
			if err := datasets.WriteFvecs(filepath.Join(dir, part+".fvecs"), rows); err != nil {
				return err
			}
		}
		return nil
	}
	tests := []struct {
		name  string
		write func(t *testing.T, dir string) error
		src   string
	}{
		{"fvecs", func(_ *testing.T, dir string) error {
			if err := datasets.WriteFvecs(filepath.Join(dir, "base.fvecs"), base); err != nil {
				return err
			}
			return datasets.WriteFvecs(filepath.Join(dir, "query.fvecs"), gen.Queries)
		}, "name: it_fvecs\ndataset: {source: fvecs, base_file: base.fvecs, query_file: query.fvecs}\n"},
		{"parquet", func(_ *testing.T, dir string) error {
			if err := datasets.WriteParquetVectors(filepath.Join(dir, "train.parquet"), 0, base); err != nil {
				return err
			}
			return datasets.WriteParquetVectors(filepath.Join(dir, "test.parquet"), 0, gen.Queries)
		}, "name: it_parquet\ndataset: {source: parquet, path: .}\n"},
		{"hdf5", writeHDF5, "name: it_hdf5\ndataset: {source: hdf5, base_file: " + h5 + ".hdf5}\n"},
		{"hdf5 as fvecs", writeHDF5, "name: it_hdf5_fvecs\ndataset: {source: fvecs, base_file: train.fvecs, query_file: test.fvecs}\n"},
	}
	recall := map[string][]float64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tt.write(t, dir); err != nil {
				t.Fatal(err)
			}
			src := tt.src + "indexes: [{type: FLAT}, {type: HNSW, build: {M: 8, efConstruction: 64}, search: {ef: 64}}]\nload: {duration: 300ms}\n"
			trials := runSpec(t, uri, src, dir)
			if len(trials) != 2 || trials[0].Recall != 1 || trials[1].Recall < 0.9 {
				for _, tr := range trials {
					t.Errorf("%s recall %g", tr.Index, tr.Recall)
				}
			}
			for _, tr := range trials {
				recall[tt.name] = append(recall[tt.name], tr.Recall)
			}
		})
	}
	// FLAT's recall (exact search against the harness's ground truth) is
	// comparable; a timed HNSW trial's is averaged over the requests its
	// window happened to send, so only its bound is checked above.
	if h, f := recall["hdf5"], recall["hdf5 as fvecs"]; len(h) != 2 || len(f) != 2 || h[0] != f[0] {
		t.Errorf("recall (FLAT, HNSW) %v from the HDF5 file, %v from the same vectors as fvecs", h, f)
	}
}
