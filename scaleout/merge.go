package scaleout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// ShardResultVersion names the one-line form of a shard's results that
// `milvbench run --shard` prints last on stdout, for `kubectl logs`.
const ShardResultVersion = "milvbench-shard-result/1"

type shardLine struct {
	Version string        `json:"milvbench_shard_result"`
	Result  *bench.Result `json:"result"`
}

// ShardLine is res as one JSON line that ReadShards finds in a log.
func ShardLine(res *bench.Result) ([]byte, error) {
	return json.Marshal(shardLine{Version: ShardResultVersion, Result: res})
}

// Input is one shard's results and where they were read from.
type Input struct {
	Source string
	Result *bench.Result
}

// ReadShards reads shard results from each path: an output directory of
// `milvbench run --shard` (its results.json), a results.json file, or a
// log holding result lines (`kubectl logs`, one or several shards, with or
// without --prefix).
func ReadShards(paths []string) ([]Input, error) {
	var out []Input
	for _, p := range paths {
		in, err := readShardPath(p)
		if err != nil {
			return nil, err
		}
		out = append(out, in...)
	}
	return out, nil
}

func readShardPath(path string) ([]Input, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: no such results directory or log file", path)
	}
	if st.IsDir() {
		path = filepath.Join(path, "results.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && !bytes.Contains(t[:min(len(t), 64)], []byte("milvbench_shard_result")) {
		var res bench.Result
		if err := json.Unmarshal(t, &res); err != nil {
			return nil, fmt.Errorf("%s: not a milvbench results file: %v", path, err)
		}
		return []Input{{Source: path, Result: &res}}, nil
	}
	var out []Input
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		i := strings.Index(text, `{"milvbench_shard_result"`)
		if i < 0 {
			continue
		}
		var l shardLine
		if err := json.Unmarshal([]byte(text[i:]), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: shard result line: %v (cut short? a log line may be truncated by the log collector: use the results volume)", path, line, err)
		}
		if l.Version != ShardResultVersion || l.Result == nil {
			return nil, fmt.Errorf("%s:%d: shard result format %q, this milvbench reads %q", path, line, l.Version, ShardResultVersion)
		}
		out = append(out, Input{Source: fmt.Sprintf("%s:%d", path, line), Result: l.Result})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no shard results in it (a results directory or file of milvbench run --shard, or a log with its last line)", path)
	}
	return out, nil
}

// spreadWarnShare is the clock spread, as a share of the interval, above
// which merge warns: the shards' interval histograms then cover visibly
// different moments.
const spreadWarnShare = 0.1

