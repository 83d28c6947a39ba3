package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Runner executes a Plan against a Target on a Dataset.
type Runner struct {
	Target Target
	Plan   *workloads.Plan
	Data   *datasets.Dataset
	// Truths holds, per filter selectivity of the plan (1: no filter), the
	// filter and the exact ground truth under it (see Truths).
	Truths map[float64]Truth
	// Collection names the collection to create; RunID marks it as this run's.
	Collection string
	RunID      string
	// Keep leaves the collection in place after the run.
	Keep bool
	// Harness is the harness version recorded in provenance.
	Harness string
	// Progress receives one line per stage and trial; nil discards it.
	Progress io.Writer
}

func (r *Runner) logf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

// Run performs the whole plan and returns the measurements. The collection is
// dropped at the end (also on failure) unless Keep is set.
func (r *Runner) Run(ctx context.Context) (res *Result, err error) {
	plan, ds := r.Plan, r.Data
	for _, b := range plan.Builds {
		if err := r.Target.CheckIndex(b.Index); err != nil {
			return nil, err
		}
	}
	for _, sel := range plan.Selectivities() {
		t, ok := r.Truths[sel]
		if !ok || t.GT == nil || t.GT.K < plan.MaxTopK() || len(t.GT.IDs) != len(ds.Queries) || (sel < 1) != (t.Filter != nil) {
			return nil, fmt.Errorf("bench: no ground truth covering %d queries at depth %d for selectivity %g", len(ds.Queries), plan.MaxTopK(), sel)
		}
	}
	info, err := r.Target.Describe(ctx)
	if err != nil {
		return nil, err
	}
	res = &Result{
		Provenance: Provenance{
			Harness: r.Harness, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
			Cores: runtime.NumCPU(), Started: time.Now().UTC(), RunID: r.RunID, Target: info,
		},
		Workload: plan.Spec,
		Dataset:  ds.Info,
	}
	spec := CollectionSpec{Name: r.Collection, Dim: ds.Info.Dim, Metric: ds.Info.Metric, RunID: r.RunID, Rows: ds.Base.Size(), Labels: ds.Labels}
	if err := r.Target.Create(ctx, spec); err != nil {
		return nil, err
	}
	if !r.Keep {
		defer func() {
			// Drop even when ctx was cancelled: the collection is ours.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if derr := r.Target.Drop(dctx); derr != nil && err == nil {
				err = derr
			}
		}()
	}
	insertS, err := r.insert(ctx)
	if err != nil {
		return nil, err
	}
	if p, ok := r.Target.(NetworkProber); ok {
		res.NetworkFloor = probeNetwork(ctx, p, networkProbes)
		r.logf("net    floor p50=%.3fms p99=%.3fms over %d round trips (%d errors)",
			res.NetworkFloor.P50MS, res.NetworkFloor.P99MS, res.NetworkFloor.Probes, res.NetworkFloor.Errors)
	}
	total, done := plan.Trials(), 0
	for _, b := range plan.Builds {
		r.logf("build  %s ...", b.Index)
		t0 := time.Now()
		if err := r.Target.BuildIndex(ctx, b.Index); err != nil {
			return nil, fmt.Errorf("build %s: %w", b.Index, err)
		}
		buildS := time.Since(t0).Seconds()
		t0 = time.Now()
		if err := r.Target.Load(ctx); err != nil {
			return nil, fmt.Errorf("load %s: %w", b.Index, err)
		}
		loadS := time.Since(t0).Seconds()
		var mem int64
		if m, ok := r.Target.(MemoryReporter); ok {
			mem = m.IndexMemoryBytes()
		}
		r.logf("build  %s done: build %.2fs, load %.2fs", b.Index, buildS, loadS)
		for _, pt := range b.Points {
			done++
			tr, err := r.trial(ctx, b.Index, pt)
			if err != nil {
				return nil, err
			}
			tr.ID = len(res.Trials) + 1
			tr.TimingsS = Timings{Insert: insertS, Build: buildS, Load: loadS}
			tr.IndexBytes = mem
			res.Trials = append(res.Trials, tr)
			filter := ""
			if pt.Selectivity < 1 {
				filter = fmt.Sprintf(" filter=%g", pt.Selectivity)
			}
			r.logf("trial  %d/%d %s %s topk=%d nq=%d%s c=%d: qps=%.0f p99=%.3fms recall=%.4f errors=%d",
				done, total, b.Index.Type, workloads.FormatParams(pt.Params), pt.TopK, pt.NQ, filter, pt.Concurrency,
				tr.QPS, tr.LatencyMS.P99, tr.Recall, tr.Errors.Total)
		}
		if err := r.Target.Release(ctx); err != nil {
			return nil, fmt.Errorf("release %s: %w", b.Index, err)
		}
		if err := r.Target.DropIndex(ctx); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", b.Index, err)
		}
	}
	res.Provenance.Finished = time.Now().UTC()
	return res, nil
}

