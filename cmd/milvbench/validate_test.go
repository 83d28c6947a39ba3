package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestValidateFileDataset: validate reads a file dataset's headers, so the
// plan shows the files' real shape and shape-dependent checks run; missing
// or malformed files are one-line workload errors naming the file.
func TestValidateFileDataset(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"fvecs", "npy", "parquet"} {
		if _, _, err := execute("dataset", "gen", "--size", "700", "--dim", "12", "--queries", "30", "--format", format, "--out", filepath.Join(dir, format)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.fvecs"), []byte{12, 0, 0, 0, 1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, workload string
		want           []string // lines of the plan
		err            string
	}{
		{name: "fvecs dir", workload: "name: v\ndataset: {source: dir, path: fvecs}\nindexes: [{type: FLAT}]\n",
			want: []string{"dataset:  dir files, 700 × 12, L2, 30 queries", "files:    fvecs base " + filepath.Join(dir, "fvecs", "synthetic_base.fvecs")}},
		{name: "npy files with limits", workload: "name: v\ndataset: {source: npy, base_file: npy/base.npy, query_file: npy/queries.npy, size: 500, queries: 8}\nindexes: [{type: FLAT}]\n",
			want: []string{"dataset:  npy files, 500 × 12, L2, 8 queries"}},
		{name: "parquet", workload: "name: v\ndataset: {source: parquet, path: parquet}\nindexes: [{type: FLAT}]\n",
			want: []string{"dataset:  parquet files, 700 × 12, L2, 30 queries"}},
		{name: "nq beyond the file's queries", workload: "name: v\ndataset: {source: dir, path: fvecs}\nindexes: [{type: FLAT}]\nsearch: {nq: 64}\n",
			err: "search.nq[0]: 64 is larger than dataset.queries (30)"},
		{name: "PQ m against the file's dimension", workload: "name: v\ndataset: {source: dir, path: fvecs}\nindexes: [{type: IVF_PQ, build: {nlist: 8, m: 5}}]\n",
			err: "indexes[0].build: m=5 must divide the vector dimension 12"},
		{name: "missing file", workload: "name: v\ndataset: {source: fvecs, base_file: nope.fvecs, query_file: fvecs/synthetic_query.fvecs}\nindexes: [{type: FLAT}]\n",
			err: "dataset.base_file: " + filepath.Join(dir, "nope.fvecs") + " is not a readable file"},
		{name: "truncated file", workload: "name: v\ndataset: {source: fvecs, base_file: cut.fvecs, query_file: fvecs/synthetic_query.fvecs}\nindexes: [{type: FLAT}]\n",
			err: filepath.Join(dir, "cut.fvecs") + ": offset 0: truncated fvecs record"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl := write("w"+string(rune('a'+i))+".yaml", tt.workload)
			out, _, err := execute("validate", wl)
			if tt.err != "" {
				var we *workloads.Error
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), wl) || !errors.As(err, &we) {
					t.Fatalf("error %v, want a workload error (exit 2) naming %s and saying %q", err, wl, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestValidatePreloadRows: with dataset.preload (mixed and ingest) the
// plan counts only the preloaded rows in the insert stage and the
// estimate, and says how many rows the trials insert (and delete), how
// many the collection holds at the end, and over how many rows each index
// is built; other models insert every row first.
func TestValidatePreloadRows(t *testing.T) {
	tests := []struct {
		name, workload string
		want, not      []string
	}{
		{name: "mixed, two builds, streams outrun the rows", workload: `name: v
dataset: {size: 10000, dim: 8, queries: 50, preload: 0.4}
insert: {batch: 1000}
indexes: [{type: FLAT}, {type: HNSW}]
load: {model: mixed, concurrency: 1, insert_rate: [100, 300], insert_batch: 50, delete_rate: 20, warmup: 1s, duration: 10s}
`, want: []string{
			// 1000 + 3000 rows per build's trials want 8000 of the 6000 left.
			"stages:   1 insert of 4000 of the 10000 rows before the first build (dataset.preload 0.4; 4 batches of ≤ 1000), 2 index builds, 4 measured trials\n",
			"rows:     4000 preloaded; the trials insert up to 6000 more (insert streams at [100 300] rows/s for 10s each would need 8000, but only 6000 exist beyond the preload: the stream stops when they run out, ids are never reused) and delete up to 800 preloaded; up to 9200 in the collection after the last trial\n",
			"deletes at 20 rows/s",
			// The HNSW build runs after the FLAT trials inserted 4000 and deleted 400.
			"estimate: 44s of warm-up and measurement, plus the time to insert 4000 rows and make 2 index builds over 4000 to up to 7600 rows\n",
		}},
		{name: "mixed within the rows", workload: `name: v
dataset: {size: 10000, dim: 8, queries: 50, preload: 2000}
indexes: [{type: FLAT}]
load: {model: mixed, rate: 50, insert_rate: 100, duration: 5s}
`, want: []string{
			"stages:   1 insert of 2000 of the 10000 rows before the first build (dataset.preload 2000; 1 batch of ≤ 5000), 1 index build, 1 measured trial\n",
			"rows:     2000 preloaded; the trials insert up to 500 more (insert streams at [100] rows/s for 5s each, of the 8000 beyond the preload); up to 2500 in the collection after the last trial\n",
			"mixed: search open loop, constant arrivals at [50] requests/s",
			"plus the time to insert 2000 rows and make 1 index build over 2000 rows\n",
		}},
		{name: "ingest", workload: `name: v
dataset: {size: 5000, dim: 8, queries: 50, preload: 1000}
indexes: [{type: FLAT}]
load: {model: ingest, insert_batch: [10, 100], duration: 2s}
`, want: []string{
			"stages:   1 insert of 1000 of the 5000 rows before the first build (dataset.preload 1000; 1 batch of ≤ 5000), 1 index build, 2 measured trials\n",
			"rows:     1000 preloaded; the trials insert up to 4000 more (2 trials × their share of 2000, warm-up included, of the 4000 beyond the preload); up to 5000 in the collection after the last trial\n",
			"plus the time to insert 1000 rows and make 1 index build over 1000 rows\n",
		}},
		{name: "closed loads every row", workload: `name: v
dataset: {size: 25000, dim: 8, queries: 50}
indexes: [{type: FLAT}]
`, want: []string{
			"stages:   1 insert of 25000 rows (5 batches of ≤ 5000), 1 index build, 1 measured trial\n",
			"plus the time to insert 25000 rows and make 1 index build over 25000 rows\n",
		}, not: []string{"rows:", "preload"}},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl := filepath.Join(dir, fmt.Sprintf("w%d.yaml", i))
			if err := os.WriteFile(wl, []byte(tt.workload), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _, err := execute("validate", wl)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}
