package bench

import (
	"slices"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Tenant size bands: the tenants ranked by rows, the largest 10% (at
// least one), the smallest half, and the median ones between.
const (
	BandSmall   = "small"
	BandMedian  = "median"
	BandLargest = "largest"
)

// TenantBand describes one band of tenants and, in a trial, the requests
// sent to its tenants.
type TenantBand struct {
	Name    string `json:"name"`
	Tenants int    `json:"tenants"`
	// MinRows and MaxRows bound the band's tenants' sizes.
	MinRows int `json:"min_rows"`
	MaxRows int `json:"max_rows"`
	// In a trial: the band's answered queries, their recall and per-query
	// recall distribution, and the latency of the band's requests.
	Queries    int         `json:"queries,omitempty"`
	Recall     float64     `json:"recall,omitempty"`
	RecallDist *RecallDist `json:"recall_dist,omitempty"`
	Requests   int64       `json:"requests,omitempty"`
	LatencyMS  *LatencyMS  `json:"latency_ms,omitempty"`
}

// tenantBands ranks the tenants of the payload's tenant field by rows and
// returns the bands and each query's band (by its filter's tenant).
func tenantBands(p *datasets.Payload, filters []*datasets.Filter) ([]TenantBand, []int8) {
	var col int = -1
	for i, f := range p.Fields {
		if f.Name == workloads.TenantField {
			col = i
		}
	}
	if col < 0 {
		return nil, nil
	}
	sizes := map[int64]int{}
	for _, v := range p.Column(col) {
		if t, ok := v.Any().(int64); ok {
			sizes[t]++
		}
	}
	n := p.Fields[col].Values
	type ts struct {
		t    int64
		rows int
	}
	rank := make([]ts, n)
	for t := range n {
		rank[t] = ts{int64(t), sizes[int64(t)]}
	}
	slices.SortStableFunc(rank, func(a, b ts) int { return b.rows - a.rows })
	largest := max(1, n/10)
	small := n / 2
	bandOf := map[int64]int8{}
	bands := []TenantBand{{Name: BandSmall}, {Name: BandMedian}, {Name: BandLargest}}
	for i, r := range rank {
		b := int8(1)
		switch {
		case i < largest:
			b = 2
		case i >= n-small:
			b = 0
		}
		bandOf[r.t] = b
		tb := &bands[b]
		if tb.Tenants == 0 || r.rows < tb.MinRows {
			tb.MinRows = r.rows
		}
		tb.MaxRows = max(tb.MaxRows, r.rows)
		tb.Tenants++
	}
	of := make([]int8, len(filters))
	for q, f := range filters {
		of[q] = -1
		if f != nil && f.Tenanted {
			of[q] = bandOf[f.Tenant]
		}
	}
	return bands, of
}

// bandRec records each band's request latency in a trial.
type bandRec struct {
	of    []int8 // query → band (-1 none)
	tally []*Tally
}

func newBandRec(of []int8, bands, slots int) *bandRec {
	if of == nil {
		return nil
	}
	b := &bandRec{of: of, tally: make([]*Tally, bands)}
	for i := range b.tally {
		b.tally[i] = NewTally(slots)
	}
	return b
}

// record counts a request of queries idx (its first query's band).
func (b *bandRec) record(slot int, idx []int, d time.Duration) {
	if b == nil || len(idx) == 0 {
		return
	}
	if band := b.of[idx[0]]; band >= 0 {
		b.tally[band].Record(slot, d)
	}
}

// bandResults fills a trial's bands: the queries answered in each, their
// recall, and the latency of the requests recorded.
func bandResults(bands []TenantBand, b *bandRec, ans *answers, gt *datasets.GroundTruth, k int) []TenantBand {
	if b == nil || bands == nil {
		return nil
	}
	out := slices.Clone(bands)
	per := make([][]float64, len(out))
	for qi, ids := range ans.ids {
		if ans.seen[qi].Load() && b.of[qi] >= 0 {
			per[b.of[qi]] = append(per[b.of[qi]], Recall(gt, qi, k, ids))
		}
	}
	for i := range out {
		rs := per[i]
		out[i].Queries = len(rs)
		if d := NewRecallDist(rs); d != nil {
			out[i].Recall, out[i].RecallDist = d.Mean, d
		}
		h := b.tally[i].Histogram()
		out[i].Requests = h.TotalCount()
		if h.TotalCount() > 0 {
			s := Summarize(h)
			out[i].LatencyMS = &s
		}
	}
	return out
}