// insert streams the base set into the target in batches and flushes.
func (r *Runner) insert(ctx context.Context) (float64, error) {
	base, batch := r.Data.Base, r.Plan.Spec.Insert.Batch
	size := base.Size()
	start, lastLog := time.Now(), time.Now()
	ids := make([]int64, 0, batch)
	err := base.Scan(ctx, batch, func(first int64, vecs [][]float32) error {
		ids = ids[:0]
		for i := range vecs {
			ids = append(ids, first+int64(i))
		}
		if err := r.Target.Insert(ctx, ids, vecs); err != nil {
			return fmt.Errorf("insert rows %d..%d: %w", first, first+int64(len(vecs))-1, err)
		}
		if n := int(first) + len(vecs); time.Since(lastLog) > time.Second || n == size {
			lastLog = time.Now()
			r.logf("insert %d/%d (%.0f%%) %.0f rows/s", n, size, 100*float64(n)/float64(size), float64(n)/time.Since(start).Seconds())
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := r.Target.Flush(ctx); err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return time.Since(start).Seconds(), nil
}

// trial warms up, then measures one search point.
func (r *Runner) trial(ctx context.Context, idx workloads.IndexConfig, pt workloads.SearchPoint) (Trial, error) {
	load := r.Plan.Spec.Load
	queries := r.Data.Queries
	truth, filter := r.Truths[pt.Selectivity].GT, r.Truths[pt.Selectivity].Filter
	if load.Warmup > 0 {
		closedLoop(ctx, r.Target, queries, pt, filter, r.Plan.Spec.Search.OutputFields, load.Warmup.D(), nil)
	}
	ans := newAnswers(len(queries))
	w := closedLoop(ctx, r.Target, queries, pt, filter, r.Plan.Spec.Search.OutputFields, load.Duration.D(), ans)
	if err := ctx.Err(); err != nil {
		return Trial{}, err
	}
	recall, n := 0.0, 0
	for qi, ids := range ans.ids {
		if ans.seen[qi].Load() {
			recall += Recall(truth, qi, pt.TopK, ids)
			n++
		}
	}
	if n > 0 {
		recall /= float64(n)
	}
	enc, err := EncodeHistogram(w.hist)
	if err != nil {
		return Trial{}, fmt.Errorf("encode histogram: %w", err)
	}
	secs := w.elapsed.Seconds()
	return Trial{
		Index:  idx,
		Search: SearchInfo{Params: pt.Params, TopK: pt.TopK, NQ: pt.NQ, Selectivity: pt.Selectivity, Filter: filterExpr(filter)},
		Load: LoadInfo{
			Model: load.Model, Concurrency: pt.Concurrency,
			WarmupS: load.Warmup.D().Seconds(), DurationS: load.Duration.D().Seconds(), WindowS: secs,
			Latency: "service time (closed loop)",
		},
		Recall:      recall,
		RecallN:     n,
		QPS:         float64(w.ok) / secs,
		QueriesPerS: float64(w.ok) * float64(pt.NQ) / secs,
		Requests:    w.ok + w.errs.Total,
		LatencyMS:   Summarize(w.hist),
		Errors:      w.errs,
		Histogram:   enc,
	}, nil
}

// networkProbes is how many round trips measure the network floor.
const networkProbes = 200

// probeNetwork times n sequential cheap round trips.
func probeNetwork(ctx context.Context, p NetworkProber, n int) *NetworkFloor {
	h := NewHistogram()
	nf := &NetworkFloor{Probes: n}
	for range n {
		t0 := time.Now()
		if err := p.ProbeNetwork(ctx); err != nil {
			nf.Errors++
			continue
		}
		RecordLatency(h, time.Since(t0))
	}
	s := Summarize(h)
	nf.P50MS, nf.P99MS, nf.MaxMS = s.P50, s.P99, s.Max
	return nf
}

func filterExpr(f *datasets.Filter) string {
	if f == nil {
		return ""
	}
	return f.Expr
}
