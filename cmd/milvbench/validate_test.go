package main

import (
	"errors"
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
