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

// mergeTrial merges the same trial of every shard (parts[i] from shards[i])
// into the run's trial: load, counts and errors summed, histograms merged,
// the window the union of the active shards' windows, recall over the union
// of the queries they answered, one row per shard, and the interval series
// merged. It fails when the shards ran different trials or a part does not
// decode.
func mergeTrial(parts []bench.Trial, shards []Input) (bench.Trial, error) {
	if err := checkSameTrial(parts, shards); err != nil {
		return bench.Trial{}, err
	}
	m := newTrialMerge(parts[0])
	for i, p := range parts {
		if err := m.add(p, shards[i]); err != nil {
			return bench.Trial{}, err
		}
	}
	out, err := m.finish()
	if err != nil {
		return bench.Trial{}, err
	}
	out.Shards = shardRows(parts, shards, m.start)
	if out.Series, err = mergeSeries(parts, m.start); err != nil {
		return bench.Trial{}, err
	}
	return out, nil
}

// checkSameTrial reports an error unless every part is the same trial
// (trialKey) as the first: shards that ran different plans.
func checkSameTrial(parts []bench.Trial, shards []Input) error {
	key := trialKey(parts[0])
	for i, p := range parts {
		if k := trialKey(p); k != key {
			return fmt.Errorf("%s has %s where %s has %s: the shards ran different plans", shards[i].Source, k, shards[0].Source, key)
		}
	}
	return nil
}

// trialMerge accumulates the shards' parts of one trial.
type trialMerge struct {
	out         bench.Trial // the first part, its sums cleared (clearedTrial), then summed into
	firstActive bool        // whether the first part took part in the trial

	latency, service, client *hdrhistogram.Histogram
	haveService, haveClient  bool // every active part so far had that histogram

	start, end time.Time       // the union of the active parts' windows
	recall     map[int]float64 // per query answered: its recall
	reasons    []string        // why each generator-bound shard was
}

func newTrialMerge(first bench.Trial) *trialMerge {
	return &trialMerge{
		out: clearedTrial(first), firstActive: active(first),
		latency: bench.NewHistogram(), service: bench.NewHistogram(), client: bench.NewHistogram(),
		haveService: true, haveClient: true,
		recall: map[int]float64{},
	}
}

// clearedTrial is t with what the merge sums or rebuilds cleared: the
// per-shard rows, answered queries, series, load, requests and errors. What
// the shards share (index, search point, repetition, …) stays.
func clearedTrial(t bench.Trial) bench.Trial {
	t.Shards, t.Answered, t.Series = nil, nil, nil
	t.Load.Concurrency, t.Load.Rate, t.Load.AchievedRate = 0, 0, 0
	t.Load.GeneratorBound, t.Load.GeneratorReason, t.Load.InFlightBound, t.Load.Unsent, t.Load.SendLagMS = false, "", false, 0, nil
	t.Requests, t.Errors = 0, bench.ErrorCounts{}
	return t
}

// add merges one shard's part: every part adds its load, counts and latency
// histogram; a part that took part in the trial (active) also gives the
// latency kind, service and client histograms, answered queries and window.
// It fails on a histogram that does not decode or a malformed answered
// record, naming in.Source.
func (m *trialMerge) add(p bench.Trial, in Input) error {
	m.addLoad(p, in.Result.Shard.Index)
	if err := mergeInto(m.latency, p.Histogram); err != nil {
		return fmt.Errorf("%s: latency histogram: %w", in.Source, err)
	}
	if !active(p) {
		return nil
	}
	if m.out.Load.Latency == "" || !m.firstActive {
		m.out.Load.Latency = p.Load.Latency
	}
	if err := m.addServiceClient(p, in.Source); err != nil {
		return err
	}
	if err := m.addAnswered(p, in.Source); err != nil {
		return err
	}
	m.widenWindow(p)
	return nil
}

// addLoad adds p's offered and achieved load, requests and errors to the
// merged trial, noting why shard's generator was the bound if it was.
func (m *trialMerge) addLoad(p bench.Trial, shard int) {
	l := &m.out.Load
	l.Concurrency += p.Load.Concurrency
	l.Rate += p.Load.Rate
	l.AchievedRate += p.Load.AchievedRate
	l.InFlightBound = l.InFlightBound || p.Load.InFlightBound
	l.Unsent += p.Load.Unsent
	if p.Load.GeneratorBound {
		l.GeneratorBound = true
		m.reasons = append(m.reasons, fmt.Sprintf("shard %d: %s", shard, p.Load.GeneratorReason))
	}
	m.out.Requests += p.Requests
	m.out.Errors.Merge(p.Errors)
}

