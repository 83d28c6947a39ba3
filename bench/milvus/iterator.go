package milvus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
)

// The v1 client-side iterator's constants, pymilvus's
// (pymilvus/client/constants.py): a batch after the first asks for up
// to ten times the batch size (at most Milvus's top-k and, with ef, at
// most ef), and gives up after 20 empty rings.
const (
	iterExtension = 10
	iterMaxTries  = 20
	// iterMaxFiltered bounds the ids excluded at one bound, as pymilvus
	// does (it refuses to go on past it).
	iterMaxFiltered = 100000
)

// iterInfo is what every iteration over the collection shares: its id
// (sent as collection_id, as both SDKs do) and whether the server answers
// the v2 iterator. It is found once per collection, by the first
// iteration: DescribeCollection, then the Go SDK's probe (a v2 request of
// batch size 1 whose answer must carry an iterator token).
type iterInfo struct {
	mu     sync.Mutex
	coll   string
	collID int64
	path   string
}

// iterSetup returns the collection's id and the iterator path.
func (t *Target) iterSetup(ctx context.Context, q []float32, params workloads.Params) (int64, string, error) {
	t.iter.mu.Lock()
	defer t.iter.mu.Unlock()
	if t.iter.coll == t.coll && t.iter.path != "" {
		return t.iter.collID, t.iter.path, nil
	}
	sctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	resp, err := t.client().GetService().DescribeCollection(sctx, &milvuspb.DescribeCollectionRequest{CollectionName: t.coll})
	if err := merr.CheckRPCCall(resp, err); err != nil {
		return 0, "", wrap(err)
	}
	id := resp.GetCollectionID()
	probe, err := t.iterV2Request(q, params, id, 1, "", 0)
	if err != nil {
		return 0, "", err
	}
	probe.SearchParams = setParam(probe.SearchParams, "topk", "1")
	pr, err := t.client().GetService().Search(sctx, probe)
	if err := merr.CheckRPCCall(pr, err); err != nil {
		return 0, "", wrap(err)
	}
	path := bench.IterV1
	if v2 := pr.GetResults().GetSearchIteratorV2Results(); v2 != nil && v2.GetToken() != "" {
		path = bench.IterV2
	}
	t.iter.coll, t.iter.collID, t.iter.path = t.coll, id, path
	t.logf("iterator on %s (server %s): %s", t.coll, t.serverVersion, path)
	return id, path, nil
}

// searchIterator runs one iteration: req.Iterator.Limit results of the
// one query in batches of BatchSize, by the server's v2 iterator when it
// has one, else by pymilvus's v1 iterator on the client.
func (t *Target) searchIterator(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	it := req.Iterator
	if it == nil || it.BatchSize < 1 || it.BatchSize > workloads.MaxTopK || it.Limit < 1 {
		return bench.SearchResult{}, fmt.Errorf("milvus: an iterator request needs a batch size of 1..%d and a limit of at least 1", workloads.MaxTopK)
	}
	if len(req.Vectors) != 1 {
		return bench.SearchResult{}, fmt.Errorf("milvus: an iterator iterates over one query, not %d", len(req.Vectors))
	}
	if ef, ok := intParam(req.Params, "ef"); ok && ef < int64(it.BatchSize) {
		return bench.SearchResult{}, fmt.Errorf("milvus: the iterator's batch_size %d is above ef %d; both SDKs' iterators need ef >= batch_size", it.BatchSize, ef)
	}
	start := time.Now()
	id, path, err := t.iterSetup(ctx, req.Vectors[0], req.Params)
	if err != nil {
		return bench.SearchResult{}, err
	}
	run := t.iterV1
	if path == bench.IterV2 {
		run = t.iterV2
	}
	st := &bench.IterStats{Path: path}
	ids, err := run(ctx, req, id, st, start)
	if err != nil {
		return bench.SearchResult{}, err
	}
	return bench.SearchResult{IDs: [][]int64{ids}, Iter: st}, nil
}

// intParam reads an integer search param.
func intParam(p workloads.Params, k string) (int64, bool) {
	switch v := p[k].(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		return int64(v), true
	}
	return 0, false
}

// iterHit is one result of a batch.
type iterHit struct {
	id int64
	d  float32
}

// batchOf sends sr (one query) and returns its hits, nearest first, and
// the response's v2 iterator results.
func (t *Target) batchOf(ctx context.Context, sr *milvuspb.SearchRequest, st *bench.IterStats) ([]iterHit, string, float32, error) {
	st.Requests++
	sctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	resp, err := t.client().GetService().Search(sctx, sr)
	if err := merr.CheckRPCCall(resp, err); err != nil {
		return nil, "", 0, wrap(err)
	}
	ids, err := resultIDs(resp.GetResults(), 1)
	if err != nil {
		return nil, "", 0, wrap(err)
	}
	scores := resp.GetResults().GetScores()
	if len(scores) != len(ids[0]) {
		return nil, "", 0, fmt.Errorf("milvus: search answered %d ids and %d scores", len(ids[0]), len(scores))
	}
	hits := make([]iterHit, len(ids[0]))
	for i, id := range ids[0] {
		hits[i] = iterHit{id: id, d: scores[i]}
	}
	v2 := resp.GetResults().GetSearchIteratorV2Results()
	return hits, v2.GetToken(), v2.GetLastBound(), nil
}

