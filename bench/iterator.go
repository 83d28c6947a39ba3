package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/vecmath"
	"github.com/milvbench/milvbench/workloads"
)

// Iterator paths: how a target ran an iteration.
const (
	// IterEmbedded: the embedded engine's own iterator.
	IterEmbedded = "embedded"
	// IterV2: Milvus's server-side search iterator (2.5+), each batch one
	// search carrying the server's token and last bound.
	IterV2 = "v2-server"
	// IterV1: the client-side iterator pymilvus uses against servers
	// without v2, each batch range searches beyond the last bound that
	// exclude the ids already returned at it.
	IterV1 = "v1-client"
)

// IterStats describes one iteration (one query of an iterator request).
type IterStats struct {
	// Path is how it ran (IterEmbedded, IterV2, IterV1).
	Path string
	// Batches is the number of non-empty batches returned, Requests the
	// searches sent for them (v1 serves some batches from its cache and
	// probes rings that come back empty; the embedded engine counts its
	// index searches).
	Batches, Requests int
	// FirstBatch and LastBatch are the times from the iteration's start
	// to its first and last non-empty batch.
	FirstBatch, LastBatch time.Duration
	// OrderViolations counts results farther than a later result by the
	// distances the target returned (0 when the iteration is in order).
	OrderViolations int
}

// IteratorQuality is what an iterator trial found beside its recall
// (the whole iteration's: |returned ∩ exact top-limit| / limit).
type IteratorQuality struct {
	// Paths is how the iterations ran, e.g. "v1-client".
	Paths string `json:"paths"`
	// Iterations is the number of iterations measured.
	Iterations int64 `json:"iterations"`
	// Batches is the distribution of non-empty batches per iteration,
	// Requests of the searches sent for them, Returned of results per
	// query (of the answered queries).
	Batches  CountDist `json:"batches"`
	Requests CountDist `json:"requests"`
	Returned CountDist `json:"returned"`
	// Duplicates counts ids returned more than once within a query's
	// iteration (over the answered queries; 0 for a correct iterator),
	// DuplicateQueries the queries with any.
	Duplicates       int `json:"duplicates"`
	DuplicateQueries int `json:"duplicate_queries"`
	// OrderViolations counts results returned after a nearer one's
	// successor, by the target's distances, over every iteration.
	OrderViolations int64 `json:"order_violations"`
	// FirstBatchMS and LastBatchMS summarise the time from the start of
	// an iteration to its first and to its last non-empty batch;
	// the histograms are HDR V2 compressed (µs), as latency_histogram.
	FirstBatchMS        LatencyMS `json:"first_batch_ms"`
	LastBatchMS         LatencyMS `json:"last_batch_ms"`
	FirstBatchHistogram string    `json:"first_batch_histogram"`
	LastBatchHistogram  string    `json:"last_batch_histogram"`
}

// iterRec records a measured window's iterations.
type iterRec struct {
	first, last *Tally
	mu          sync.Mutex
	batches     []int
	requests    []int
	order       int64
	paths       map[string]int64
}

func newIterRec(slots int) *iterRec {
	return &iterRec{first: NewTally(slots), last: NewTally(slots), paths: map[string]int64{}}
}

// record counts one iteration's stats (r nil: not an iterator window; s
// nil: the target said nothing of it).
func (r *iterRec) record(slot int, s *IterStats) {
	if r == nil || s == nil {
		return
	}
	r.first.Record(slot, s.FirstBatch)
	r.last.Record(slot, s.LastBatch)
	r.mu.Lock()
	r.batches = append(r.batches, s.Batches)
	r.requests = append(r.requests, s.Requests)
	r.order += int64(s.OrderViolations)
	r.paths[s.Path]++
	r.mu.Unlock()
}

// quality summarises the window's iterations and the answered queries'
// results and duplicates.
func (r *iterRec) quality(a *answers) (*IteratorQuality, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := &IteratorQuality{Iterations: int64(len(r.batches)), Batches: newCountDist(r.batches), Requests: newCountDist(r.requests), OrderViolations: r.order}
	var paths []string
	for p := range r.paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	q.Paths = strings.Join(paths, "+")
	var returned []int
	for qi, ids := range a.ids {
		if !a.seen[qi].Load() {
			continue
		}
		returned = append(returned, len(ids))
		if d := duplicates(ids); d > 0 {
			q.Duplicates += d
			q.DuplicateQueries++
		}
	}
	q.Returned = newCountDist(returned)
	var err error
	if q.FirstBatchMS, q.FirstBatchHistogram, err = DigestHistogram(r.first.Histogram()); err != nil {
		return nil, err
	}
	if q.LastBatchMS, q.LastBatchHistogram, err = DigestHistogram(r.last.Histogram()); err != nil {
		return nil, err
	}
	return q, nil
}

// duplicates counts the ids of ids seen before in it.
func duplicates(ids []int64) int {
	seen := make(map[int64]struct{}, len(ids))
	n := 0
	for _, id := range ids {
		if _, ok := seen[id]; ok {
			n++
			continue
		}
		seen[id] = struct{}{}
	}
	return n
}

