package bench_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// iterTruth is the iterator ground truth of f's dataset at limit.
func iterTruth(t *testing.T, ds *datasets.Dataset, limit int, cache datasets.GTCache) *datasets.GroundTruth {
	t.Helper()
	pt := workloads.SearchPoint{Kind: workloads.KindIterator, TopK: limit, NQ: 1, Iterator: &workloads.IteratorPoint{BatchSize: 10, Limit: limit}}
	plan := &workloads.Plan{Builds: []workloads.Build{{Points: []workloads.SearchPoint{pt}}}}
	gts, err := bench.IteratorTruths(context.Background(), ds, plan, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	gt := gts[bench.TruthKey(nil, pt)]
	if gt == nil {
		t.Fatalf("no truth under %q: %v", bench.TruthKey(nil, pt), gts)
	}
	return gt
}

// TestIteratorTruthMatchesExactTopK: the iterator's exact top-limit is
// ExactTopK's answer at the same depth (for L2, IP and COSINE), in the
// same order, and the cached copy reads back equal; every row past the
// limit is no nearer than the limit-th by a float64 reference distance.
func TestIteratorTruthMatchesExactTopK(t *testing.T) {
	for _, m := range []workloads.Metric{workloads.L2, workloads.IP, workloads.Cosine} {
		t.Run(string(m), func(t *testing.T) {
			f := newRGFixture(t, m)
			const limit = 300
			cache := datasets.GTCache{Dir: t.TempDir()}
			gt := iterTruth(t, f.ds, limit, cache)
			ref, err := datasets.ComputeGroundTruth(context.Background(), f.ds, limit)
			if err != nil {
				t.Fatal(err)
			}
			for qi := range ref.IDs {
				if !slices.Equal(gt.IDs[qi][:limit], ref.IDs[qi][:limit]) {
					t.Fatalf("query %d: %v..., ExactTopK %v...", qi, gt.IDs[qi][:5], ref.IDs[qi][:5])
				}
				better := func(a, b float64) bool { return a < b }
				if m != workloads.L2 {
					better = func(a, b float64) bool { return a > b }
				}
				kth := refDistance(m, f.ds.Queries[qi], f.base[gt.IDs[qi][limit-1]])
				in := map[int64]bool{}
				for _, id := range gt.IDs[qi] {
					in[id] = true
				}
				for id, v := range f.base {
					if d := refDistance(m, f.ds.Queries[qi], v); !in[int64(id)] && better(d, kth-1e-5) && better(d, kth+1e-5) && better(d, kth) {
						t.Fatalf("query %d: row %d at %g is nearer than the limit-th %g but left out", qi, id, d, kth)
					}
				}
			}
			again := iterTruth(t, f.ds, limit, cache)
			for qi := range gt.IDs {
				if !slices.Equal(again.IDs[qi], gt.IDs[qi]) {
					t.Fatalf("query %d: the cached truth differs", qi)
				}
			}
		})
	}
}

// TestRecallDeep: recall at a depth past the linear scans' counts each
// id once and matches the linear count at every depth it shares.
func TestRecallDeep(t *testing.T) {
	gt := &datasets.GroundTruth{K: 200, IDs: [][]int64{make([]int64, 200)}, Dists: [][]float32{make([]float32, 200)}}
	for i := range 200 {
		gt.IDs[0][i], gt.Dists[0][i] = int64(i), float32(i)
	}
	for _, tc := range []struct {
		name string
		k    int
		got  []int64
		want float64
	}{
		{"all", 200, seq(0, 200), 1},
		{"half", 200, seq(100, 300), 0.5},
		{"duplicates count once", 200, append(seq(0, 100), seq(0, 100)...), 0.5},
		{"cut at k", 100, seq(0, 200), 1},
		{"shallow", 10, append([]int64{3, 3}, seq(4, 12)...), 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bench.Recall(gt, 0, tc.k, tc.got); got != tc.want {
				t.Errorf("recall %v, want %v", got, tc.want)
			}
		})
	}
}

func seq(lo, hi int) []int64 {
	var out []int64
	for i := lo; i < hi; i++ {
		out = append(out, int64(i))
	}
	return out
}

