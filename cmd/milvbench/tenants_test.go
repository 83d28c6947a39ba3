package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
)

// tenantsWorkload is a small tenancy workload: FLAT, exact within any
// tenant's rows, and HNSW, in every layout given.
func tenantsWorkload(t *testing.T, target, layouts string, tenants int) string {
	t.Helper()
	y := `name: it_tenants
target:
  ` + target + `
dataset: {size: 4000, dim: 16, metric: L2, queries: 150, seed: 5, distribution: clustered}
tenancy: {tenants: ` + strconv.Itoa(tenants) + `, sizes: zipf, route: size, layout: [` + layouts + `]}
indexes:
  - type: FLAT
  - type: HNSW
    build: {M: 8, efConstruction: 40}
    search: {ef: [10]}
search: {topk: 5}
load: {model: closed, concurrency: [1], warmup: 200ms, duration: 1s}
`
	wl := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(wl, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return wl
}

// checkTenantTrials: each layout ran each index; every trial has the
// three size bands with their tenants and requests; FLAT finds every
// neighbour within the tenant (the layout routed each request to its
// tenant's rows, and only those).
func checkTenantTrials(t *testing.T, res bench.Result, layouts []string, want int) map[string]bench.Trial {
	t.Helper()
	hnsw := map[string]bench.Trial{}
	seen := map[string]int{}
	for _, tr := range res.Trials {
		seen[tr.Search.Layout]++
		var parts []string
		tenants := 0
		for _, b := range tr.Bands {
			parts = append(parts, b.Name)
			tenants += b.Tenants
			t.Logf("trial %d %s [%s] band %s: %d tenants of %d..%d rows, %d queries, recall %.4f, %d requests", tr.ID, tr.Index.Type, tr.Search.Layout, b.Name, b.Tenants, b.MinRows, b.MaxRows, b.Queries, b.Recall, b.Requests)
			if b.Tenants > 0 && (b.Requests == 0 || b.LatencyMS == nil) {
				t.Errorf("trial %d band %s: %d requests", tr.ID, b.Name, b.Requests)
			}
		}
		if strings.Join(parts, ",") != "small,median,largest" || tenants != want {
			t.Errorf("trial %d: bands %v over %d tenants", tr.ID, parts, tenants)
		}
		if tr.Errors.Total != 0 || tr.RecallN < 10 {
			t.Errorf("trial %d: %d errors, %d queries scored", tr.ID, tr.Errors.Total, tr.RecallN)
		}
		switch tr.Index.Type {
		case "FLAT":
			if tr.Recall < 1 {
				t.Errorf("trial %d: FLAT recall %.4f in layout %s, want 1", tr.ID, tr.Recall, tr.Search.Layout)
			}
		case "HNSW":
			hnsw[tr.Search.Layout] = tr
		}
	}
	for _, l := range layouts {
		if seen[l] != 2 {
			t.Errorf("layout %s: %d trials, want 2 (%v)", l, seen[l], seen)
		}
	}
	return hnsw
}

func TestTenantsEmbedded(t *testing.T) {
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	wl := tenantsWorkload(t, "kind: embedded", "partition_key, partitions, collections", 60)
	checkTenantTrials(t, runResult(t, wl), []string{"partition_key", "partitions", "collections"}, 60)
	md, err := os.ReadFile(filepath.Join(filepath.Dir(wl), "out", "report.md"))
	if err != nil || !strings.Contains(string(md), "## Tenants") || !strings.Contains(string(md), "| largest |") {
		t.Errorf("report.md lacks the Tenants section (%v)", err)
	}
}

// TestTenantsOnLite: every layout on Milvus Lite. Under
// the partitions layout a request searches its tenant's partition alone,
// so even HNSW answers a small tenant exactly.
func TestTenantsOnLite(t *testing.T) {
	uri := needMilvus(t)
	t.Setenv("MILVUS_URI", uri)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	// 12 tenants: a collection each is 12 collections to build and load.
	hnsw := checkTenantTrials(t, runResult(t, tenantsWorkload(t, "kind: milvus\n  uri: ${MILVUS_URI}", "partition_key, partitions, collections", 12)), []string{"partition_key", "partitions", "collections"}, 12)
	if small := hnsw["partitions"].Bands[0]; small.Queries > 0 && small.Recall < 0.99 {
		t.Errorf("partitions layout: small tenants' recall %.4f, want their partitions searched exactly", small.Recall)
	}
}
