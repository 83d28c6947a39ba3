package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// collectionState is what a read-only run must leave as it found it.
type collectionState struct {
	Rows       string
	Fields     []string
	Index      map[string]string
	Properties map[string]string
	Load       entity.LoadState
}

func stateOf(t *testing.T, ctx context.Context, c *milvusclient.Client, name string) collectionState {
	t.Helper()
	coll, err := c.DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(name))
	if err != nil {
		t.Fatal(err)
	}
	var st collectionState
	for _, f := range coll.Schema.Fields {
		st.Fields = append(st.Fields, fmt.Sprintf("%s:%s:%v:%v", f.Name, f.DataType.Name(), f.PrimaryKey, f.TypeParams))
	}
	st.Properties = coll.Properties
	stats, err := c.GetCollectionStats(ctx, milvusclient.NewGetCollectionStatsOption(name))
	if err != nil {
		t.Fatal(err)
	}
	st.Rows = stats["row_count"]
	idx, err := c.DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(name, "embedding"))
	if err != nil {
		t.Fatal(err)
	}
	st.Index = idx.Params()
	if st.Load, err = c.GetLoadState(ctx, milvusclient.NewGetLoadStateOption(name)); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAttachReadOnly measures a collection milvbench did not create — its
// own field names, primary keys that are not row numbers, an index and a
// load it was given by someone else — with the closed and capacity models,
// recall against exact ground truth over the collection's own rows, and
// checks that the collection's row count, schema, index, properties and
// load state are exactly as before, and that it still exists.
func TestAttachReadOnly(t *testing.T) {
	uri := testenv.MilvusURI(t)
	t.Setenv("MILVBENCH_CACHE", t.TempDir())
	ctx := context.Background()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	const name, rows, dim = "staging_products", 3000, 16
	_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
	schema := entity.NewSchema().WithName(name).
		WithField(entity.NewField().WithName("sku").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("embedding").WithDataType(entity.FieldTypeFloatVector).WithDim(dim))
	if err := c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(name, schema).WithProperty("team", "search")); err != nil {
		t.Fatal(err)
	}
	defer c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
	rng := rand.New(rand.NewPCG(7, 7))
	ids, vecs := make([]int64, rows), make([][]float32, rows)
	for i := range ids {
		ids[i] = int64(900_000 - 3*i) // keys that are not row numbers
		vecs[i] = make([]float32, dim)
		for j := range vecs[i] {
			vecs[i][j] = float32(rng.NormFloat64())
		}
	}
	if _, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(name).WithInt64Column("sku", ids).WithFloatVectorColumn("embedding", dim, vecs)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Flush(ctx, milvusclient.NewFlushOption(name)); err != nil {
		t.Fatal(err)
	}
	it, err := c.CreateIndex(ctx, milvusclient.NewCreateIndexOption(name, "embedding", index.NewFlatIndex(entity.L2)))
	if err != nil {
		t.Fatal(err)
	}
	if err := it.Await(ctx); err != nil {
		t.Fatal(err)
	}
	lt, err := c.LoadCollection(ctx, milvusclient.NewLoadCollectionOption(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := lt.Await(ctx); err != nil {
		t.Fatal(err)
	}
	before := stateOf(t, ctx, c, name)

	dir := t.TempDir()
	for _, tc := range []struct{ model, load, goals string }{
		{"closed", "{concurrency: [1, 2], duration: 500ms}", ""},
		// 1 s probes from 10/s: a 500 ms probe at 20/s under -race beside
		// the other packages' tests once failed on Lite, leaving one trial.
		{"capacity", "{model: capacity, start_rate: 10, ramp_factor: 4, max_rate: 160, precision: 0.5, duration: 1s}", "goals: {p99: 5s, recall: 0.9}\n"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			wl := filepath.Join(dir, tc.model+".yaml")
			src := fmt.Sprintf("name: attach_%s\ntarget: {kind: milvus, uri: %q, collection: %s}\ndataset: {source: collection, queries: 50, seed: 3}\nindexes: [{type: FLAT}]\nsearch: {topk: 10}\nload: %s\n%s",
				tc.model, uri, name, tc.load, tc.goals)
			if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out_"+tc.model)
			var progress bytes.Buffer
			root := newRoot(&bytes.Buffer{}, &progress)
			root.SetArgs([]string{"run", wl, "--out", out, "--quiet"})
			if err := root.ExecuteContext(ctx); err != nil {
				t.Fatalf("run: %v\n%s", err, progress.String())
			}
			b, err := os.ReadFile(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Complete bool `json:"complete"`
				Dataset  struct {
					Source string `json:"source"`
					Size   int    `json:"size"`
					Metric string `json:"metric"`
				} `json:"dataset"`
				Trials []struct {
					Index struct {
						Type string `json:"type"`
					} `json:"index"`
					Recall   float64 `json:"recall"`
					QPS      float64 `json:"qps"`
					TimingsS struct {
						Insert, Build float64
					} `json:"timings_s"`
				} `json:"trials"`
				Capacity []struct {
					KneeRate    float64  `json:"knee_rate"`
					FailReasons []string `json:"fail_reasons"`
				} `json:"capacity"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatal(err)
			}
			if !res.Complete || res.Dataset.Source != "collection" || res.Dataset.Size != rows || res.Dataset.Metric != "L2" || len(res.Trials) < 2 {
				t.Fatalf("results: complete %v, dataset %+v, %d trials, capacity %+v", res.Complete, res.Dataset, len(res.Trials), res.Capacity)
			}
			for i, tr := range res.Trials {
				// FLAT is exact: recall 1 against ground truth over the
				// collection's rows, in its own keys, without the sampled
				// query's own row. (A capacity probe above what Milvus
				// Lite can answer may fail every request: no recall.)
				if tc.model == "capacity" && tr.QPS == 0 {
					continue
				}
				if tr.Recall != 1 || tr.QPS <= 0 || tr.Index.Type != "FLAT" || tr.TimingsS.Insert != 0 || tr.TimingsS.Build != 0 {
					t.Errorf("trial %d: %+v", i+1, tr)
				}
			}
			if tc.model == "capacity" && (len(res.Capacity) != 1 || res.Capacity[0].KneeRate < 10) {
				t.Errorf("capacity: %+v", res.Capacity)
			}
			if after := stateOf(t, ctx, c, name); !reflect.DeepEqual(before, after) {
				t.Errorf("the run changed the collection:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	// Build parameters and write models are refused before any work.
	wl := filepath.Join(dir, "bad.yaml")
	src := fmt.Sprintf("name: attach_bad\ntarget: {kind: milvus, uri: %q, collection: %s}\ndataset: {source: collection}\nindexes: [{type: HNSW}]\nload: {duration: 200ms}\n", uri, name)
	if err := os.WriteFile(wl, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	root.SetArgs([]string{"run", wl, "--out", filepath.Join(dir, "bad"), "--quiet"})
	if err := root.ExecuteContext(ctx); err == nil || !strings.Contains(err.Error(), "has a FLAT index") {
		t.Errorf("an index type the collection does not have: err = %v", err)
	}
	time.Sleep(10 * time.Millisecond)
	if after := stateOf(t, ctx, c, name); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused run changed the collection: %+v", after)
	}
}
