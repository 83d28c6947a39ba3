package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/spf13/cobra"
)

// loadDataset opens the workload's dataset, fills in the shape a file source
// determines and spot-checks ground truth the files provide at depth k. The
// workload's identity (spec.Hash), fixed when it was decoded, stays as it was.
func loadDataset(ctx context.Context, spec *workloads.Spec, k int, progress io.Writer) (*datasets.Dataset, error) {
	t0 := time.Now()
	ds, truth, err := datasets.Open(ctx, spec.Dataset, filepath.Dir(spec.File))
	if err != nil {
		return nil, err
	}
	if spec.Dataset.Source != workloads.SourceSynthetic {
		spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = ds.Info.Size, ds.Info.Dim, ds.Info.Queries
		spec.Dataset.Metric = ds.Info.Metric // an HDF5 file names it
		if err := workloads.Validate(spec); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(progress, "data   %s %d×%d, %d queries (%s) in %.2fs\n", ds.Info.Name, ds.Info.Size, ds.Info.Dim, ds.Info.Queries, ds.Info.Checksum, time.Since(t0).Seconds())
	if truth != nil {
		warns, err := datasets.CheckTruth(ctx, ds, truth, k, 20)
		if err != nil {
			return nil, err
		}
		for _, w := range warns {
			fmt.Fprintf(progress, "warning: %s\n", w)
		}
		if len(warns) == 0 {
			fmt.Fprintf(progress, "truth  dataset ground truth agrees with exact search on a sample of 20 queries\n")
		}
	}
	return ds, nil
}

// attachCollection attaches to the existing collection target.collection
// names, read-only, and makes its rows the dataset: queries from
// dataset.query_file or sampled from the collection. Each plan build
// becomes the collection's own index, which must be of the type the
// workload names; the metric is the index's.
func attachCollection(ctx context.Context, target bench.Target, spec *workloads.Spec, plan *workloads.Plan, progress io.Writer) (*datasets.Dataset, error) {
	a, ok := target.(bench.ReadOnlyAttacher)
	if !ok {
		return nil, fmt.Errorf("%s: target kind %s cannot attach to an existing collection", spec.File, spec.Target.Kind)
	}
	t0 := time.Now()
	name := spec.Target.Collection
	ac, err := a.AttachReadOnly(ctx, name)
	if err != nil {
		return nil, err
	}
	for i, b := range plan.Builds {
		if !strings.EqualFold(b.Index.Type, ac.Index.Type) {
			return nil, fmt.Errorf("%s: indexes[%d].type: %s, but collection %s has a %s index (the index is the collection's: name its type)", spec.File, i, b.Index.Type, name, ac.Index.Type)
		}
		plan.Builds[i].Index = ac.Index
	}
	if k := plan.MaxTopK(); k > ac.Rows {
		return nil, fmt.Errorf("%s: search.topk %d is larger than collection %s's %d rows", spec.File, k, name, ac.Rows)
	}
	spec.Dataset.Metric = ac.Metric
	fmt.Fprintf(progress, "attach collection %s read-only: %d×%d, %s index %s; reading its rows ...\n", name, ac.Rows, ac.Dim, ac.Metric, ac.Index)
	ds, err := datasets.OpenKeyed(ctx, name, ac.Base, ac.Metric, spec.Dataset, filepath.Dir(spec.File))
	if err != nil {
		return nil, err
	}
	queries := "sampled from the collection (each excluded from its own ground truth)"
	if spec.Dataset.QueryFile != "" {
		queries = "from " + spec.Dataset.QueryFile
	}
	fmt.Fprintf(progress, "data   collection %s %d×%d, %d queries %s (%s) in %.2fs\n", name, ds.Info.Size, ds.Info.Dim, len(ds.Queries), queries, ds.Info.Checksum[:12], time.Since(t0).Seconds())
	return ds, nil
}

// inspectDataset fills a file dataset's size, dimension and query count
// from its files' headers and validates the workload again with them; it
// returns the files read, for the plan summary ("" for synthetic data).
// Problems with the files are workload errors naming the workload file.
func inspectDataset(spec *workloads.Spec) (string, error) {
	switch spec.Dataset.Source {
	case workloads.SourceSynthetic:
		return "", nil
	case workloads.SourceCollection:
		return fmt.Sprintf("existing collection %s, attached read-only when the run starts (validate does not connect)", spec.Target.Collection), nil
	}
	info, files, err := datasets.Inspect(spec.Dataset, filepath.Dir(spec.File))
	if err != nil {
		// A workload error (exit 2): the workload names files that are
		// missing or malformed.
		return "", &workloads.Error{File: spec.File, Msg: err.Error()}
	}
	spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = info.Size, info.Dim, info.Queries
	spec.Dataset.Metric = info.Metric // an HDF5 file names it
	if err := workloads.Validate(spec); err != nil {
		return "", err
	}
	desc := fmt.Sprintf("%s base %s, queries %s", files.Format, strings.Join(files.Base, " "), files.Queries)
	if files.Truth != "" {
		desc += ", truth " + files.Truth
	}
	return desc + " (headers read)", nil
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes, or 0
// where /proc is unavailable.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func newDataset() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "Generate datasets, compute exact ground truth, describe datasets",
	}
	cmd.AddCommand(newDatasetGen(), newDatasetGT(), newDatasetInfo(), newDatasetFetch())
	return cmd
}