// Merge merges the results of every shard of one scale-out run into the
// results of the run: for each trial the latency histograms are merged
// (percentiles are read from the union, never averaged), counts and error
// classes summed, the measured window is the union of the shards' windows
// (QPS = all successes over it), recall is over the union of the queries
// the shards answered, and the interval series are merged interval by
// interval. It refuses inputs that are not shards, shards of different
// runs, workloads or builds, and a set with a shard missing or repeated.
// Trials are merged as far as every shard got; a shard that stopped early
// leaves the merge incomplete.
func Merge(ins []Input) (*bench.Result, error) {
	if len(ins) == 0 {
		return nil, fmt.Errorf("merge: no shard results given")
	}
	first := ins[0]
	n := 0
	bySlot := map[int]Input{}
	for _, in := range ins {
		sh := in.Result.Shard
		if sh == nil {
			return nil, fmt.Errorf("merge: %s is not a shard's results (no shard section): merge takes what milvbench run --shard wrote", in.Source)
		}
		f := first.Result
		switch {
		case in.Result.Provenance.RunID != f.Provenance.RunID:
			return nil, fmt.Errorf("merge: %s is of run %s, %s of run %s: shards of different runs cannot be merged", in.Source, in.Result.Provenance.RunID, first.Source, f.Provenance.RunID)
		case sh.WorkloadHash != f.Shard.WorkloadHash:
			return nil, fmt.Errorf("merge: %s ran another workload (sha256 %.12s…) than %s (%.12s…)", in.Source, sh.WorkloadHash, first.Source, f.Shard.WorkloadHash)
		case sh.Build != f.Shard.Build:
			return nil, fmt.Errorf("merge: %s measured build %d, %s build %d of the plan", in.Source, sh.Build, first.Source, f.Shard.Build)
		case sh.Count != f.Shard.Count:
			return nil, fmt.Errorf("merge: %s is shard %s, %s shard %s: the runs split the load differently", in.Source, sh.Shard, first.Source, f.Shard.Shard)
		}
		if prev, dup := bySlot[sh.Index]; dup {
			return nil, fmt.Errorf("merge: shard %s given twice (%s and %s)", sh.Shard, prev.Source, in.Source)
		}
		bySlot[sh.Index] = in
		n = sh.Count
	}
	var missing []string
	for i := range n {
		if _, ok := bySlot[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge: shard %s missing: the merged run must hold every generator's load", strings.Join(missing, ", "))
	}
	shards := make([]Input, n)
	for i := range n {
		shards[i] = bySlot[i]
	}
	return merge(shards)
}

func merge(shards []Input) (*bench.Result, error) {
	base := shards[0].Result
	out := &bench.Result{
		Provenance:   base.Provenance,
		Workload:     base.Workload,
		Dataset:      base.Dataset,
		Cluster:      base.Cluster,
		GroundTruthS: base.GroundTruthS,
		BaseBytes:    base.BaseBytes,
		NetworkFloor: base.NetworkFloor,
		Complete:     true,
	}
	gen := &bench.Generators{Count: len(shards)}
	trials := len(base.Trials)
	var stopped []string
	for _, in := range shards {
		r := in.Result
		if r.Provenance.Started.Before(out.Provenance.Started) {
			out.Provenance.Started = r.Provenance.Started
		}
		if r.Provenance.Finished.After(out.Provenance.Finished) {
			out.Provenance.Finished = r.Provenance.Finished
		}
		out.PeakRSSBytes = max(out.PeakRSSBytes, r.PeakRSSBytes)
		gen.Shards = append(gen.Shards, bench.GeneratorInfo{
			Index: r.Shard.Index, Source: in.Source, Harness: r.Provenance.Harness, Cores: r.Provenance.Cores,
			Started: r.Provenance.Started, Finished: r.Provenance.Finished, Complete: r.Complete, Stopped: r.Stopped,
			NetworkFloor: r.NetworkFloor,
		})
		if !r.Complete {
			out.Complete = false
			stopped = append(stopped, fmt.Sprintf("shard %s stopped: %s", r.Shard.Shard, r.Stopped))
		}
		if len(r.Trials) != trials {
			out.Complete = false
			trials = min(trials, len(r.Trials))
		}
	}
	if len(stopped) > 0 {
		out.Stopped = strings.Join(stopped, "; ")
	} else if !out.Complete {
		out.Stopped = "the shards measured different numbers of trials"
	}
	for t := range trials {
		parts := make([]bench.Trial, len(shards))
		for i, in := range shards {
			parts[i] = in.Result.Trials[t]
		}
		tr, err := mergeTrial(parts, shards)
		if err != nil {
			return nil, fmt.Errorf("merge: trial %d: %w", t+1, err)
		}
		tr.ID = t + 1
		out.Trials = append(out.Trials, tr)
		for _, st := range tr.Shards {
			gen.ClockSpreadMS = max(gen.ClockSpreadMS, st.OffsetMS)
		}
	}
	if base.Workload != nil {
		gen.IntervalS = base.Workload.Load.Interval.D().Seconds()
	}
	if gen.IntervalS > 0 && gen.ClockSpreadMS > spreadWarnShare*gen.IntervalS*1000 {
		gen.Warning = fmt.Sprintf("the generators' measured windows started up to %.1f ms apart, %.0f%% of the %gs interval: merged intervals mix different moments of the load (check the hosts' clock sync, e.g. chrony, and the trial slot slack)",
			gen.ClockSpreadMS, 100*gen.ClockSpreadMS/(gen.IntervalS*1000), gen.IntervalS)
	}
	out.Generators = gen
	return out, nil
}

// trialKey is what makes the same trial of two shards the same: the index
// config, the search point and the repetition.
func trialKey(t bench.Trial) string {
	return fmt.Sprintf("%s %s topk=%d nq=%d sel=%g repeat=%d", t.Index, workloads.FormatParams(t.Search.Params), t.Search.TopK, t.Search.NQ, t.Search.Selectivity, t.Load.Repeat)
}

// active reports whether a shard took part in a trial (a shard whose part
// of the load was nothing sits it out).
func active(t bench.Trial) bool { return t.Requests > 0 || t.Load.Concurrency > 0 || t.Load.Rate > 0 }

func mergeTrial(parts []bench.Trial, shards []Input) (bench.Trial, error) {
	key := trialKey(parts[0])
	for i, p := range parts {
		if k := trialKey(p); k != key {
			return bench.Trial{}, fmt.Errorf("%s has %s where %s has %s: the shards ran different plans", shards[i].Source, k, shards[0].Source, key)
		}
	}
	out := parts[0]
	out.Shards, out.Answered, out.Series = nil, nil, nil
	out.Load.Concurrency, out.Load.Rate, out.Load.AchievedRate = 0, 0, 0
	out.Load.GeneratorBound, out.Load.GeneratorReason, out.Load.InFlightBound, out.Load.Unsent, out.Load.SendLagMS = false, "", false, 0, nil
	out.Requests, out.Errors = 0, bench.ErrorCounts{}
	latency, service, client := bench.NewHistogram(), bench.NewHistogram(), bench.NewHistogram()
	haveService, haveClient := true, true
	var start, end time.Time
	recall := map[int]float64{}
	var reasons []string
	for i, p := range parts {
		idx := shards[i].Result.Shard.Index
		out.Load.Concurrency += p.Load.Concurrency
		out.Load.Rate += p.Load.Rate
		out.Load.AchievedRate += p.Load.AchievedRate
		out.Load.InFlightBound = out.Load.InFlightBound || p.Load.InFlightBound
		out.Load.Unsent += p.Load.Unsent
		if p.Load.GeneratorBound {
			out.Load.GeneratorBound = true
			reasons = append(reasons, fmt.Sprintf("shard %d: %s", idx, p.Load.GeneratorReason))
		}
		out.Requests += p.Requests
		out.Errors.Merge(p.Errors)
		if err := mergeInto(latency, p.Histogram); err != nil {
			return bench.Trial{}, fmt.Errorf("%s: latency histogram: %w", shards[i].Source, err)
		}
		if !active(p) {
			continue
		}
		if out.Load.Latency == "" || !active(parts[0]) {
			out.Load.Latency = p.Load.Latency
		}
		haveService = haveService && p.ServiceHistogram != ""
		if haveService {
			if err := mergeInto(service, p.ServiceHistogram); err != nil {
				return bench.Trial{}, fmt.Errorf("%s: service histogram: %w", shards[i].Source, err)
			}
		}
		haveClient = haveClient && p.ClientHistogram != ""
		if haveClient {
			if err := mergeInto(client, p.ClientHistogram); err != nil {
				return bench.Trial{}, fmt.Errorf("%s: client histogram: %w", shards[i].Source, err)
			}
		}
		if p.Answered == nil && p.RecallN > 0 {
			return bench.Trial{}, fmt.Errorf("%s: no per-query recall in the shard's trial (written by an older milvbench?)", shards[i].Source)
		}
		if a := p.Answered; a != nil {
			if len(a.Queries) != len(a.Recall) {
				return bench.Trial{}, fmt.Errorf("%s: answered: %d queries but %d recall values", shards[i].Source, len(a.Queries), len(a.Recall))
			}
			for j, q := range a.Queries {
				if _, ok := recall[q]; !ok {
					recall[q] = a.Recall[j]
				}
			}
		}
		ps, pe := p.Started, p.Started.Add(time.Duration(p.Load.WindowS*float64(time.Second)))
		if start.IsZero() || ps.Before(start) {
			start = ps
		}
		if pe.After(end) {
			end = pe
		}
	}
	out.Load.GeneratorReason = strings.Join(reasons, "; ")
	for i, p := range parts {
		st := bench.ShardTrial{
			Shard: shards[i].Result.Shard.Index, Concurrency: p.Load.Concurrency, Rate: p.Load.Rate, AchievedRate: p.Load.AchievedRate,
			GeneratorBound: p.Load.GeneratorBound, GeneratorReason: p.Load.GeneratorReason,
			Requests: p.Requests, Errors: p.Errors.Total, QPS: p.QPS, P99MS: p.LatencyMS.P99, Recall: p.Recall,
			Started: p.Started, WindowS: p.Load.WindowS,
		}
		if active(p) {
			st.OffsetMS = float64(p.Started.Sub(start).Microseconds()) / 1000
		}
		out.Shards = append(out.Shards, st)
	}
	ok := latency.TotalCount()
	window := end.Sub(start).Seconds()
	out.Started = start
	out.Load.WindowS = window
	out.QPS, out.QueriesPerS = 0, 0
	if window > 0 {
		out.QPS = float64(ok) / window
		out.QueriesPerS = float64(ok) * float64(out.Search.NQ) / window
	}
	out.LatencyMS = bench.Summarize(latency)
	var err error
	if out.Histogram, err = bench.EncodeHistogram(latency); err != nil {
		return bench.Trial{}, err
	}
	out.ServiceMS, out.ServiceHistogram = nil, ""
	if haveService && service.TotalCount() > 0 {
		s := bench.Summarize(service)
		out.ServiceMS = &s
		if out.ServiceHistogram, err = bench.EncodeHistogram(service); err != nil {
			return bench.Trial{}, err
		}
	}
	out.ClientMS, out.ClientHistogram = nil, ""
	if haveClient && client.TotalCount() > 0 {
		c := bench.Summarize(client)
		out.ClientMS = &c
		if out.ClientHistogram, err = bench.EncodeHistogram(client); err != nil {
			return bench.Trial{}, err
		}
	}
	out.Recall, out.RecallN = 0, len(recall)
	if len(recall) > 0 {
		qs := make([]int, 0, len(recall))
		for q := range recall {
			qs = append(qs, q)
		}
		sort.Ints(qs)
		sum := 0.0
		for _, q := range qs { // in query order: the same sum every time
			sum += recall[q]
		}
		out.Recall = sum / float64(len(qs))
	}
	series, err := mergeSeries(parts, start)
	if err != nil {
		return bench.Trial{}, err
	}
	out.Series = series
	return out, nil
}

func mergeInto(h *hdrhistogram.Histogram, enc string) error {
	if enc == "" {
		return nil
	}
	p, err := bench.DecodeHistogram(enc)
	if err != nil {
		return err
	}
	h.Merge(p)
	return nil
}

// mergeSeries merges the shards' interval series op by op and interval by
// interval (the shards cut their intervals on the same trial clock, so
// interval k of each covers the same stretch, up to the clock spread).
// Each merged interval starts where its earliest part did, relative to
// the merged window's start.
func mergeSeries(parts []bench.Trial, start time.Time) ([]bench.OpSeries, error) {
	var ops []string
	for _, p := range parts {
		for _, s := range p.Series {
			if !slices.Contains(ops, s.Op) {
				ops = append(ops, s.Op)
			}
		}
	}
	var out []bench.OpSeries
	for _, op := range ops {
		type acc struct {
			h          *hdrhistogram.Histogram
			from, till float64
			errs       int64
			set        bool
		}
		var points []acc
		for _, p := range parts {
			if !active(p) {
				continue
			}
			off := p.Started.Sub(start).Seconds()
			for _, s := range p.Series {
				if s.Op != op {
					continue
				}
				for k, pt := range s.Points {
					for len(points) <= k {
						points = append(points, acc{h: bench.NewHistogram()})
					}
					a := &points[k]
					if err := mergeInto(a.h, pt.Histogram); err != nil {
						return nil, fmt.Errorf("%s interval %d: %w", op, k, err)
					}
					from, till := off+pt.StartS, off+pt.StartS+pt.LengthS
					if !a.set || from < a.from {
						a.from = from
					}
					a.till = max(a.till, till)
					a.set = true
					a.errs += pt.Errors
				}
			}
		}
		s := bench.OpSeries{Op: op}
		for _, a := range points {
			enc, err := bench.EncodeHistogram(a.h)
			if err != nil {
				return nil, err
			}
			n := a.h.TotalCount()
			p := bench.IntervalPoint{StartS: a.from, LengthS: a.till - a.from, Count: n, Errors: a.errs, Histogram: enc}
			if p.LengthS > 0 {
				p.QPS = float64(n) / p.LengthS
			}
			if n > 0 {
				sm := bench.Summarize(a.h)
				p.P50MS, p.P99MS, p.MaxMS = sm.P50, sm.P99, sm.Max
			}
			s.Points = append(s.Points, p)
		}
		out = append(out, s)
	}
	return out, nil
}
