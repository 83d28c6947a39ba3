package main

import (
	"math"
	"testing"
)

func TestQPSAtRecall(t *testing.T) {
	pts := []measurement{
		{Index: "HNSW", Peer: "hnswlib", Params: "M=16,ef=16", Recall: 0.80, QPS: 8000},
		{Index: "HNSW", Peer: "hnswlib", Params: "M=16,ef=32", Recall: 0.90, QPS: 4000},
		{Index: "HNSW", Peer: "hnswlib", Params: "M=16,ef=48", Recall: 0.89, QPS: 3000}, // dominated: off the frontier
		{Index: "HNSW", Peer: "hnswlib", Params: "M=16,ef=64", Recall: 0.95, QPS: 1000},
		{Index: "HNSW", Peer: "faiss", Params: "M=16,ef=64", Recall: 0.99, QPS: 9},
		{Index: "HNSW", Peer: "hnswlib", Params: "M=8,ef=64", Recall: 0.99, QPS: 9},
	}
	c := curveOf(pts, "hnswlib", "HNSW", "M=16")
	if len(c) != 3 {
		t.Fatalf("frontier has %d points, want 3: %+v", len(c), c)
	}
	for _, tc := range []struct {
		recall float64
		want   float64
		ok     bool
	}{
		{0.80, 8000, true},
		{0.85, math.Sqrt(8000 * 4000), true}, // log-linear half way
		{0.90, 4000, true},
		{0.925, 2000, true},
		{0.95, 1000, true},
		{0.79, 0, false},
		{0.96, 0, false},
	} {
		got, ok := c.qpsAt(tc.recall)
		if ok != tc.ok || math.Abs(got-tc.want) > 1e-6*tc.want {
			t.Errorf("qpsAt(%.3f) = %.1f, %v; want %.1f, %v", tc.recall, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBuildParams(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"M=16,efConstruction=200,ef=64", "M=16,efConstruction=200"},
		{"m=16,nbits=8,nlist=1024,nprobe=8", "m=16,nbits=8,nlist=1024"},
		{"", ""},
	} {
		if got := buildParams(tc.in); got != tc.want {
			t.Errorf("buildParams(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPQM(t *testing.T) {
	for _, tc := range []struct{ dim, want int }{{128, 16}, {384, 16}, {50, 10}, {7, 7}, {17, 1}} {
		if got := pqM(tc.dim); got != tc.want {
			t.Errorf("pqM(%d) = %d, want %d", tc.dim, got, tc.want)
		}
	}
}
