package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// kindOf is a trial's search kind ("ann" when it records none).
func kindOf(t bench.Trial) string {
	if t.Search.Kind == "" {
		return workloads.KindANN
	}
	return t.Search.Kind
}

// kindText is what a trial searched beyond its index and parameters:
// "" for a dense ann trial, the kind and field for sparse and bm25, the
// hybrid request for hybrid.
func kindText(t bench.Trial) string {
	switch {
	case t.Search.Hybrid != nil:
		return "hybrid " + t.Search.Hybrid.String()
	case t.Search.Range != nil:
		return "range " + t.Search.Range.String()
	case t.Search.Group != nil:
		return "group " + t.Search.Group.String()
	case t.Search.Iterator != nil:
		return "iterator " + t.Search.Iterator.String()
	case t.Search.Kind != "" && t.Search.Kind != workloads.KindANN:
		return t.Search.Kind + " on " + t.Search.Field
	}
	return ""
}

// searchCell is the trials table's search column: the swept index's
// search parameters, then the kind when it is not a dense ann request.
func searchCell(t bench.Trial) string {
	s := paramsText(t.Search.Params)
	if k := kindText(t); k != "" {
		s += " · " + k
	}
	return s
}

// indexCell is the trials table's index column: the type, after its field
// in a collection with several.
func indexCell(t bench.Trial) string {
	s := t.Index.Type
	if t.Index.Field != "" {
		s = t.Index.Field + ":" + t.Index.Type
	}
	if t.Search.Layout != "" {
		s += " [" + t.Search.Layout + "]"
	}
	if t.Search.Scalar != "" {
		s += " {" + t.Search.Scalar + "}"
	}
	return s
}

// kindParts names a trial's kind in TrialName: nothing for ann, else
// kind=K, and a hybrid request's ranker and sub-requests.
func kindParts(t bench.Trial) []string {
	if t.Index.Field == "" && kindOf(t) == workloads.KindANN {
		return nil
	}
	var parts []string
	if t.Index.Field != "" {
		parts = append(parts, "field="+nameValue(t.Index.Field))
	}
	parts = append(parts, "kind="+nameValue(kindOf(t)))
	if h := t.Search.Hybrid; h != nil {
		parts = append(parts, "request="+nameValue(h.String()))
	}
	if r := t.Search.Range; r != nil {
		parts = append(parts, "radius="+strconv.FormatFloat(r.Radius, 'g', -1, 64))
		if r.RangeFilter != nil {
			parts = append(parts, "range_filter="+strconv.FormatFloat(*r.RangeFilter, 'g', -1, 64))
		}
	}
	if g := t.Search.Group; g != nil {
		parts = append(parts, "group_by="+nameValue(g.Field), "group_size="+strconv.Itoa(g.GroupSize))
		if g.Strict {
			parts = append(parts, "strict_group_size")
		}
	}
	if it := t.Search.Iterator; it != nil {
		parts = append(parts, "batch_size="+strconv.Itoa(it.BatchSize), "limit="+strconv.Itoa(it.Limit))
	}
	return parts
}

// writeHybridCost puts each hybrid trial beside the single-field trial of
// the same build, index parameters, shape and load level (search.kind
// listing both): what fusing the sub-requests costs over the one request.
func writeHybridCost(b *strings.Builder, d *doc) {
	type pair struct{ hybrid, single bench.Trial }
	var pairs []pair
	for _, h := range d.res.Trials {
		if h.Search.Hybrid == nil {
			continue
		}
		for _, s := range d.res.Trials {
			if s.Search.Hybrid == nil && s.Index.String() == h.Index.String() && s.Search.Field == h.Index.Field &&
				workloads.FormatParams(s.Search.Params) == workloads.FormatParams(h.Search.Params) &&
				s.Search.TopK == h.Search.TopK && s.Search.NQ == h.Search.NQ && levelText(s.Load) == levelText(h.Load) && s.Load.Repeat == h.Load.Repeat {
				pairs = append(pairs, pair{h, s})
				break
			}
		}
	}
	if len(pairs) == 0 {
		return
	}
	b.WriteString("## Hybrid requests beside their single-field part\n\n")
	b.WriteString("Each hybrid trial beside the trial of the same index, search parameters, topk and load level that sent only the swept field's request. Recall of each is against its own exact answer (the hybrid's: the same fusion of each field's exact ranking).\n\n")
	b.WriteString("| hybrid # | request | single # | kind | load | QPS hybrid | QPS single | hybrid/single QPS | p99 hybrid (ms) | p99 single (ms) | recall hybrid | recall single |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range pairs {
		ratio := "-"
		if p.single.QPS > 0 {
			ratio = fmt.Sprintf("%.2f", p.hybrid.QPS/p.single.QPS)
		}
		fmt.Fprintf(b, "| %d | %s | %d | %s | %s | %.1f | %.1f | %s | %.3f | %.3f | %.4f | %.4f |\n",
			p.hybrid.ID, strings.ReplaceAll(p.hybrid.Search.Hybrid.String(), "|", "\\|"), p.single.ID, kindOf(p.single), levelText(p.hybrid.Load),
			p.hybrid.QPS, p.single.QPS, ratio, p.hybrid.LatencyMS.P99, p.single.LatencyMS.P99, p.hybrid.Recall, p.single.Recall)
	}
	b.WriteString("\n")
}
