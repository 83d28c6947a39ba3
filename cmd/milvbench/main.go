// Command milvbench benchmarks and tunes vector search on Milvus, Zilliz Cloud
// and its own embedded engine, from declarative workload files.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/workloads"
	"github.com/spf13/cobra"
)

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal cancels ctx: the run finishes the current
		// trial's bookkeeping, drops its collection and writes partial
		// results. Restoring default handling makes a second signal exit
		// at once.
		<-ctx.Done()
		stop()
	}()
	root := newRoot(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "milvbench: %s\n", oneLine(err))
		os.Exit(exitCode(err))
	}
}

// exitCode is the exit status for a command's error: 0 for none, 2 for an
// invalid workload or usage, 3 for a failed compare gate, 1 for the rest (a
// failed run).
func exitCode(err error) int {
	var ue usageError
	var we *workloads.Error
	var gf gateFailure
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) || errors.As(err, &we):
		return 2
	case errors.As(err, &gf):
		return 3
	}
	return 1
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "milvbench",
		Short: "Benchmark and tune vector search on Milvus, Zilliz Cloud and an embedded engine",
		Long: `milvbench measures which index, search parameters and capacity meet your recall
and latency targets. A workload file declares the dataset, the indexes and
parameter sweeps, the request shapes and the load; milvbench runs every trial,
records latency in HDR histograms and recall against exact ground truth, and
writes results.json, report.md with its figures, and report.html.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRun(), newTune(), newRecommend(), newValidate(), newVersion(), newDataset(), newReport(), newCompare(),
		newPrepare(), newMerge(), newCleanup())
	// cobra adds its help and completion commands when it executes; add
	// them now, so that strictCommands covers them too.
	root.SetHelpCommand(newHelp())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	strictCommands(root)
	return root
}

func workloadArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s takes exactly one workload file (or example:NAME, one of: %s)", cmd.Name(), strings.Join(workloads.Examples(), ", "))}
	}
	return nil
}

func newValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate WORKLOAD.yaml",
		Short: "Check a workload file and print the plan it expands to",
		Long: `Decode WORKLOAD.yaml strictly, apply defaults, check every parameter against
Milvus's rules for every point of every sweep, and print the plan: the stages,
the index builds with their trial counts, and an estimate of the run time.
With dataset.preload (mixed, ingest) the insert stage counts the preloaded
rows, and a rows line says how many the trials insert and delete at most.
Exits 2 with a one-line error naming file, line and field on any problem.
For a file dataset it checks that every file exists and reads their headers
(never the vectors), so the plan shows the real size, dimension and query
count and the checks that depend on them (topk ≤ size, nq ≤ queries, PQ m
dividing the dimension) run against the files.
With cluster.cluster_id it also reads the cluster from the Zilliz Cloud
control plane, and prints the cluster the run would record.`,
		Example: `  milvbench validate workloads/examples/quickstart.yaml
  milvbench validate example:quickstart`,
		Args: workloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadWorkload(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			files, err := inspectDataset(spec)
			if err != nil {
				return err
			}
			plan := workloads.NewPlan(spec)
			if spec.Target.Kind == workloads.TargetEmbedded {
				for _, b := range plan.Builds {
					for _, ix := range b.Indexes() {
						if err := embedded.New().CheckIndex(ix); err != nil {
							return err
						}
					}
				}
			}
			cluster, err := resolveCluster(cmd.Context(), spec, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), plan.Summary())
			if files != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "files:    %s\n", files)
			}
			if w := planWarning(plan); w != "" {
				fmt.Fprintln(cmd.OutOrStdout(), w)
			}
			if cluster == nil {
				cluster = &workloads.ClusterSpec{}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cluster:  %s\n", cluster.Describe())
			fmt.Fprintln(cmd.OutOrStdout(), "ok")
			return nil
		},
	}
}

// loadWorkload loads the workload a command names (a file or example:NAME)
// and prints the warnings found while decoding it to warn.
func loadWorkload(arg string, warn io.Writer) (*workloads.Spec, error) {
	spec, err := workloads.LoadArg(arg, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	for _, w := range spec.Warnings {
		fmt.Fprintf(warn, "warning: %s\n", w)
	}
	return spec, resolveNamed(spec, warn)
}

func newRun() *cobra.Command {
	var f runFlags
	var resume string
	var shard shardFlags
	formats := defaultFormats()
	cmd := &cobra.Command{
		Use:   "run WORKLOAD.yaml",
		Short: "Run a workload and write results.json, report.md with its figures, and report.html",
		Long: `Run every trial of WORKLOAD.yaml: generate or read the dataset, compute exact
