package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/report"
	"github.com/milvbench/milvbench/tuner"
	"github.com/milvbench/milvbench/workloads"
	"github.com/spf13/cobra"
)

// Plans larger than this are worth tuning rather than running whole.
const (
	bigPlanTrials = 1000
	bigPlanTime   = time.Hour
)

// planWarning warns about a plan whose measurement alone exceeds an hour
// or a thousand trials, and suggests tune; "" for a smaller plan.
func planWarning(plan *workloads.Plan) string {
	n, d := plan.Trials(), plan.MeasureTime()
	if n <= bigPlanTrials && d <= bigPlanTime {
		return ""
	}
	return fmt.Sprintf("warning: this plan runs %d trials and at least %s of measurement (more than %d trials or %s); `milvbench tune %s` searches the same space adaptively and needs a fraction of the trials",
		n, d.Round(time.Second), bigPlanTrials, bigPlanTime, plan.Spec.File)
}

func newTune() *cobra.Command {
	var f runFlags
	formats := defaultFormats()
	cmd := &cobra.Command{
		Use:   "tune WORKLOAD.yaml",
		Short: "Search the workload's sweeps adaptively for the answer to its goals, with a fraction of the grid's trials",
		Long: `Tune reaches the recommendation the full grid (milvbench run) would give
with far fewer trials. It builds every index config of WORKLOAD.yaml once and:

  - finds the smallest value of each search parameter (ef, nprobe,
    search_list, reorder_k, level) that meets goals.recall, by exponential
    search then bisection over the values the workload lists, with quick
    recall passes (every query once, no latency); with only a latency goal
    (goals.p99 or p95), the largest value whose p99 stays within it;
  - gives each config one cheap probe at that setting, at the batch size
    and load level where the best config so far does best (the lightest
    when nothing is measured yet), and measures every batch size (nq) and
    load level only for configs whose probe reaches at least half the best
    so far (successive halving; FLAT, the exact baseline, comes last);
  - stops a batch size's load levels at the first that misses the latency
    goal, and larger batch sizes when the lightest level does.

Writes the same DIR/results.json, recommendation.json and reports as run
(--format: report.md with its figures and report.html by default,
recommendation first); the report states how many trials tune ran and how
many the grid has. Needs goals.recall, goals.p99 or goals.p95.`,
		Example: `  milvbench tune workloads/examples/quickstart.yaml
  milvbench tune workloads/examples/tune200k.yaml --out out/tune200k`,
		Args: workloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadWorkload(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out, progress, watch, done := f.resolve(cmd, spec, "-tune")
			defer done()
			logf := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
			err = runWith(cmd.Context(), spec, out, formats.Formats, false, f.keep, f.topts, progress, watch, driver{name: "tune", drive: func(ctx context.Context, r *bench.Runner) (*bench.Result, error) {
				s, err := r.Open(ctx)
				if err != nil {
					return nil, err
				}
				info, terr := tuner.Tune(ctx, s, r.Plan, logf)
				res, cerr := s.Close(ctx)
				if res != nil {
					res.Tune = info
					if terr != nil {
						res.Complete, res.Stopped = false, terr.Error()
					}
				}
				return res, errors.Join(terr, cerr)
			}})
			if err != nil {
				return err
			}
			return printFormats(cmd.OutOrStdout(), formats, out)
		},
	}
	f.register(cmd, "out/<workload name>-tune")
	addFormatFlag(cmd, &formats)
	return cmd
}

func newRecommend() *cobra.Command {
	var goalsFile, pricingFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recommend DIR",
		Short: "Recompute the recommendation from DIR/results.json, optionally with other goals or prices",
		Long: `Recompute the recommendation of an earlier run or tune from DIR/results.json,
without running anything, and print it as the report's Recommendation
section (markdown) or, with --json, as recommendation.json.

--goals FILE names a YAML file with a goals section (replacing the
workload's goals) and/or a pricing section (merged over the workload's
prices), written as in a workload:

  goals: {recall: 0.99, p99: 10ms, qps: 3000, rows: 50_000_000}
  pricing: {plans: {enterprise: {cu_hour: {performance: 0.2}}}}

--pricing FILE names a pricing table in the format of the default
(tuner/pricing/zilliz-cloud.yaml), e.g. a negotiated price list; its
values replace the default's (and the published figures it overrides no
longer count as conflicting), after the workload's and --goals' prices.`,
		Example: `  milvbench recommend out/quickstart
  milvbench recommend out/quickstart --goals stricter.yaml
  milvbench recommend out/quickstart --pricing contract.yaml
  milvbench recommend out/quickstart --json > rec.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("recommend takes exactly one output directory (holding results.json)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := report.ReadResults(filepath.Join(args[0], report.ResultsFile))
			if err != nil {
				return err
			}
			in, err := tuner.InputsOf(res)
			if err != nil {
				return err
			}
			if goalsFile != "" {
				data, err := os.ReadFile(goalsFile)
				if err != nil {
					return usageError{fmt.Errorf("--goals: %w", err)}
				}
				o, err := workloads.ParseOverrides(goalsFile, data, os.LookupEnv)
				if err != nil {
					return err
				}
				if o.Goals != nil {
					in.Goals = *o.Goals
				}
				if o.Pricing != nil {
					in.Pricing = in.Pricing.Merge(*o.Pricing)
				}
			}
			if pricingFile != "" {
				data, err := os.ReadFile(pricingFile)
				if err != nil {
					return usageError{fmt.Errorf("--pricing: %w", err)}
				}
				p, err := workloads.ParsePricing(pricingFile, data, os.LookupEnv)
				if err != nil {
					return err
				}
				p.File = pricingFile
				in.Pricing = in.Pricing.Merge(*p)
			}
			rec, err := tuner.Recommend(res, in)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rec)
			}
			fmt.Fprint(cmd.OutOrStdout(), report.RecommendationMarkdown(rec))
			return nil
		},
	}
	cmd.Flags().StringVar(&goalsFile, "goals", "", "YAML file with goals and/or pricing to use instead of the workload's")
	cmd.Flags().StringVar(&pricingFile, "pricing", "", "pricing table (the default's format) whose values replace the default prices, e.g. a negotiated price list")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print recommendation.json instead of markdown")
	return cmd
}
