package milvus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestJoinAndAdopt: a shard joins only the collection of its run, once it
// is loaded with the prepared index; cleanup adopts (and drops) only that
// collection; a missing one says to run prepare.
func TestJoinAndAdopt(t *testing.T) {
	uri := serverURI(t)
	ctx := context.Background()
	spec, err := workloads.Parse("join.yaml", []byte("name: it_join\ndataset: {size: 300, dim: 8, queries: 10}\nindexes: [{type: FLAT}]\nload: {duration: 100ms}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	plan, ds, _, cfg := prepare(t, spec, uri, ".")
	const name = "milvbench_it_join"
	open := func() *milvus.Target {
		tgt, err := milvus.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tgt.Close() })
		return tgt
	}
	owner := open()
	r := &bench.Runner{Target: owner, Plan: plan, Data: ds, Collection: name, RunID: "run-a"}
	if _, _, err := r.Prepare(ctx, 0); err != nil {
		t.Fatal(err)
	}
	defer owner.Drop(ctx)
	spec0 := bench.CollectionSpec{Name: name, Dim: 8, Metric: ds.Info.Metric, RunID: "run-a"}
	flat := plan.Builds[0].Index

	rows, err := open().Join(ctx, spec0, flat, 10*time.Second)
	if err != nil || rows != 300 {
		t.Fatalf("join of the run's collection: %d rows, %v", rows, err)
	}
	other := spec0
	other.RunID = "run-b"
	if _, err := open().Join(ctx, other, flat, time.Second); err == nil || !strings.Contains(err.Error(), "belongs to milvbench run run-a") {
		t.Errorf("join with another run id: %v", err)
	}
	if _, err := open().Adopt(ctx, other); err == nil || !strings.Contains(err.Error(), "belongs to milvbench run run-a") {
		t.Errorf("adopt with another run id: %v", err)
	}
	missing := spec0
	missing.Name = "milvbench_it_join_none"
	if _, err := open().Join(ctx, missing, flat, time.Second); err == nil || !strings.Contains(err.Error(), "run milvbench prepare first") {
		t.Errorf("join of a missing collection: %v", err)
	}
	// A joined target never drops the collection.
	joined := open()
	if _, err := joined.Join(ctx, spec0, flat, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := joined.Drop(ctx); err != nil || !hasCollection(t, uri, name) {
		t.Fatalf("a shard's Drop: %v; collection there: %v", err, hasCollection(t, uri, name))
	}
	cleaner := open()
	if has, err := cleaner.Adopt(ctx, spec0); err != nil || !has {
		t.Fatalf("adopt: %v, %v", has, err)
	}
	if err := cleaner.Drop(ctx); err != nil || hasCollection(t, uri, name) {
		t.Fatalf("cleanup drop: %v", err)
	}
	if has, err := open().Adopt(ctx, spec0); err != nil || has {
		t.Errorf("adopt after the drop: %v, %v (want gone, no error)", has, err)
	}
}

func hasCollection(t *testing.T, uri, name string) bool {
	t.Helper()
	ctx := context.Background()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	has, err := c.HasCollection(ctx, milvusclient.NewHasCollectionOption(name))
	if err != nil {
		t.Fatal(err)
	}
	return has
}