// nearer orders distances nearest first for the collection's metric:
// squared L2 ascending, IP and COSINE scores descending.
func (t *Target) nearer(a, b float32) bool {
	if t.metric == workloads.L2 {
		return a < b
	}
	return a > b
}

// batchDone records a non-empty batch of n hits on st, with the order
// violations of hits after prev (the last result before them).
func (t *Target) batchDone(st *bench.IterStats, start time.Time, prev *float32, hits []iterHit, first bool) {
	for i, h := range hits {
		if (!first || i > 0) && t.nearer(h.d, *prev) {
			st.OrderViolations++
		}
		*prev = h.d
	}
	st.Batches++
	st.LastBatch = time.Since(start)
	if st.Batches == 1 {
		st.FirstBatch = st.LastBatch
	}
}

// iterV2Request is the request of the Go SDK's search iterator V2 for
// batch size b (NewSearchIteratorOption with WithBatchSize, the
// collection id, and after the first batch the server's token and last
// bound), sent on the lean path.
func (t *Target) iterV2Request(q []float32, params workloads.Params, collID int64, b int, token string, bound float32) (*milvuspb.SearchRequest, error) {
	sr, err := t.searchRequest(bench.SearchRequest{Vectors: [][]float32{q}, TopK: b, Params: params})
	if err != nil {
		return nil, err
	}
	kv := [][2]string{
		{milvusclient.IteratorKey, "true"},
		{milvusclient.IteratorSearchV2Key, "true"},
		{milvusclient.IteratorSearchBatchSizeKey, strconv.Itoa(b)},
		{milvusclient.CollectionIDKey, strconv.FormatInt(collID, 10)},
	}
	if token != "" {
		kv = append(kv, [2]string{milvusclient.IteratorSearchIDKey, token}, [2]string{milvusclient.IteratorSearchLastBoundKey, fmt.Sprintf("%v", bound)})
	}
	for _, p := range kv {
		sr.SearchParams = setParam(sr.SearchParams, p[0], p[1])
	}
	return sr, nil
}

// setParam sets search param k to v.
func setParam(kvs []*commonpb.KeyValuePair, k, v string) []*commonpb.KeyValuePair {
	for _, kv := range kvs {
		if kv.Key == k {
			kv.Value = v
			return kvs
		}
	}
	return append(kvs, &commonpb.KeyValuePair{Key: k, Value: v})
}

// iterV2 iterates as the Go SDK's searchIteratorV2.Next does: each batch
// one search of batch_size carrying the previous answer's token and last
// bound, until limit results or an empty batch.
func (t *Target) iterV2(ctx context.Context, req bench.SearchRequest, collID int64, st *bench.IterStats, start time.Time) ([]int64, error) {
	it := req.Iterator
	var out []int64
	var prev float32
	token, bound := "", float32(0)
	for len(out) < it.Limit {
		sr, err := t.iterV2Request(req.Vectors[0], req.Params, collID, it.BatchSize, token, bound)
		if err != nil {
			return nil, err
		}
		hits, tok, lb, err := t.batchOf(ctx, sr, st)
		if err != nil {
			return nil, err
		}
		token, bound = tok, lb
		if len(hits) == 0 {
			break
		}
		hits = hits[:min(len(hits), it.Limit-len(out))]
		t.batchDone(st, start, &prev, hits, len(out) == 0)
		for _, h := range hits {
			out = append(out, h.id)
		}
	}
	return out, nil
}