ground truth, insert the base vectors, then for each index configuration build
it, and for each search point warm up and measure a window of load. Writes
DIR/results.json, DIR/recommendation.json, DIR/latency.hlog (every interval
histogram, HdrHistogram interval log format) and the reports --format names
(default markdown,html): DIR/report.md with the figures it links (PNG and
SVG), and DIR/report.html, the same report as one self-contained page
(figures inline, nothing fetched) to open in a browser or send on;
benchstat also prints the trials as Go benchmark lines on stdout.
Progress goes to stderr, one line per stage and trial; while a trial runs, a
status line (trial i/N, elapsed and ETA, live QPS, p99 and errors of the last
interval) is redrawn in place on a terminal, or printed every 5 s otherwise.
--quiet prints nothing.

With target kind milvus the address and token come from the workload or
from MILVUS_URI / MILVUS_TOKEN (or ZILLIZ_URI / ZILLIZ_TOKEN); the token is
never printed or recorded. A cluster section with cluster_id is read from
the Zilliz Cloud control plane first (key from ZILLIZ_API_KEY or the
workload; never printed or recorded): a refused key or unknown cluster
stops the run before any work. milvbench creates its own collection (default
milvbench_<name>), marks it as its own, and drops it at the end unless
--keep; a collection of that name it did not create is refused unless
--allow-foreign names it.

