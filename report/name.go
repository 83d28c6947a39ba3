package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// TrialName names what a trial measured, independent of how it came out:
// index type, build params, search params, topk, nq, filter selectivity and
// load level, as slash-separated key=value parts in that order, e.g.
//
//	index=HNSW/M=16/efConstruction=200/ef=64/topk=10/nq=1/c=8
//
// Trials of two runs with the same name measured the same thing (compare
// matches them by it), trials of one run with the same name are repeats of
// each other, and it is the sub-benchmark name of the benchstat output.
func TrialName(t bench.Trial) string {
	parts := []string{"index=" + nameValue(t.Index.Type)}
	if t.Search.Layout != "" {
		parts = append(parts, "layout="+nameValue(t.Search.Layout))
	}
	if t.Search.Scalar != "" {
		parts = append(parts, "scalar="+nameValue(t.Search.Scalar))
	}
	parts = append(parts, kindParts(t)...)
	parts = append(parts, paramParts(t.Index.Build)...)
	parts = append(parts, paramParts(t.Search.Params)...)
	parts = append(parts, "topk="+strconv.Itoa(t.Search.TopK), "nq="+strconv.Itoa(t.Search.NQ))
	switch {
	case t.Search.FilterName != "":
		parts = append(parts, "filter="+nameValue(t.Search.FilterName))
	case t.Search.Selectivity > 0 && t.Search.Selectivity < 1:
		parts = append(parts, "filter="+strconv.FormatFloat(t.Search.Selectivity, 'g', -1, 64))
	}
	return strings.Join(append(parts, loadParts(t.Load)...), "/")
}

// loadParts names the load level: c=N for the closed loop, which is the
// default model; otherwise the model's name, then its levels (offered rate,
// insert stream or batch, inserters). A repeat number is not part of it.
func loadParts(l bench.LoadInfo) []string {
	var parts []string
	if l.Model != "" && l.Model != workloads.LoadClosed {
		parts = append(parts, "load="+nameValue(l.Model))
	}
	if l.Concurrency > 0 {
		parts = append(parts, "c="+strconv.Itoa(l.Concurrency))
	}
	for _, p := range []struct {
		key string
		v   float64
	}{{"rate", l.Rate}, {"insert_rate", l.InsertRate}, {"batch", float64(l.InsertBatch)}, {"inserters", float64(l.InsertConcurrency)}} {
		if p.v > 0 {
			parts = append(parts, p.key+"="+strconv.FormatFloat(p.v, 'g', -1, 64))
		}
	}
	return parts
}

// paramParts renders params as key=value parts with keys sorted.
func paramParts(p workloads.Params) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = nameValue(k) + "=" + nameValue(fmt.Sprint(p[k]))
	}
	return parts
}

// nameValue keeps a name part on one benchmark-name field: no spaces, and no
// slash or equals sign, which separate parts and keys.
func nameValue(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '/', '=':
			return '_'
		}
		return r
	}, s)
}

// group is the trials of one run that share a TrialName: one trial, or the
// repeats of one.
type group struct {
	name   string
	trials []bench.Trial
}

// groupTrials groups trials by name, in the order each name first appears.
func groupTrials(trials []bench.Trial) []group {
	var out []group
	at := map[string]int{}
	for _, t := range trials {
		n := TrialName(t)
		i, ok := at[n]
		if !ok {
			i = len(out)
			at[n] = i
			out = append(out, group{name: n})
		}
		out[i].trials = append(out[i].trials, t)
	}
	return out
}

// pointLabel names a trial's index config and search point for a legend:
// everything but the load level.
func pointLabel(t bench.Trial) string {
	s := t.Index.String()
	if t.Search.Layout != "" {
		s += " [" + t.Search.Layout + "]"
	}
	if sp := workloads.FormatParams(t.Search.Params); sp != "" {
		s += " " + strings.Trim(sp, "()")
	}
	if k := kindText(t); k != "" {
		s += " " + k
	}
	s += fmt.Sprintf(" k=%d nq=%d", t.Search.TopK, t.Search.NQ)
	switch {
	case t.Search.FilterName != "":
		s += " filter=" + t.Search.FilterName
	case t.Search.Selectivity > 0 && t.Search.Selectivity < 1:
		s += fmt.Sprintf(" filter=%g", t.Search.Selectivity)
	}
	return s
}

// trialLabel is pointLabel with the trial's number and load level.
func trialLabel(t bench.Trial) string {
	return fmt.Sprintf("#%d %s %s", t.ID, pointLabel(t), strings.Join(loadParts(t.Load), " "))
}

// levelText is a trial's load level for tables: "c=2", "rate=500/s",
// "rate=500/s, generator-bound".
func levelText(l bench.LoadInfo) string {
	parts := workloads.SearchPoint{Concurrency: l.Concurrency, Rate: l.Rate, InsertRate: l.InsertRate,
		InsertBatch: l.InsertBatch, InsertConcurrency: l.InsertConcurrency}.LevelParts()
	if l.GeneratorBound {
		parts = append(parts, "generator-bound")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