// repeatFirst is a target whose iterations return their first id twice.
type repeatFirst struct{ bench.Target }

func (d repeatFirst) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	res, err := d.Target.Search(ctx, req)
	for i, ids := range res.IDs {
		if len(ids) > 1 {
			res.IDs[i] = append([]int64{ids[0]}, ids[:len(ids)-1]...)
		}
	}
	return res, err
}

// TestIteratorEmbedded runs kind iterator end to end on the embedded
// target: FLAT returns the exact top-limit in order (recall 1, no
// duplicates, no order violations) in ceil(limit/batch) batches, the
// first batch sooner than the last; HNSW at a small ef and IVF at nprobe
// 1 lose rows; a target repeating an id is caught as a duplicate.
func TestIteratorEmbedded(t *testing.T) {
	f := newRGFixture(t, workloads.L2)
	src := `name: ite
dataset: {size: 600, dim: 8, queries: 12, metric: L2, seed: 7}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 4, efConstruction: 8}
    search: {ef: 10}
  - type: IVF_FLAT
    build: {nlist: 16}
    search: {nprobe: 1}
search:
  kind: [ann, iterator]
  iterator: {batch_size: [7, 100], limit: 450}
load: {concurrency: 1, warmup: 5ms, duration: 80ms}
`
	spec, err := workloads.Parse("w.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	plan := workloads.NewPlan(spec)
	ctx := context.Background()
	truths, err := bench.Truths(ctx, f.ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kt, err := bench.IteratorTruths(ctx, f.ds, plan, datasets.GTCache{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func(target bench.Target, p *workloads.Plan) []bench.Trial {
		r := &bench.Runner{Target: target, Plan: p, Data: f.ds, Truths: truths, KindTruths: kt, Collection: "milvbench_ite", RunID: "t"}
		res, err := r.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res.Trials
	}
	trials := run(embedded.New(), plan)
	if len(trials) != 9 {
		t.Fatalf("%d trials, want 9", len(trials))
	}
	lossy := map[string]bool{}
	for _, tr := range trials {
		it := tr.Search.Iterator
		if it == nil {
			continue
		}
		name := fmt.Sprintf("%s %s", tr.Index.Type, it)
		q := tr.Iterator
		if tr.Errors.Total != 0 || tr.RecallN == 0 || q == nil || q.Iterations == 0 {
			t.Fatalf("%s: %+v", name, tr)
		}
		if q.Paths != bench.IterEmbedded || q.Duplicates != 0 || q.OrderViolations != 0 {
			t.Errorf("%s: path %s, %d duplicates, %d order violations", name, q.Paths, q.Duplicates, q.OrderViolations)
		}
		if q.FirstBatchMS.P50 > q.LastBatchMS.P50 || q.LastBatchHistogram == "" {
			t.Errorf("%s: first batch p50 %v after last %v", name, q.FirstBatchMS.P50, q.LastBatchMS.P50)
		}
		switch tr.Index.Type {
		case "FLAT":
			want := it.Batches()
			if tr.Recall != 1 || q.Returned.Mean != float64(it.Limit) || q.Batches.P50 != want || q.Batches.Max != want {
				t.Errorf("%s: recall %v, returned %+v, batches %+v; want 1, %d, %d", name, tr.Recall, q.Returned, q.Batches, it.Limit, want)
			}
		default:
			lossy[tr.Index.Type] = lossy[tr.Index.Type] || tr.Recall < 1
		}
	}
	if !lossy["HNSW"] || !lossy["IVF_FLAT"] {
		t.Errorf("lossy indexes found every row: %v; the test cannot see a lossy iteration", lossy)
	}
	flat := *plan
	flat.Builds = plan.Builds[:1]
	for _, tr := range run(repeatFirst{embedded.New()}, &flat) {
		if tr.Iterator != nil && (tr.Iterator.Duplicates == 0 || tr.Recall == 1) {
			t.Errorf("%s: a repeated id gave %d duplicates, recall %v", tr.Search.Iterator, tr.Iterator.Duplicates, tr.Recall)
		}
	}
}