With --shard i/N --state FILE it is one of N generators of a scale-out run
(see milvbench prepare): it skips setup, checks that the collection carries
the state's run id and waits until it is loaded, then runs its share of
every trial of the prepared build — closed-loop concurrency and open-loop
rate divided by N (remainders spread), requests interleaved with the other
shards' — each trial starting at the same wall-clock instant on every shard
(--start-at, or the state's start). It writes its own results (histograms,
per-query recall, latency.hlog) for milvbench merge, and never drops the
collection (milvbench cleanup does).`,
		Example: `  milvbench run workloads/examples/quickstart.yaml --out out/quickstart
  milvbench run example:quickstart
  MILVUS_URI=http://127.0.0.1:19530 milvbench run my-milvus-workload.yaml --keep
  milvbench run w.yaml --shard 0/2 --state state.json --out out/w-shard0`,
		Args: workloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadWorkload(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if resume != "" {
				if f.out != "" && filepath.Clean(f.out) != filepath.Clean(resume) {
					return usageError{fmt.Errorf("--resume %s writes into that directory; drop --out %s", resume, f.out)}
				}
				f.out = resume
			}
			if shard.set() && (resume != "" || f.keep) {
				return usageError{errors.New("--resume and --keep do not apply to a shard (--shard): it never creates or drops the collection")}
			}
			suffix := ""
			if shard.set() {
				suffix = "-shard" + strings.ReplaceAll(shard.shard, "/", "of")
			}
			out, progress, watch, done := f.resolve(cmd, spec, suffix)
			defer done()
			if shard.set() {
				if err := runShard(cmd.Context(), spec, out, formats.Formats, shard, f.topts, progress, watch, cmd.OutOrStdout()); err != nil {
					return err
				}
			} else if err := run(cmd.Context(), spec, out, formats.Formats, resume != "", f.keep, f.topts, progress, watch); err != nil {
				return err
			}
			return printFormats(cmd.OutOrStdout(), formats, out)
		},
	}
	f.register(cmd, "out/<workload name>")
	cmd.Flags().StringVar(&resume, "resume", "", "continue the stopped run in `DIR` with the same workload: its completed trials are kept, the rest run")
	addFormatFlag(cmd, &formats)
	shard.add(cmd)
	return cmd
}

// runFlags are the flags run and tune share.
type runFlags struct {
	out         string
	keep, quiet bool
	topts       targetOptions
}

func (f *runFlags) register(cmd *cobra.Command, defaultOut string) {
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (default "+defaultOut+")")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "leave the collection in place after the run, for inspection")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print no progress")
	cmd.Flags().StringVar(&f.topts.allowForeign, "allow-foreign", "", "drop and recreate this collection even though milvbench did not create it (it must be the run's collection; its data is lost)")
}

// resolve returns the output directory (out/<name><suffix> by default),
// where progress goes, the live status hook (nil with --quiet) and a
// function that ends the status display.
func (f *runFlags) resolve(cmd *cobra.Command, spec *workloads.Spec, suffix string) (string, io.Writer, func(bench.TrialStatus), func()) {
	out := f.out
	if out == "" {
		out = filepath.Join("out", spec.Name+suffix)
	}
	if f.quiet {
		return out, io.Discard, nil, func() {}
	}
	p := newProgress(cmd.ErrOrStderr())
	return out, p, p.status, p.done
}

// runGCPercent is the Go GC target for runs, unless GOGC is set: the heap
// is dominated by long-lived vectors (the embedded engine's copy, ground
// truth), and the default 100% headroom would double the process's memory
// for them. Allocation during measurement is small, so collections stay rare.
const runGCPercent = 25

func run(ctx context.Context, spec *workloads.Spec, out string, reports report.Formats, resume, keep bool, topts targetOptions, progress io.Writer, watch func(bench.TrialStatus)) error {
	return runWith(ctx, spec, out, reports, resume, keep, topts, progress, watch, gridDriver)
}

// driver walks a prepared run: the full grid (run) or the adaptive search
// (tune). It returns the trials measured, also beside an error when it
// stopped early.
type driver struct {
	name  string
	drive func(context.Context, *bench.Runner) (*bench.Result, error)
}

var gridDriver = driver{name: "run", drive: func(ctx context.Context, r *bench.Runner) (*bench.Result, error) { return r.Run(ctx) }}

// runWith prepares a run (cluster, target, dataset, ground truth,
// journal), hands the runner to the driver and writes the output directory:
// the data files and the reports named.
func runWith(ctx context.Context, spec *workloads.Spec, out string, reports report.Formats, resume, keep bool, topts targetOptions, progress io.Writer, watch func(bench.TrialStatus), d driver) (err error) {
	cluster, err := resolveRunCluster(ctx, spec, progress)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	runID := newRunID()
	var done map[bench.PointKey][]bench.Trial
	if resume {
		var hdr report.JournalHeader
		if hdr, done, err = report.ReadJournal(out); err != nil {
			return err
		}
		if hdr.Command != "" && hdr.Command != d.name {
			return usageError{fmt.Errorf("--resume %s: that directory holds a `milvbench %s` run, whose trials an adaptive search chose; it cannot be resumed as a grid: run `milvbench %s %s` again (into a fresh --out)",
				out, hdr.Command, hdr.Command, spec.File)}
		}
		if hdr.WorkloadHash != spec.Hash() {
			return usageError{fmt.Errorf("--resume %s: the run there used a different workload (sha256 %.12s…, this one is %.12s…); resume with the workload it ran, or start afresh with another --out",
				out, hdr.WorkloadHash, spec.Hash())}
		}
		runID = hdr.RunID
		fmt.Fprintf(progress, "resume run %s: %d plan points already measured\n", runID, len(done))
	}
	w, err := openWorkload(ctx, spec, topts, progress, true, true)
	if err != nil {
		return err
	}
	defer w.target.Close()
	plan, target, ds, truths, gtS := w.plan, w.target, w.ds, w.truths, w.gtS
	if pw := planWarning(plan); pw != "" && d.name == gridDriver.name {
		fmt.Fprintln(progress, pw)
	}
	var journal *report.Journal
	if resume {
		journal, err = report.AppendJournal(out)
	} else {
		journal, err = report.CreateJournal(out, report.JournalHeader{RunID: runID, WorkloadHash: spec.Hash(), Workload: spec.File, Command: d.name, Started: time.Now().UTC()})
	}
	if err != nil {
		return err
	}
	defer func() {
		if jerr := journal.Close(); jerr != nil && err == nil {
			err = jerr
		}
	}()
	r := &bench.Runner{
		Target: target, Plan: plan, Data: ds, Truths: truths, FilterTruths: w.filterTruths, Fields: w.fields, KindTruths: w.kindTruths,
		Collection: collectionName(spec), RunID: runID, Keep: keep,
		Harness: harnessVersion(), Progress: progress, Watch: watch,
		Done: done, Resume: resume, OnPoint: journal.Add, OnError: spec.Load.OnError,
		ReadOnly: spec.Dataset.Source == workloads.SourceCollection,
	}
	res, runErr := d.drive(ctx, r)
	if res == nil {
		return runErr
	}
	res.GroundTruthS = gtS
	res.Cluster = cluster
	res.PeakRSSBytes = peakRSS()
	res.BaseBytes = int64(ds.Info.Size) * int64(ds.Info.Dim) * 4
	if err := report.WriteWith(out, res, reports); err != nil {
		return errors.Join(runErr, fmt.Errorf("write report: %w", err))
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			runErr = errors.New("interrupted")
		}
		if d.name != gridDriver.name {
			return fmt.Errorf("%s stopped after %d trials: %w; partial results in %s", d.name, len(res.Trials), runErr, filepath.Join(out, report.ResultsFile))
		}
		return fmt.Errorf("run stopped after %d of %d trials: %w; partial results in %s; finish it with: milvbench run %s --resume %s",
			len(res.Trials), plan.Trials(), runErr, filepath.Join(out, report.ResultsFile), spec.File, out)
	}
	fmt.Fprintf(progress, "done   %s\n", reportPaths(out, reports))
	return nil
}

// resolveRunCluster resolves the workload's cluster before any other work
// of a run (a refused control-plane key stops it before anything is
// written) and sets the run's GC target.
func resolveRunCluster(ctx context.Context, spec *workloads.Spec, progress io.Writer) (*workloads.ClusterSpec, error) {
	cluster, err := resolveCluster(ctx, spec, progress)
	if err != nil {
		return nil, err
	}
	if cluster != nil {
		fmt.Fprintf(progress, "cluster %s\n", cluster.Describe())
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(runGCPercent)
	}
	return cluster, nil
}

// workloadRun is what a run of a workload needs before its runner starts.
type workloadRun struct {
	plan   *workloads.Plan
	target bench.Target
	ds     *datasets.Dataset
	truths map[float64]bench.Truth
	// filterTruths: each search.filters filter's per-query filters and
	// ground truth.
	filterTruths map[string]bench.Truth
	// fields and kindTruths: the sparse and text fields' values and the
	// ground truth of sparse, bm25 and hybrid points (see bench.Runner).
	fields     []*bench.FieldValues
	kindTruths map[string]*datasets.GroundTruth
	gtS        float64
}

// openWorkload connects the workload's target and checks the plan's
// indexes; with preflight it refuses a collection the run
// may not touch before any dataset work; then it reads the dataset and,
// with truth, computes (or reads cached) exact ground truth. The caller
// closes the target.
func openWorkload(ctx context.Context, spec *workloads.Spec, topts targetOptions, progress io.Writer, preflight, truth bool) (*workloadRun, error) {
	w := &workloadRun{plan: workloads.NewPlan(spec)}
	plan := w.plan
	var err error
	if w.target, err = openTarget(ctx, spec, topts, progress); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			w.target.Close()
		}
	}()
	for _, b := range plan.Builds {
		for _, ix := range b.Indexes() {
			if err := w.target.CheckIndex(ix); err != nil {
				return nil, err
			}
		}
	}
	// Fail fast: a collection the run may not touch is refused before the
	// dataset is read and ground truth computed.
	attached := spec.Dataset.Source == workloads.SourceCollection // someone else's collection, read-only
	if p, isP := w.target.(bench.Preflighter); isP && preflight && !attached {
		if err := p.Preflight(ctx, collectionName(spec)); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(progress, "plan   %s, %s, ≥ %s of measurement\n", workloads.Count(len(plan.Builds), "build", "builds"), workloads.Count(plan.Trials(), "trial", "trials"), plan.MeasureTime())
	_, dense := spec.DenseField()
	switch {
	case attached:
		w.ds, err = attachCollection(ctx, w.target, spec, plan, progress)
	case !dense:
		w.ds = bench.RowsOnly(spec, spec.Dataset.Size, spec.Dataset.Queries)
	default:
		w.ds, err = loadDataset(ctx, spec, plan.MaxTopK(), progress)
	}
	if err != nil {
		return nil, err
	}
	if err := loadFields(ctx, w, spec, progress); err != nil {
		return nil, err
	}
	if truth {
		t0 := time.Now()
		cache := datasets.GTCache{Dir: filepath.Join(datasets.CacheDir(os.Getenv), "gt")}
		logf := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
		if spec.HasANN() {
			if w.truths, err = bench.Truths(ctx, w.ds, plan, cache, logf); err != nil {
				return nil, err
			}
			if w.filterTruths, err = bench.FilterTruths(ctx, w.ds, plan, cache, logf); err != nil {
				return nil, err
			}
		}
		if spec.MultiField() {
			info, err := w.target.Describe(ctx)
			if err != nil {
				return nil, err
			}
			if w.kindTruths, err = bench.KindTruths(ctx, w.ds, w.fields, plan, bench.FusionStyleOf(info), cache, logf); err != nil {
				return nil, err
			}
		}
		if err := addRangeGroupTruths(ctx, w, plan, cache, logf); err != nil {
			return nil, err
		}
		w.gtS = time.Since(t0).Seconds()
	}
	ok = true
	return w, nil
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// harnessVersion is the module version, or the VCS revision for a dev build.
func harnessVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))] + dirty
	}
	return v
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the harness version, Go version and embedded engine version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "milvbench %s (%s, %s/%s; embedded engine %s)\n",
				harnessVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, embedded.Version)
		},
	}
}

// addRangeGroupTruths adds the exact answers of the plan's range, group
// and iterator points to the run's kind truths.
func addRangeGroupTruths(ctx context.Context, w *workloadRun, plan *workloads.Plan, cache datasets.GTCache, logf func(format string, args ...any)) error {
	gts, err := bench.RangeGroupTruths(ctx, w.ds, plan, logf)
	if err != nil {
		return err
	}
	its, err := bench.IteratorTruths(ctx, w.ds, plan, cache, logf)
	if err != nil {
		return err
	}
	maps.Copy(gts, its)
	if len(gts) == 0 {
		return nil
	}
	if w.kindTruths == nil {
		w.kindTruths = map[string]*datasets.GroundTruth{}
	}
	maps.Copy(w.kindTruths, gts)
	return nil
}