// iterV1Request is one search of pymilvus's v1 iterator: limit results,
// the index params with radius and range_filter beside them (a ring
// beyond the last bound; none for the first batch), the ids returned at
// the bound excluded by the filter "id not in [...]", and the iterator
// and collection_id search params.
func (t *Target) iterV1Request(q []float32, params workloads.Params, collID int64, limit int, ring *workloads.RangePoint, exclude []int64) (*milvuspb.SearchRequest, error) {
	sr, err := t.searchRequest(bench.SearchRequest{Vectors: [][]float32{q}, TopK: limit, Params: params, Range: ring})
	if err != nil {
		return nil, err
	}
	sr.SearchParams = setParam(sr.SearchParams, milvusclient.IteratorKey, "true")
	sr.SearchParams = setParam(sr.SearchParams, milvusclient.CollectionIDKey, strconv.FormatInt(collID, 10))
	if len(exclude) > 0 {
		var b strings.Builder
		b.WriteString(FieldID + " not in [")
		for i, id := range exclude {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte(']')
		sr.Dsl = b.String()
	}
	return sr, nil
}

// v1Iter is the state of pymilvus's SearchIterator (v1): the results
// fetched but not yet returned, the last ring's outer bound (tail) and
// width, and the ids at the bound that later rings exclude.
type v1Iter struct {
	t        *Target
	q        []float32
	params   workloads.Params
	collID   int64
	batch    int
	cache    []iterHit
	tail     float64
	width    float64
	filtered []int64
	filtD    float32
	hasFiltD bool
	st       *bench.IterStats
}

// iterV1 iterates as pymilvus's SearchIterator does against a server
// without v2: a first plain search of batch_size, then each batch from
// the cache or, when it runs short, range searches of rings beyond the
// tail (radius the tail plus width × 1, 2, ... up to 20 tries; range_filter
// the tail, inclusive) excluding the ids already returned at the tail,
// each asking for min(16384, 10 × batch_size, ef) results.
func (t *Target) iterV1(ctx context.Context, req bench.SearchRequest, collID int64, st *bench.IterStats, start time.Time) ([]int64, error) {
	it := req.Iterator
	v := &v1Iter{t: t, q: req.Vectors[0], params: req.Params, collID: collID, batch: it.BatchSize, st: st}
	sr, err := t.iterV1Request(v.q, v.params, collID, it.BatchSize, nil, nil)
	if err != nil {
		return nil, err
	}
	first, _, _, err := t.batchOf(ctx, sr, st)
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return nil, nil
	}
	v.cache = first
	v.updateWidth(first)
	v.tail = float64(first[len(first)-1].d)
	if err := v.updateFiltered(first); err != nil {
		return nil, err
	}
	var out []int64
	var prev float32
	for len(out) < it.Limit {
		want := min(it.BatchSize, it.Limit-len(out))
		filled := len(v.cache) < want
		if filled {
			page, err := v.fill(ctx)
			if err != nil {
				return nil, err
			}
			v.cache = append(v.cache, page...)
		}
		n := min(want, len(v.cache))
		if n == 0 {
			break
		}
		page := v.cache[:n:n]
		v.cache = v.cache[n:]
		if filled && n == it.BatchSize { // pymilvus widens only after a fill
			v.updateWidth(page)
		}
		t.batchDone(st, start, &prev, page, len(out) == 0)
		for _, h := range page {
			out = append(out, h.id)
		}
	}
	return out, nil
}

// updateWidth sets the ring width to the distance a full page spans
// (0.05 when it spans none, so radius and range_filter differ). Ring
// bounds are computed in float64, as Python does with the float32
// scores: float32 arithmetic sends other radii, and HNSW's range search
// then answers other rows.
func (v *v1Iter) updateWidth(page []iterHit) {
	w := float64(page[len(page)-1].d) - float64(page[0].d)
	if v.t.metric != workloads.L2 {
		w = -w
	}
	if w == 0 {
		w = 0.05
	}
	v.width = w
}

// updateFiltered keeps the ids at page's last distance, to exclude from
// the next ring (range_filter includes the bound).
func (v *v1Iter) updateFiltered(page []iterHit) error {
	if len(page) == 0 {
		return nil
	}
	last := page[len(page)-1].d
	if !v.hasFiltD || last != v.filtD {
		v.filtered, v.filtD, v.hasFiltD = v.filtered[:0], last, true
	}
	for _, h := range page {
		if h.d == last {
			v.filtered = append(v.filtered, h.id)
		}
	}
	if len(v.filtered) > iterMaxFiltered {
		return fmt.Errorf("milvus: the iterator excludes more than %d ids at one distance (pymilvus stops there)", iterMaxFiltered)
	}
	return nil
}

// fill probes rings beyond the tail until batch results or 20 tries.
func (v *v1Iter) fill(ctx context.Context) ([]iterHit, error) {
	var got []iterHit
	limit := min(workloads.MaxTopK, v.batch*iterExtension)
	if ef, ok := intParam(v.params, "ef"); ok {
		limit = min(limit, int(ef))
	}
	for try := 1; ; try++ {
		radius := v.tail + v.width*float64(try)
		if v.t.metric != workloads.L2 {
			radius = v.tail - v.width*float64(try)
		}
		rf := v.tail
		ring := &workloads.RangePoint{Radius: radius, RangeFilter: &rf}
		sr, err := v.t.iterV1Request(v.q, v.params, v.collID, limit, ring, v.filtered)
		if err != nil {
			return nil, err
		}
		page, _, _, err := v.t.batchOf(ctx, sr, v.st)
		if err != nil {
			return nil, err
		}
		if err := v.updateFiltered(page); err != nil {
			return nil, err
		}
		if len(page) > 0 {
			got = append(got, page...)
			v.tail = float64(page[len(page)-1].d)
		}
		if len(got) >= v.batch || try > iterMaxTries {
			return got, nil
		}
	}
}