func newDatasetGen() *cobra.Command {
	var spec workloads.DatasetSpec
	var metric, format, out, vt string
	var k int
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Write a seeded synthetic dataset and its exact ground truth to files (fvecs, npy or parquet)",
		Long: `Generate a synthetic base set and queries, compute the queries' exact top-k
neighbours under --metric (k from --k), and write them in a layout that
"source: dir" reads:
  fvecs    synthetic_base.fvecs, synthetic_query.fvecs, synthetic_groundtruth.ivecs
  npy      base.npy, queries.npy (float32), neighbors.npy (int64, one row of k ids a query)
  parquet  train.parquet, test.parquet (id, emb), neighbors.parquet (id: the test
           ids in order, neighbors_id: k ids), the VectorDBBench layout
Ids are row positions from 0; neighbours are closest first. The files also
serve "source: fvecs", "npy" (truth_file: neighbors.npy) and "parquet".

--vector-type binary writes bit vectors (--dim bits, a multiple of 8) packed
8 to a byte in numpy.packbits order, as vector_type: binary reads them:
base.npy and queries.npy uint8 arrays of dim/8 columns, or parquet emb
list<uint8> of dim/8 bytes; fvecs holds floats and is refused. The
neighbours are exact under HAMMING (the default for binary) or JACCARD.`,
		Example: `  milvbench dataset gen --size 100000 --dim 128 --queries 1000 --dist gaussian --out data/g100k
  milvbench dataset gen --size 50000 --dim 96 --metric IP --k 10 --format parquet --out data/p50k
  milvbench dataset gen --size 100000 --dim 256 --vector-type binary --metric JACCARD --dist clustered --format npy --out data/b100k`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if format != "fvecs" && format != "npy" && format != "parquet" {
				return usageError{fmt.Errorf("--format %q: must be fvecs, npy or parquet", format)}
			}
			if k < 1 || k > datasets.MaxK || k > spec.Size {
				return usageError{fmt.Errorf("--k %d: the ground truth depth must be 1..%d and at most --size (%d)", k, datasets.MaxK, spec.Size)}
			}
			binary := vt == workloads.VectorBinary
			if binary && !cmd.Flags().Changed("metric") {
				metric = string(workloads.Hamming)
			}
			if err := checkGenBinary(vt, workloads.Metric(metric), spec.Dim, format); err != nil {
				return usageError{err}
			}
			spec.Source, spec.Metric = workloads.SourceSynthetic, workloads.Metric(metric)
			if binary {
				spec.VectorType = workloads.VectorBinary
			}
			if (spec.Distribution == workloads.DistClustered || spec.Distribution == workloads.DistSkewed) && spec.Clusters == 0 {
				spec.Clusters = min(256, max(1, spec.Size/500))
			}
			ctx := cmd.Context()
			ds, err := datasets.NewSynthetic(ctx, spec)
			if err != nil {
				return err
			}
			gt, err := datasets.ComputeGroundTruth(ctx, ds, k)
			if err != nil {
				return err
			}
			// Exactly k ids a row (ground truth lists go on past k with
			// ties at the k-th distance): npy and ivecs are rectangular.
			truth := make([][]int64, len(gt.IDs))
			for i, ids := range gt.IDs {
				truth[i] = ids[:k:k]
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			var base [][]float32
			err = ds.Base.Scan(ctx, 8192, func(_ int64, vecs [][]float32) error {
				for _, v := range vecs {
					base = append(base, append([]float32(nil), v...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			var files []string
			write := func(name string, fn func(path string) error) {
				if err == nil {
					files = append(files, name)
					err = fn(filepath.Join(out, name))
				}
			}
			var packed, packedQueries [][]byte // binary: dim/8 bytes a row
			if binary {
				for _, rows := range []struct {
					src [][]float32
					dst *[][]byte
				}{{base, &packed}, {ds.Queries, &packedQueries}} {
					for _, v := range rows.src {
						*rows.dst = append(*rows.dst, datasets.PackBytes(v))
					}
				}
			}
			switch {
			case binary && format == "npy":
				write("base.npy", func(p string) error { return datasets.WriteNpy(p, packed) })
				write("queries.npy", func(p string) error { return datasets.WriteNpy(p, packedQueries) })
				write("neighbors.npy", func(p string) error { return datasets.WriteNpy(p, truth) })
			case binary && format == "parquet":
				write("train.parquet", func(p string) error { return datasets.WriteParquetPacked(p, 0, packed) })
				write("test.parquet", func(p string) error { return datasets.WriteParquetPacked(p, 0, packedQueries) })
				write("neighbors.parquet", func(p string) error { return datasets.WriteParquetNeighbors(p, truth) })
			case format == "fvecs":
				write("synthetic_base.fvecs", func(p string) error { return datasets.WriteFvecs(p, base) })
				write("synthetic_query.fvecs", func(p string) error { return datasets.WriteFvecs(p, ds.Queries) })
				write("synthetic_groundtruth.ivecs", func(p string) error { return datasets.WriteIvecs(p, int32Rows(truth)) })
			case format == "npy":
				write("base.npy", func(p string) error { return datasets.WriteNpy(p, base) })
				write("queries.npy", func(p string) error { return datasets.WriteNpy(p, ds.Queries) })
				write("neighbors.npy", func(p string) error { return datasets.WriteNpy(p, truth) })
			case format == "parquet":
				write("train.parquet", func(p string) error { return datasets.WriteParquetVectors(p, 0, base) })
				write("test.parquet", func(p string) error { return datasets.WriteParquetVectors(p, 0, ds.Queries) })
				write("neighbors.parquet", func(p string) error { return datasets.WriteParquetNeighbors(p, truth) })
			}
			if err != nil {
				return err
			}
			shape := fmt.Sprintf("%d×%d", len(base), spec.Dim)
			if binary {
				shape += fmt.Sprintf(" binary (packed, %d bytes a row)", spec.Dim/8)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s base, %d queries, exact top-%d %s neighbours, %s (%s): %s\n",
				out, shape, len(ds.Queries), k, spec.Metric, format, ds.Info.Checksum, strings.Join(files, ", "))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&spec.Size, "size", 10000, "base vectors")
	f.IntVar(&spec.Dim, "dim", 128, "dimension")
	f.IntVar(&spec.Queries, "queries", 1000, "query vectors")
	f.Int64Var(&spec.Seed, "seed", 1, "seed")
	f.StringVar(&spec.Distribution, "dist", workloads.DistGaussian, "gaussian, clustered or skewed (clusters with Zipf sizes)")
	f.IntVar(&spec.Clusters, "clusters", 0, "clusters for clustered/skewed (default size/500, at most 256)")
	f.StringVar(&metric, "metric", "L2", "L2, IP or COSINE (IP and COSINE vectors are normalised), HAMMING or JACCARD for binary (default HAMMING there); also the ground truth's metric")
	f.StringVar(&vt, "vector-type", workloads.VectorFloat, "float, or binary (bit vectors, written packed: npy uint8 or parquet list<uint8> of dim/8 bytes)")
	f.StringVar(&format, "format", "fvecs", "fvecs, npy or parquet")
	f.IntVar(&k, "k", 100, "exact nearest neighbours written per query (1..1000, at most --size)")
	f.StringVarP(&out, "out", "o", "", "output directory")
	return cmd
}

// checkGenBinary checks dataset gen's vector type against its metric,
// dimension and format: binary vectors take HAMMING or JACCARD, a --dim
// of whole bytes and a format that holds packed bytes; HAMMING and
// JACCARD take binary vectors.
func checkGenBinary(vt string, m workloads.Metric, dim int, format string) error {
	binary := vt == workloads.VectorBinary
	switch {
	case vt != workloads.VectorFloat && !binary:
		return fmt.Errorf("--vector-type %q: dataset gen writes float or binary vectors", vt)
	case !binary && workloads.BinaryMetric(m):
		return fmt.Errorf("--metric %s compares binary vectors: add --vector-type binary (float vectors take L2, IP or COSINE)", m)
	case !binary:
		return nil
	case !workloads.BinaryMetric(m):
		return fmt.Errorf("--metric %s: binary vectors take HAMMING or JACCARD", m)
	case dim%8 != 0:
		return fmt.Errorf("--dim %d: binary vectors are packed 8 bits to a byte, so --dim (bits) must be a multiple of 8 (e.g. %d)", dim, max(8, (dim+4)/8*8))
	case format == "fvecs":
		return fmt.Errorf("--format fvecs holds float32 rows: binary vectors are written packed, --format npy or parquet")
	}
	return nil
}

// int32Rows converts neighbour ids to the int32 of an ivecs file.
func int32Rows(rows [][]int64) [][]int32 {
	out := make([][]int32, len(rows))
	for i, r := range rows {
		out[i] = make([]int32, len(r))
		for j, id := range r {
			out[i][j] = int32(id)
		}
	}
	return out
}

// datasetArg resolves a workload file or explicit --base/--query files.
func datasetSpec(args []string, base, query, metric string) (*workloads.Spec, error) {
	if len(args) == 1 {
		spec, err := workloads.LoadArg(args[0], os.LookupEnv)
		if err == nil {
			err = resolveNamed(spec, io.Discard)
		}
		return spec, err
	}
	if base == "" || query == "" {
		return nil, usageError{fmt.Errorf("give a workload file, or --base and --query files")}
	}
	src := strings.TrimPrefix(filepath.Ext(base), ".")
	return &workloads.Spec{File: "cli", Dataset: workloads.DatasetSpec{
		Source: src, Metric: workloads.Metric(metric), BaseFile: base, QueryFile: query,
	}}, nil
}

func newDatasetGT() *cobra.Command {
	var k, threads int
	var base, query, metric, out string
	var noCache bool
	cmd := &cobra.Command{
		Use:   "gt [WORKLOAD.yaml] [--base FILE --query FILE]",
		Short: "Compute exact ground truth (cached under $MILVBENCH_CACHE/gt)",
		Example: `  milvbench dataset gt workloads/examples/quickstart.yaml --k 100
  milvbench dataset gt --base b.fvecs --query q.fvecs --k 100 --out gt.ivecs`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := datasetSpec(args, base, query, metric)
			if err != nil {
				return err
			}
			if threads > 0 {
				runtime.GOMAXPROCS(threads)
			}
			ctx := cmd.Context()
			ds, _, err := datasets.Open(ctx, spec.Dataset, filepath.Dir(spec.File))
			if err != nil {
				return err
			}
			cache := datasets.GTCache{Dir: filepath.Join(datasets.CacheDir(os.Getenv), "gt")}
			if noCache {
				cache.Dir = ""
			}
			t0 := time.Now()
			gt, hit, err := datasets.GroundTruthFor(ctx, ds, datasets.GTOptions{K: k}, "", cache)
			if err != nil {
				return err
			}
			secs := time.Since(t0).Seconds()
			if out != "" {
				rows := make([][]int32, len(gt.IDs))
				for i, ids := range gt.IDs {
					for _, id := range ids[:min(k, len(ids))] {
						rows[i] = append(rows[i], int32(id))
					}
				}
				if err := datasets.WriteIvecs(out, rows); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "gt %s k=%d queries=%d base=%d dim=%d cached=%v gt_s=%.3f\n",
				ds.Info.Name, k, len(gt.IDs), ds.Info.Size, ds.Info.Dim, hit, secs)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&k, "k", 100, "depth (1..1000)")
	f.IntVar(&threads, "threads", 0, "worker threads (default all cores)")
	f.StringVar(&base, "base", "", "base file (.fvecs, .bvecs, .npy) instead of a workload")
	f.StringVar(&query, "query", "", "query file, with --base")
	f.StringVar(&metric, "metric", "L2", "metric, with --base")
	f.StringVarP(&out, "out", "o", "", "also write the top-k ids as ivecs")
	f.BoolVar(&noCache, "no-cache", false, "neither read nor write the cache")
	return cmd
}

func newDatasetInfo() *cobra.Command {
	var base, query, metric string
	cmd := &cobra.Command{
		Use:   "info [WORKLOAD.yaml] [--base FILE --query FILE]",
		Short: "Describe a dataset: shape, metric, checksum, norms, ground truth",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := datasetSpec(args, base, query, metric)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ds, truth, err := datasets.Open(ctx, spec.Dataset, filepath.Dir(spec.File))
			if err != nil {
				return err
			}
			lo, hi, sum := math.Inf(1), 0.0, 0.0
			err = ds.Base.Scan(ctx, 8192, func(_ int64, vecs [][]float32) error {
				for _, v := range vecs {
					var n float64
					for _, x := range v {
						n += float64(x) * float64(x)
					}
					n = math.Sqrt(n)
					lo, hi, sum = min(lo, n), max(hi, n), sum+n
				}
				return nil
			})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "name      %s (%s)\n", ds.Info.Name, ds.Info.Source)
			fmt.Fprintf(w, "shape     %d × %d, %d queries\n", ds.Info.Size, ds.Info.Dim, ds.Info.Queries)
			fmt.Fprintf(w, "metric    %s\n", ds.Info.Metric)
			fmt.Fprintf(w, "checksum  %s\n", ds.Info.Checksum)
			fmt.Fprintf(w, "norms     min %.4g mean %.4g max %.4g\n", lo, sum/float64(ds.Info.Size), hi)
			fmt.Fprintf(w, "raw bytes %d (base, float32)\n", int64(ds.Info.Size)*int64(ds.Info.Dim)*4)
			if truth != nil {
				fmt.Fprintf(w, "truth     provided by the dataset, depth %d\n", len(truth[0]))
			} else {
				fmt.Fprintf(w, "truth     none provided (milvbench computes and caches it)\n")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&base, "base", "", "base file (.fvecs, .bvecs, .npy) instead of a workload")
	cmd.Flags().StringVar(&query, "query", "", "query file, with --base")
	cmd.Flags().StringVar(&metric, "metric", "L2", "metric, with --base")
	return cmd
}

// loadFields reads or generates the workload's sparse and text fields,
// one progress line each.
func loadFields(ctx context.Context, w *workloadRun, spec *workloads.Spec, progress io.Writer) error {
	if !spec.MultiField() {
		return nil
	}
	t0 := time.Now()
	fields, err := bench.LoadFields(ctx, spec, filepath.Dir(spec.File), w.ds.Base.Size(), len(w.ds.Queries))
	if err != nil {
		return err
	}
	for _, f := range fields {
		what := fmt.Sprintf("%d sparse rows (%d dims)", f.Rows(), f.Dims)
		if f.Type == workloads.FieldText {
			what = fmt.Sprintf("%d documents (analyzer %s)", f.Rows(), f.Analyzer.Name())
		}
		fmt.Fprintf(progress, "data   field %s: %s, %d queries (%s)\n", f.Name, what, f.Queries(), f.Checksum)
	}
	fmt.Fprintf(progress, "data   fields read in %.2fs\n", time.Since(t0).Seconds())
	w.fields = fields
	return nil
}
