package milvus

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"google.golang.org/protobuf/proto"
)

// sameRequest fails t unless got and want are equal, search params in
// any order (the SDK fills them from a map).
func sameRequest(t *testing.T, got, want *milvuspb.SearchRequest) {
	t.Helper()
	for _, r := range []*milvuspb.SearchRequest{got, want} {
		slices.SortFunc(r.SearchParams, func(a, b *commonpb.KeyValuePair) int { return strings.Compare(a.Key, b.Key) })
	}
	if !proto.Equal(got, want) {
		t.Errorf("iterator request differs from the SDK's:\n got %v\nwant %v", got, want)
	}
}

// TestIteratorRequestsMatchSDK: the v2 iterator's requests are the Go
// SDK's search iterator V2 requests (NewSearchIteratorOption, first batch
// and a later one with token and last bound), and the v1 iterator's are
// the SDK's search requests with the ring in the ann params, the
// exclusion filter and the iterator and collection_id search params, as
// pymilvus sends them.
func TestIteratorRequestsMatchSDK(t *testing.T) {
	q := []float32{0.5, -1, 2, 0.25, 3, -0.75, 1, 0}
	const collID = 4242
	tg := &Target{coll: "milvbench_x", consistency: entity.ClBounded, vecField: FieldVector, metric: workloads.L2}
	for _, tc := range []struct {
		name   string
		params workloads.Params
		b      int
		token  string
		bound  float32
	}{
		{"v2 first batch", workloads.Params{"ef": int64(128)}, 100, "", 0},
		{"v2 later batch", workloads.Params{"ef": int64(128)}, 100, "tok-123", 0.3125},
		{"v2 no params, odd bound", nil, 7, "x", 1.0 / 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tg.iterV2Request(q, tc.params, collID, tc.b, tc.token, tc.bound)
			if err != nil {
				t.Fatal(err)
			}
			ann := index.NewCustomAnnParam()
			for k, v := range tc.params {
				ann.WithExtraParam(k, v)
			}
			opt := milvusclient.NewSearchIteratorOption("milvbench_x", entity.FloatVector(q)).WithBatchSize(tc.b).
				WithANNSField(FieldVector).WithConsistencyLevel(entity.ClBounded).WithAnnParam(ann).
				WithSearchParam(milvusclient.CollectionIDKey, fmt.Sprint(collID))
			if tc.token != "" { // what searchIteratorV2.next sets from the last answer
				opt = opt.WithSearchParam(milvusclient.IteratorSearchIDKey, tc.token).
					WithSearchParam(milvusclient.IteratorSearchLastBoundKey, fmt.Sprintf("%v", tc.bound))
			}
			want, err := opt.SearchOption().Request()
			if err != nil {
				t.Fatal(err)
			}
			sameRequest(t, got, want)
		})
	}
	rf := 0.5
	for _, tc := range []struct {
		name    string
		params  workloads.Params
		limit   int
		ring    *workloads.RangePoint
		exclude []int64
	}{
		{"v1 first batch", workloads.Params{"ef": int64(64)}, 50, nil, nil},
		{"v1 ring", workloads.Params{"ef": int64(64)}, 64, &workloads.RangePoint{Radius: 0.75, RangeFilter: &rf}, []int64{3, 17, 99}},
		{"v1 ring, FLAT", nil, 16384, &workloads.RangePoint{Radius: 2.5, RangeFilter: &rf}, []int64{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tg.iterV1Request(q, tc.params, collID, tc.limit, tc.ring, tc.exclude)
			if err != nil {
				t.Fatal(err)
			}
			ann := index.NewCustomAnnParam()
			for k, v := range tc.params {
				ann.WithExtraParam(k, v)
			}
			if tc.ring != nil {
				ann.WithRadius(tc.ring.Radius)
				ann.WithRangeFilter(*tc.ring.RangeFilter)
			}
			opt := milvusclient.NewSearchOption("milvbench_x", tc.limit, []entity.Vector{entity.FloatVector(q)}).
				WithANNSField(FieldVector).WithConsistencyLevel(entity.ClBounded).WithAnnParam(ann).
				WithSearchParam(milvusclient.IteratorKey, "true").WithSearchParam(milvusclient.CollectionIDKey, fmt.Sprint(collID))
			if len(tc.exclude) > 0 {
				var s []string
				for _, id := range tc.exclude {
					s = append(s, fmt.Sprint(id))
				}
				opt = opt.WithFilter("id not in [" + strings.Join(s, ",") + "]")
			}
			want, err := opt.Request()
			if err != nil {
				t.Fatal(err)
			}
			sameRequest(t, got, want)
		})
	}
}

// TestIteratorRefusals: bad iterator requests fail in one line before
// anything is sent (the target has no connection here).
func TestIteratorRefusals(t *testing.T) {
	tg := &Target{coll: "milvbench_x", vecField: FieldVector, serverVersion: "v2.3.5"}
	q := [][]float32{{1, 2}}
	for _, tc := range []struct {
		name string
		req  bench.SearchRequest
		want string
	}{
		{"no parameters", bench.SearchRequest{Vectors: q, Kind: workloads.KindIterator}, "needs a batch size of 1..16384"},
		{"batch 0", bench.SearchRequest{Vectors: q, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: 0, Limit: 5}}, "needs a batch size"},
		{"two queries", bench.SearchRequest{Vectors: [][]float32{{1, 2}, {3, 4}}, Kind: workloads.KindIterator, Iterator: &workloads.IteratorPoint{BatchSize: 2, Limit: 5}}, "one query, not 2"},
		{"ef below batch", bench.SearchRequest{Vectors: q, Kind: workloads.KindIterator, Params: workloads.Params{"ef": int64(16)}, Iterator: &workloads.IteratorPoint{BatchSize: 100, Limit: 500}},
			"batch_size 100 is above ef 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tg.Search(t.Context(), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}
