package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/scaleout"
	"github.com/milvbench/milvbench/workloads"
	"github.com/spf13/cobra"
)

// Scale-out: one workload split over several generator processes or pods
// against one collection. prepare sets the collection up once, run --shard
// measures a share of every trial, merge merges the shards' results
// exactly, cleanup drops the collection.

// joinWait bounds how long a shard waits for the prepared collection to be
// loaded (prepare may still be building it when the shards start).
const joinWait = 30 * time.Minute

func newPrepare() *cobra.Command {
	var statePath, startIn, trialGap string
	var build int
	var quiet bool
	var topts targetOptions
	cmd := &cobra.Command{
		Use:   "prepare WORKLOAD.yaml --state FILE",
		Short: "Set up the collection of a scale-out run once, for run --shard",
		Long: `Create the workload's collection, insert the base set, build one index
configuration of the plan and load it, through the same code as run, and
leave it for the generators (milvbench run --shard i/N --state FILE). Writes
the state file — run id, collection, workload hash, the prepared build, and
the trial clock's start when --start-in is given — and prints it as the last
line on stdout (so a Kubernetes Job's log carries it).

A plan with several index configurations is measured one build at a time:
--build K prepares the K-th (0-based; required when there are several).
Preparing again with the same --state file and workload reuses the
collection and its rows (dropping the previous index) and builds the next;
run the shards and merge between builds.

Scale-out runs the closed and open load models (capacity, mixed and ingest
are refused), against target kind milvus.`,
		Example: `  milvbench prepare w.yaml --state state.json --start-in 1m
  milvbench prepare w.yaml --state state.json --build 1   # the next index config, same rows`,
		Args: workloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadWorkload(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := checkScaleOut(spec); err != nil {
				return err
			}
			if statePath == "" {
				return usageError{errors.New("prepare needs --state FILE: the file the shards and cleanup read")}
			}
			plan := workloads.NewPlan(spec)
			if !cmd.Flags().Changed("build") && len(plan.Builds) > 1 {
				var names []string
				for i, b := range plan.Builds {
					names = append(names, fmt.Sprintf("%d: %s", i, b.Index))
				}
				return usageError{fmt.Errorf("the plan has %d index builds (%s): prepare builds one at a time; pass --build K, and prepare again with the same --state for the next", len(plan.Builds), strings.Join(names, ", "))}
			}
			if build < 0 || build >= len(plan.Builds) {
				return usageError{fmt.Errorf("--build %d: the plan has builds 0..%d", build, len(plan.Builds)-1)}
			}
			var in, gap time.Duration
			if startIn != "" {
				if in, err = time.ParseDuration(startIn); err != nil || in <= 0 {
					return usageError{fmt.Errorf("--start-in %q: want a positive duration, e.g. 2m", startIn)}
				}
			}
			gap = bench.DefaultTrialGap(spec.Load)
			if trialGap != "" {
				if gap, err = time.ParseDuration(trialGap); err != nil || gap < 0 {
					return usageError{fmt.Errorf("--trial-gap %q: want a duration ≥ 0, e.g. 5s", trialGap)}
				}
			}
			progress := cmd.ErrOrStderr()
			if quiet {
				progress = io.Discard
			}
			st, err := prepare(cmd.Context(), spec, statePath, build, gap, topts, progress)
			if err != nil {
				return err
			}
			if in > 0 {
				st.StartAt = time.Now().Add(in).UTC().Truncate(time.Millisecond)
			}
			if err := st.Write(statePath); err != nil {
				return err
			}
			line, err := st.Line()
			if err != nil {
				return err
			}
			fmt.Fprintf(progress, "state  %s: run %s, collection %s, %s loaded", statePath, st.RunID, st.Collection, st.Index)
			if !st.StartAt.IsZero() {
				fmt.Fprintf(progress, "; first trial at %s", st.StartAt.Format(time.RFC3339Nano))
			}
			fmt.Fprintln(progress)
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", line)
			return err
		},
	}
	cmd.Flags().StringVar(&statePath, "state", "", "write the run's state to `FILE` (reused, with the same workload, to prepare the next build)")
	cmd.Flags().IntVar(&build, "build", 0, "prepare the plan's `K`-th index build (0-based; required when the plan has several)")
	cmd.Flags().StringVar(&startIn, "start-in", "", "write a trial clock start this long after prepare ends (e.g. 2m); otherwise every shard needs --start-at")
	cmd.Flags().StringVar(&trialGap, "trial-gap", "", "slack between trial slots for the last requests and recording (default 2s or a tenth of warm-up + duration)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	cmd.Flags().StringVar(&topts.allowForeign, "allow-foreign", "", "drop and recreate this collection even though milvbench did not create it")
	return cmd
}

// checkScaleOut refuses workloads a scale-out run cannot split.
func checkScaleOut(spec *workloads.Spec) error {
	if spec.Target.Kind != workloads.TargetMilvus {
		return usageError{fmt.Errorf("%s: scale-out needs target kind milvus (the embedded engine lives inside one process; generators in other processes cannot share it)", spec.File)}
	}
	if err := bench.CheckShardable(spec.Load); err != nil {
		return usageError{fmt.Errorf("%s: %w", spec.File, err)}
	}
	if spec.MultiField() {
		return usageError{fmt.Errorf("%s: fields (sparse, text) cannot be scaled out yet (shards join a collection of one dense vector); run it with one generator", spec.File)}
	}
	if spec.Search.Iterator != nil {
		return usageError{fmt.Errorf("%s: search kind iterator cannot be scaled out yet (merge tells shards' trials apart by index, params, topk and nq only); run it with one generator", spec.File)}
	}
	if spec.Search.Range != nil || spec.Search.Group != nil {
		return usageError{fmt.Errorf("%s: search kinds range and group cannot be scaled out yet (merge tells shards' trials apart by index, params, topk and nq only); run them with one generator", spec.File)}
	}
	if spec.Dataset.Source == workloads.SourceCollection {
		return usageError{fmt.Errorf("%s: dataset.source collection cannot be scaled out yet (prepare creates and fills a collection of its own); run it with one generator", spec.File)}
	}
	return nil
}

// prepare makes (or, when statePath holds a state of the same workload,
// reuses) the run's collection and builds and loads the build's index.
func prepare(ctx context.Context, spec *workloads.Spec, statePath string, build int, gap time.Duration, topts targetOptions, progress io.Writer) (*scaleout.State, error) {
	runID, resume := newRunID(), false
	if old, err := scaleout.ReadState(statePath); err == nil && old.WorkloadHash == spec.Hash() {
		runID, resume = old.RunID, true
		fmt.Fprintf(progress, "state  %s: run %s, reusing its collection %s if it is still there\n", statePath, runID, old.Collection)
	}
	if _, err := resolveRunCluster(ctx, spec, progress); err != nil {
		return nil, err
	}
	w, err := openWorkload(ctx, spec, topts, progress, true, false)
	if err != nil {
		return nil, err
	}
	defer w.target.Close()
	r := &bench.Runner{
		Target: w.target, Plan: w.plan, Data: w.ds, Fields: w.fields,
		Collection: collectionName(spec), RunID: runID, Resume: resume,
		Harness: harnessVersion(), Progress: progress,
	}
	timings, mem, err := r.Prepare(ctx, build)
	if err != nil {
		return nil, err
	}
	info, _ := w.target.Describe(ctx)
	return &scaleout.State{
		RunID: runID, WorkloadHash: spec.Hash(), WorkloadFile: spec.File, Target: info.Details["uri"],
		Collection: collectionName(spec), Rows: w.ds.Base.Size(),
		Build: build, Builds: len(w.plan.Builds), Index: w.plan.Builds[build].Index, Trials: len(w.plan.Builds[build].Points),
		TimingsS: timings, IndexBytes: mem, Prepared: time.Now().UTC(), TrialGapS: gap.Seconds(),
	}, nil
}

// shardFlags are run's scale-out flags.
type shardFlags struct {
	shard, state, startAt string
	resultLine            bool
}

func (f *shardFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.shard, "shard", "", "run as generator `i/N` of a prepared scale-out run (with --state): its share of every trial")
	cmd.Flags().StringVar(&f.state, "state", "", "the state `FILE` milvbench prepare wrote (or its log)")
	cmd.Flags().StringVar(&f.startAt, "start-at", "", "start the first trial at this `TIME` (RFC 3339, the same for every shard; default: the state's start)")
	cmd.Flags().BoolVar(&f.resultLine, "result-line", false, "print the shard's results as one JSON line last on stdout (for kubectl logs | milvbench merge)")
}