// addServiceClient merges p's service and client histograms. Once an active
// part lacks one kind, that kind is no longer merged (and not reported).
func (m *trialMerge) addServiceClient(p bench.Trial, source string) error {
	m.haveService = m.haveService && p.ServiceHistogram != ""
	if m.haveService {
		if err := mergeInto(m.service, p.ServiceHistogram); err != nil {
			return fmt.Errorf("%s: service histogram: %w", source, err)
		}
	}
	m.haveClient = m.haveClient && p.ClientHistogram != ""
	if m.haveClient {
		if err := mergeInto(m.client, p.ClientHistogram); err != nil {
			return fmt.Errorf("%s: client histogram: %w", source, err)
		}
	}
	return nil
}

// addAnswered records the recall of each query p answered; a query several
// shards answered keeps the first one's. It fails when p has recall but no
// per-query record, or queries and recall values that do not pair up.
func (m *trialMerge) addAnswered(p bench.Trial, source string) error {
	if p.Answered == nil && p.RecallN > 0 {
		return fmt.Errorf("%s: no per-query recall in the shard's trial (written by an older milvbench?)", source)
	}
	a := p.Answered
	if a == nil {
		return nil
	}
	if len(a.Queries) != len(a.Recall) {
		return fmt.Errorf("%s: answered: %d queries but %d recall values", source, len(a.Queries), len(a.Recall))
	}
	for j, q := range a.Queries {
		if _, ok := m.recall[q]; !ok {
			m.recall[q] = a.Recall[j]
		}
	}
	return nil
}

// widenWindow widens the merged window to cover p's measured window.
func (m *trialMerge) widenWindow(p bench.Trial) {
	ps, pe := p.Started, p.Started.Add(time.Duration(p.Load.WindowS*float64(time.Second)))
	if m.start.IsZero() || ps.Before(m.start) {
		m.start = ps
	}
	if pe.After(m.end) {
		m.end = pe
	}
}

// finish returns the merged trial without its shard rows and series: the
// union window with QPS over it, the summaries and encodings of the merged
// histograms, and recall over the union of the answered queries.
func (m *trialMerge) finish() (bench.Trial, error) {
	out := m.out
	out.Load.GeneratorReason = strings.Join(m.reasons, "; ")
	ok := m.latency.TotalCount()
	window := m.end.Sub(m.start).Seconds()
	out.Started = m.start
	out.Load.WindowS = window
	out.QPS, out.QueriesPerS = 0, 0
	if window > 0 {
		out.QPS = float64(ok) / window
		out.QueriesPerS = float64(ok) * float64(out.Search.NQ) / window
	}
	var err error
	if out.LatencyMS, out.Histogram, err = bench.DigestHistogram(m.latency); err != nil {
		return bench.Trial{}, err
	}
	if out.ServiceMS, out.ServiceHistogram, err = optionalSummary(m.service, m.haveService); err != nil {
		return bench.Trial{}, err
	}
	if out.ClientMS, out.ClientHistogram, err = optionalSummary(m.client, m.haveClient); err != nil {
		return bench.Trial{}, err
	}
	out.Recall, out.RecallN = unionRecall(m.recall), len(m.recall)
	rs := make([]float64, 0, len(m.recall))
	for _, r := range m.recall {
		rs = append(rs, r)
	}
	out.RecallDist = bench.NewRecallDist(rs) // sorts: map order does not matter
	return out, nil
}

// optionalSummary is h's summary and encoding, or nil and "" when the kind
// is not reported (have false) or h holds no samples.
func optionalSummary(h *hdrhistogram.Histogram, have bool) (*bench.LatencyMS, string, error) {
	if !have || h.TotalCount() == 0 {
		return nil, "", nil
	}
	s, enc, err := bench.DigestHistogram(h)
	if err != nil {
		return nil, "", err
	}
	return &s, enc, nil
}

// unionRecall is the mean recall over the queries in recall, 0 when there
// are none. It sums in query order, so the result never depends on map order.
func unionRecall(recall map[int]float64) float64 {
	if len(recall) == 0 {
		return 0
	}
	qs := make([]int, 0, len(recall))
	for q := range recall {
		qs = append(qs, q)
	}
	sort.Ints(qs)
	sum := 0.0
	for _, q := range qs {
		sum += recall[q]
	}
	return sum / float64(len(qs))
}

// shardRows is the merged trial's row for each shard: its own load, counts
// and results, and for an active shard the offset of its window's start
// from start, the merged window's.
func shardRows(parts []bench.Trial, shards []Input, start time.Time) []bench.ShardTrial {
	var rows []bench.ShardTrial
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
		rows = append(rows, st)
	}
	return rows
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
			sm, enc, err := bench.DigestHistogram(a.h)
			if err != nil {
				return nil, err
			}
			n := a.h.TotalCount()
			p := bench.IntervalPoint{StartS: a.from, LengthS: a.till - a.from, Count: n, Errors: a.errs, Histogram: enc}
			if p.LengthS > 0 {
				p.QPS = float64(n) / p.LengthS
			}
			if n > 0 {
				p.P50MS, p.P99MS, p.MaxMS = sm.P50, sm.P99, sm.Max
			}
			s.Points = append(s.Points, p)
		}
		out = append(out, s)
	}
	return out, nil
}
