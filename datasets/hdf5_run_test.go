package datasets_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/internal/testenv"
	"github.com/milvbench/milvbench/workloads"
)

// TestHDF5RunMatchesFvecs runs a workload naming an ann-benchmarks HDF5
// file that h5py wrote (chunked with gzip and shuffle, libver latest; and
// contiguous, libver earliest, angular) on the embedded target, and the same
// vectors written as fvecs: the datasets' checksums, and the recall of every
// trial (FLAT, and IVF_FLAT, whose build is deterministic), must be equal.
func TestHDF5RunMatchesFvecs(t *testing.T) {
	dir := t.TempDir()
	var manifest []struct {
		File   string `json:"file"`
		Metric string `json:"metric"`
	}
	if err := testenv.RunScript(t, nil, &manifest, "hdf5_write.py", dir, "run_latest_gzip_shuffle", "run_earliest_angular"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"run_latest_gzip_shuffle", "run_earliest_angular"} {
		t.Run(name, func(t *testing.T) {
			metric := ""
			for _, m := range manifest {
				if m.File == name+".hdf5" {
					metric = m.Metric
				}
			}
			if metric == "" {
				t.Fatalf("hdf5_write.py wrote no %s.hdf5", name)
			}
			// The same vectors as fvecs, from the .npy files numpy wrote.
			for _, part := range []string{"train", "test"} {
				r, err := datasets.OpenNpy(filepath.Join(dir, name+"."+part+".npy"))
				if err != nil {
					t.Fatal(err)
				}
				rows := make([][]float32, r.Rows())
				for i := range rows {
					rows[i] = make([]float32, r.Dim())
					if err := r.ReadFloat32(rows[i]); err != nil {
						t.Fatal(err)
					}
				}
				r.Close()
				if err := datasets.WriteFvecs(filepath.Join(dir, name+"_"+part+".fvecs"), rows); err != nil {
					t.Fatal(err)
				}
			}
			run := func(dataset string) (*datasets.Dataset, *bench.Result) {
				src := "name: files\ndataset: " + dataset + `
indexes:
  - type: FLAT
  - type: IVF_FLAT
    build: {nlist: 32}
    search: {nprobe: [1, 4]}
search: {topk: 10}
load: {duration: 50ms}
`
				spec, err := workloads.Parse(filepath.Join(dir, "w.yaml"), []byte(src), func(string) (string, bool) { return "", false })
				if err != nil {
					t.Fatal(err)
				}
				ds, _, err := datasets.Open(ctx, spec.Dataset, dir)
				if err != nil {
					t.Fatal(err)
				}
				plan := workloads.NewPlan(spec)
				truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				r := &bench.Runner{Target: embedded.New(), Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_hdf5", RunID: "t"}
				res, err := r.Run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return ds, res
			}
			hds, hres := run("{source: hdf5, base_file: " + name + ".hdf5}")
			fds, fres := run("{source: fvecs, metric: " + metric + ", base_file: " + name + "_train.fvecs, query_file: " + name + "_test.fvecs}")
			if hds.Info.Metric != workloads.Metric(metric) || hds.Info.Checksum != fds.Info.Checksum || hds.Info.Size != 3000 || hds.Info.Queries != 100 {
				t.Fatalf("hdf5 dataset %+v, fvecs %+v", hds.Info, fds.Info)
			}
			if len(hres.Trials) != 3 || len(fres.Trials) != len(hres.Trials) {
				t.Fatalf("%d trials from hdf5, %d from fvecs, want 3", len(hres.Trials), len(fres.Trials))
			}
			for i := range hres.Trials {
				h, f := hres.Trials[i], fres.Trials[i]
				t.Logf("%s %v: recall %.4f (hdf5) %.4f (fvecs)", h.Index.Type, h.Search.Params, h.Recall, f.Recall)
				if h.Recall != f.Recall || h.Index.Type != f.Index.Type {
					t.Errorf("trial %d %s %v: recall %g from hdf5, %g from fvecs", i, h.Index.Type, h.Search.Params, h.Recall, f.Recall)
				}
			}
			if hres.Trials[0].Recall != 1 || hres.Trials[1].Recall >= 1 {
				t.Errorf("FLAT recall %g (want 1), IVF_FLAT nprobe 1 recall %g (want below 1)", hres.Trials[0].Recall, hres.Trials[1].Recall)
			}
		})
	}
}