func (f *shardFlags) set() bool {
	return f.shard != "" || f.state != "" || f.startAt != "" || f.resultLine
}

// runShard is `milvbench run --shard i/N --state FILE`: this generator's
// share of every trial of the prepared build, into out.
func runShard(ctx context.Context, spec *workloads.Spec, out string, reports report.Formats, f shardFlags, topts targetOptions, progress io.Writer, watch func(bench.TrialStatus), stdout io.Writer) (err error) {
	if f.shard == "" || f.state == "" {
		return usageError{errors.New("--shard i/N and --state FILE go together (milvbench prepare writes the state file)")}
	}
	if topts.allowForeign != "" {
		return usageError{errors.New("--allow-foreign does not apply to a shard: it never creates or drops the collection")}
	}
	shard, err := bench.ParseShard(f.shard)
	if err != nil {
		return usageError{err}
	}
	if err := checkScaleOut(spec); err != nil {
		return err
	}
	st, err := scaleout.ReadState(f.state)
	if err != nil {
		return err
	}
	if err := st.Check(spec, f.state); err != nil {
		return usageError{err}
	}
	var startAt time.Time
	if f.startAt != "" {
		if startAt, err = time.Parse(time.RFC3339Nano, f.startAt); err != nil {
			return usageError{fmt.Errorf("--start-at %q: want an RFC 3339 time, e.g. 2025-06-01T12:00:00Z", f.startAt)}
		}
	}
	clock, err := st.Clock(spec.Load, startAt)
	if err != nil {
		return usageError{err}
	}
	if late := time.Since(clock.Start); late > 0 {
		return usageError{fmt.Errorf("the first trial's start %s passed %s ago: give every shard the same later --start-at", clock.Start.UTC().Format(time.RFC3339), late.Round(time.Second))}
	}
	cluster, err := resolveRunCluster(ctx, spec, progress)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	fmt.Fprintf(progress, "shard  %s of run %s: %s, first trial at %s, a trial every %s\n", shard, st.RunID, st.Index, clock.Start.UTC().Format(time.RFC3339Nano), clock.Slot)
	w, err := openWorkload(ctx, spec, topts, progress, false, true)
	if err != nil {
		return err
	}
	defer w.target.Close()
	journal, err := report.CreateJournal(out, report.JournalHeader{RunID: st.RunID, WorkloadHash: spec.Hash(), Workload: spec.File, Started: time.Now().UTC()})
	if err != nil {
		return err
	}
	defer func() {
		if jerr := journal.Close(); jerr != nil && err == nil {
			err = jerr
		}
	}()
	r := &bench.Runner{
		Target: w.target, Plan: w.plan, Data: w.ds, Truths: w.truths, FilterTruths: w.filterTruths, Fields: w.fields, KindTruths: w.kindTruths,
		Collection: st.Collection, RunID: st.RunID, Keep: true,
		Harness: harnessVersion(), Progress: progress, Watch: watch,
		OnPoint: journal.Add, OnError: spec.Load.OnError,
		Shard: &bench.ShardRun{
			Shard: shard, Build: st.Build, Clock: clock, WorkloadHash: st.WorkloadHash,
			Timings: st.TimingsS, IndexBytes: st.IndexBytes, Wait: joinWait,
		},
	}
	res, runErr := r.RunShard(ctx)
	if res == nil {
		return runErr
	}
	res.GroundTruthS = w.gtS
	res.Cluster = cluster
	res.PeakRSSBytes = peakRSS()
	res.BaseBytes = int64(w.ds.Info.Size) * int64(w.ds.Info.Dim) * 4
	if err := report.WriteWith(out, res, reports); err != nil {
		return errors.Join(runErr, fmt.Errorf("write report: %w", err))
	}
	if f.resultLine {
		line, err := scaleout.ShardLine(res)
		if err != nil {
			return errors.Join(runErr, err)
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if runErr != nil {
		return fmt.Errorf("shard %s stopped after %d trials: %w; partial results in %s", shard, len(res.Trials), runErr, filepath.Join(out, report.ResultsFile))
	}
	fmt.Fprintf(progress, "done   %s\n", filepath.Join(out, report.ResultsFile))
	return nil
}

func newMerge() *cobra.Command {
	var out string
	formats := defaultFormats()
	cmd := &cobra.Command{
		Use:   "merge SHARD...",
		Short: "Merge the results of every shard of a scale-out run into one",
		Long: `Merge what every generator of one scale-out run measured: each SHARD is an
output directory of milvbench run --shard, its results.json, or a log holding
the shards' result lines (kubectl logs of the shard Job's pods, run with
--result-line). Per trial the latency histograms are merged (percentiles come
from the union of the samples, never averaged), request and error counts
summed, the measured window is the union of the shards' windows (QPS is all
successes over it), recall is over the union of the queries the shards
answered, and the interval series are merged interval by interval. Writes
DIR/results.json, recommendation.json, latency.hlog and, like run, the
reports --format names (default report.md with its figures and report.html,
with the generators and each one's achieved rate; benchstat prints Go
benchmark lines on stdout).

Refused: results that are not shards, shards of different runs, workloads or
builds, and a set with a shard missing or given twice. The clock spread (how
far apart the shards' windows started) is reported, with a warning when it
is large against load.interval.`,
		Example: `  milvbench merge out/w-shard0 out/w-shard1 out/w-shard2 --out out/w
  kubectl logs -l job-name=milvbench-shards --tail=1 --max-log-requests=64 > shards.log
  milvbench merge shards.log --out out/w`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("merge takes the shards' output directories, results files or logs")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ins, err := scaleout.ReadShards(args)
			if err != nil {
				return err
			}
			res, err := scaleout.Merge(ins)
			if err != nil {
				return err
			}
			if out == "" {
				name := "merged"
				if res.Workload != nil {
					name = res.Workload.Name
				}
				out = filepath.Join("out", name)
			}
			if err := report.WriteWith(out, res, formats.Formats); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			printMerge(cmd.ErrOrStderr(), res)
			fmt.Fprintf(cmd.ErrOrStderr(), "done   %s\n", reportPaths(out, formats.Formats))
			if formats.benchstat {
				if err := report.WriteBenchstat(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			}
			if !res.Complete {
				return fmt.Errorf("merged %d trials, but the run is incomplete: %s", len(res.Trials), res.Stopped)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory (default out/<workload name>)")
	addFormatFlag(cmd, &formats)
	return cmd
}

// printMerge prints one line per merged trial with each shard's part.
func printMerge(w io.Writer, res *bench.Result) {
	g := res.Generators
	fmt.Fprintf(w, "merge  %d generators of run %s; clock spread %.1f ms\n", g.Count, res.Provenance.RunID, g.ClockSpreadMS)
	for _, tr := range res.Trials {
		var parts []string
		for _, s := range tr.Shards {
			part := fmt.Sprintf("#%d qps=%.0f p99=%.3fms", s.Shard, s.QPS, s.P99MS)
			if s.Rate > 0 {
				part += fmt.Sprintf(" achieved=%.0f/s", s.AchievedRate)
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "trial  %d %s %s: qps=%.0f p99=%.3fms p999=%.3fms recall=%.4f requests=%d [%s]\n",
			tr.ID, tr.Index, workloads.FormatParams(tr.Search.Params), tr.QPS, tr.LatencyMS.P99, tr.LatencyMS.P999, tr.Recall, tr.Requests, strings.Join(parts, "; "))
	}
	if g.Warning != "" {
		fmt.Fprintf(w, "warn   %s\n", g.Warning)
	}
}

func newCleanup() *cobra.Command {
	var statePath string
	cmd := &cobra.Command{
		Use:   "cleanup [WORKLOAD.yaml] --state FILE",
		Short: "Drop the collection of a scale-out run",
		Long: `Drop the collection milvbench prepare made, after checking it still carries
the milvbench marker with the state's run id (a collection without it, or of
another run, is refused). The server and token come from WORKLOAD.yaml, by
default the workload file prepare recorded in the state. A collection that is
already gone is not an error.`,
		Example: `  milvbench cleanup --state state.json
  milvbench cleanup w.yaml --state state.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{errors.New("cleanup takes at most one workload file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if statePath == "" {
				return usageError{errors.New("cleanup needs --state FILE (what milvbench prepare wrote)")}
			}
			st, err := scaleout.ReadState(statePath)
			if err != nil {
				return err
			}
			file := st.WorkloadFile
			if len(args) == 1 {
				file = args[0]
			}
			if file == "" {
				return usageError{fmt.Errorf("%s names no workload file: pass the workload", statePath)}
			}
			spec, err := loadWorkload(file, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return cleanup(cmd.Context(), spec, st, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&statePath, "state", "", "the state `FILE` milvbench prepare wrote (or its log)")
	return cmd
}

// adopter is a target that can take over a collection of a run for
// cleanup, after checking its marker.
type adopter interface {
	Adopt(ctx context.Context, c bench.CollectionSpec) (bool, error)
}

func cleanup(ctx context.Context, spec *workloads.Spec, st *scaleout.State, progress io.Writer) error {
	if spec.Target.Kind != workloads.TargetMilvus {
		return usageError{fmt.Errorf("%s: scale-out runs use target kind milvus; nothing to clean up", spec.File)}
	}
	target, err := openTarget(ctx, spec, targetOptions{}, progress)
	if err != nil {
		return err
	}
	defer target.Close()
	a, ok := target.(adopter)
	if !ok {
		return fmt.Errorf("target cannot clean up a scale-out run")
	}
	has, err := a.Adopt(ctx, bench.CollectionSpec{Name: st.Collection, RunID: st.RunID})
	if err != nil {
		return err
	}
	if !has {
		fmt.Fprintf(progress, "cleanup collection %s of run %s is gone already\n", st.Collection, st.RunID)
		return nil
	}
	if err := target.Drop(ctx); err != nil {
		return err
	}
	fmt.Fprintf(progress, "cleanup dropped collection %s of run %s\n", st.Collection, st.RunID)
	return nil
}