// iteratorTruthKey names an iterator point's exact answer: the top-limit.
func iteratorTruthKey(pt workloads.SearchPoint) string {
	if pt.Iterator == nil {
		return ""
	}
	return fmt.Sprintf("iterator:limit=%d", pt.Iterator.Limit)
}

// IteratorTruths computes the exact answer of every iterator point of the
// plan, keyed by TruthKey: each query's limit nearest rows by the
// distance Milvus reports (squared L2, or the IP or COSINE score), nearest
// first, continuing with every row at the limit-th distance (ties count
// as hits). It is ExactTopK's answer at k = limit, which may exceed that
// scan's depth: queries are scored in chunks against the whole base and
// each query's distances sorted. Answers are read from cache or computed
// and stored there (an empty cache.Dir disables caching).
func IteratorTruths(ctx context.Context, ds *datasets.Dataset, plan *workloads.Plan, cache datasets.GTCache, logf func(format string, args ...any)) (map[string]*datasets.GroundTruth, error) {
	out := map[string]*datasets.GroundTruth{}
	for _, b := range plan.Builds {
		for _, pt := range b.Points {
			key := iteratorTruthKey(pt)
			if key == "" || out[key] != nil {
				continue
			}
			t0 := time.Now()
			limit := pt.Iterator.Limit
			if n := ds.Base.Size(); limit > n {
				return nil, fmt.Errorf("ground truth %s: the base has %d rows", key, n)
			}
			ck := datasets.GTKey(ds.Info.Checksum+"\x00"+ds.Info.VectorType, ds.Info.Metric, limit, "iterator")
			var gt *datasets.GroundTruth
			hit := false
			if cache.Dir != "" && ds.Info.Checksum != "" {
				got, err := cache.Get(ck)
				if err != nil {
					return nil, err
				}
				if got != nil && got.K == limit && len(got.IDs) == len(ds.Queries) {
					gt, hit = got, true
				}
			}
			if gt == nil {
				var err error
				if gt, err = exactTopLimit(ctx, ds, limit); err != nil {
					return nil, fmt.Errorf("ground truth %s: %w", key, err)
				}
				if cache.Dir != "" && ds.Info.Checksum != "" {
					if err := cache.Put(ck, gt); err != nil {
						return nil, fmt.Errorf("ground truth cache: %w", err)
					}
				}
			}
			if logf != nil {
				logf("truth  exact top-%d for %d queries (iterator) %s in %.2fs", limit, len(gt.IDs), map[bool]string{true: "cached", false: "computed"}[hit], time.Since(t0).Seconds())
			}
			out[key] = gt
		}
	}
	return out, nil
}

// iterTruthChunk is how many queries one scan of the base scores.
const iterTruthChunk = 64

// exactTopLimit is every query's limit nearest rows, ties at the last
// distance included, by scanning the base once per chunk of queries.
func exactTopLimit(ctx context.Context, ds *datasets.Dataset, limit int) (*datasets.GroundTruth, error) {
	m := ds.Info.Metric
	rows := ds.Base.Size()
	gt := &datasets.GroundTruth{K: limit, IDs: make([][]int64, len(ds.Queries)), Dists: make([][]float32, len(ds.Queries))}
	row := make([]float32, ds.Info.Dim)
	for lo := 0; lo < len(ds.Queries); lo += iterTruthChunk {
		hi := min(lo+iterTruthChunk, len(ds.Queries))
		qs := make([][]float32, hi-lo)
		keys := make([][]uint64, hi-lo)
		dists := make([][]float32, hi-lo)
		for i := range qs {
			qs[i] = slices.Clone(ds.Queries[lo+i])
			if m == workloads.Cosine {
				vecmath.Normalize(qs[i])
			}
			keys[i], dists[i] = make([]uint64, 0, rows), make([]float32, rows)
		}
		err := ds.Base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
			for j, v := range vecs {
				r := first + int64(j)
				if m == workloads.Cosine {
					copy(row, v)
					vecmath.Normalize(row)
					v = row
				}
				for i, q := range qs {
					d := metricDistance(m, q, v)
					dists[i][r] = d
					keys[i] = append(keys[i], orderKey(m, d)<<32|uint64(r))
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return nil, err
		}
		for i := range qs {
			ks := keys[i]
			slices.Sort(ks)
			n := min(limit, len(ks))
			for n > 0 && n < len(ks) && ks[n]>>32 == ks[limit-1]>>32 {
				n++ // ties at the limit-th distance
			}
			ids, ds2 := make([]int64, n), make([]float32, n)
			for j, k := range ks[:n] {
				r := int64(uint32(k))
				ids[j], ds2[j] = r, dists[i][r]
				if ds.IDs != nil {
					ids[j] = ds.IDs[r]
				}
			}
			gt.IDs[lo+i], gt.Dists[lo+i] = ids, ds2
		}
	}
	return gt, nil
}

// orderKey maps a distance to 32 bits that sort nearest first for metric
// m (ascending squared L2, descending IP and COSINE scores).
func orderKey(m workloads.Metric, d float32) uint64 {
	if m != workloads.L2 {
		d = -d
	}
	b := math.Float32bits(d)
	if b>>31 == 1 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	return uint64(b)
}
