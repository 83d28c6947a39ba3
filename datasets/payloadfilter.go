package datasets

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/workloads"
	"gonum.org/v1/gonum/stat"
)

// QueryFilters binds the plan filter fp for every query — its fixed
// values, and per query the query's own payload value, a uniform draw or a
// choice, seeded by seed, fp's name and the query's number — and returns
// each query's filter (queries binding to the same expression share one)
// and the share of rows each passes. The passing rows come from the
// expression evaluator over the payload (Milvus Lite's semantics, see
// package expr).
func (p *Payload) QueryFilters(fp workloads.FilterPoint, nq int, seed int64) ([]*Filter, []float64, error) {
	x, err := expr.Parse(fp.Expr)
	if err != nil {
		return nil, nil, fmt.Errorf("filter %s: %w", fp.Name, err)
	}
	byText := map[string]*Filter{}
	out := make([]*Filter, nq)
	shares := make([]float64, nq)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range fp.PerQuery {
			if !yield(k) {
				return
			}
		}
	})
	for q := range nq {
		params := expr.Params{}
		for k, v := range fp.Fixed {
			params[k] = v
		}
		for _, name := range names {
			v, err := p.draw(fp, name, q, seed)
			if err != nil {
				return nil, nil, err
			}
			params[name] = v
		}
		bound, params, err := bindEither(x, params, names)
		if err != nil {
			return nil, nil, fmt.Errorf("filter %s, query %d: %w", fp.Name, q, err)
		}
		text := bound.String()
		f := byText[text]
		if f == nil {
			f, err = p.filter(x, bound, params, fp.Hint)
			if err != nil {
				return nil, nil, fmt.Errorf("filter %s (%s): %w", fp.Name, text, err)
			}
			if fp.Tenant {
				t, ok := params["t"].(int64)
				if !ok {
					return nil, nil, fmt.Errorf("filter %s: tenant %v is not an int64", fp.Name, params["t"])
				}
				f.Tenanted, f.Tenant = true, t
			}
			byText[text] = f
		}
		out[q] = f
		shares[q] = float64(f.Passing) / float64(max(1, p.Rows()))
	}
	return out, shares, nil
}

// bindEither binds params, turning a per-query scalar into a one-element
// list (or a list into its first element) where the expression wants the
// other (`c in {cs}` from a query's own category).
func bindEither(x *expr.Expr, params expr.Params, perQuery []string) (*expr.Expr, expr.Params, error) {
	b, err := x.Bind(params)
	if err == nil {
		return b, params, nil
	}
	for _, name := range perQuery {
		alt := expr.Params{}
		for k, v := range params {
			alt[k] = v
		}
		switch v := params[name].(type) {
		case []int64:
			if len(v) == 0 {
				continue
			}
			alt[name] = v[0]
		case []string:
			if len(v) == 0 {
				continue
			}
			alt[name] = v[0]
		default:
			alt[name] = []any{v}
		}
		if b, err2 := x.Bind(alt); err2 == nil {
			return b, alt, nil
		}
	}
	return nil, nil, err
}

// draw is placeholder name's value for query q.
func (p *Payload) draw(fp workloads.FilterPoint, name string, q int, seed int64) (any, error) {
	ps := fp.PerQuery[name]
	rng := rand.New(rand.NewPCG(uint64(seed)^nameHash(fp.Name+"\x00"+name), uint64(q)))
	switch {
	case ps.Query != "":
		v, ok := p.QueryValue(ps.Query, q)
		if !ok {
			return nil, fmt.Errorf("filter %s: placeholder {%s}: no payload field %q", fp.Name, name, ps.Query)
		}
		x, ok := paramValue(v)
		if !ok {
			return nil, fmt.Errorf("filter %s: placeholder {%s}: query %d has no value of %s", fp.Name, name, q, ps.Query)
		}
		return x, nil
	case ps.Uniform != nil:
		lo, hi := ps.Uniform[0], ps.Uniform[1]
		if ps.UniformInt {
			return int64(lo) + rng.Int64N(int64(hi)-int64(lo)+1), nil
		}
		return lo + rng.Float64()*(hi-lo), nil
	case ps.Choice != nil:
		return ps.Choice[rng.IntN(len(ps.Choice))], nil
	}
	return nil, fmt.Errorf("filter %s: placeholder {%s} has no source", fp.Name, name)
}

// filter evaluates bound over every row.
func (p *Payload) filter(x, bound *expr.Expr, params expr.Params, hint string) (*Filter, error) {
	n := p.Rows()
	words := make([]uint64, (n+63)/64)
	errs := make([]error, (n+255)/256+1)
	parallelRows(n, func(lo, hi int) {
		// Word-aligned ranges so no two goroutines write one word.
		for c := lo / 256; c*256 < hi; c++ {
			if c*256 < lo {
				continue
			}
			for i := c * 256; i < min(n, (c+1)*256); i++ {
				ok, err := bound.Eval(p.Row(i))
				if err != nil {
					errs[c] = err
					return
				}
				if ok {
					words[i>>6] |= 1 << (uint(i) & 63)
				}
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	passing := 0
	for _, w := range words {
		passing += bits.OnesCount64(w)
	}
	tmpl, tparams, err := x.Template(params)
	if err != nil {
		return nil, err
	}
	text := bound.String()
	f := &Filter{
		Expr: text, Key: "payload-v1/" + p.Checksum + "/" + text,
		Template: tmpl, Params: tparams, Bound: bound, Hint: hint, Passing: passing,
	}
	f.Allow = func(id int64) bool {
		return id >= 0 && int(id) < n && words[id>>6]&(1<<(uint(id)&63)) != 0
	}
	return f, nil
}

// FilteredTruth is the exact top-k of every query among the rows its own
// filter passes (filters[q]), read from cache or computed in one pass over
// the base and stored there (an empty cache.Dir disables caching).
func FilteredTruth(ctx context.Context, ds *Dataset, k int, filters []*Filter, cache GTCache) (gt *GroundTruth, hit bool, err error) {
	if len(filters) != len(ds.Queries) {
		return nil, false, fmt.Errorf("filtered ground truth: %d filters for %d queries", len(filters), len(ds.Queries))
	}
	keys := make([]string, len(filters))
	for q, f := range filters {
		keys[q] = f.Key
	}
	key := GTKey(ds.Info.Checksum, ds.Info.Metric, k, "per-query-v1/"+checksumBytes(keys...))
	if cache.Dir != "" {
		gt, err := cache.Get(key)
		if err != nil {
			return nil, false, err
		}
		if gt != nil && gt.K == k && len(gt.IDs) == len(ds.Queries) {
			return gt, true, nil
		}
	}
	gt, err = filteredTopK(ctx, ds.Base, ds.Queries, ds.Info.Metric, k, filters)
	if err != nil {
		return nil, false, err
	}
	if cache.Dir != "" {
		if err := cache.Put(key, gt); err != nil {
			return nil, false, fmt.Errorf("ground truth cache: %w", err)
		}
	}
	return gt, false, nil
}

// filteredTopK scans the base once; for each group of queries sharing a
// filter, each row the filter passes is scored against the group's
// queries. Results are ordered by exact distance then id and keep every
// row tied with the k-th, as ExactTopK's.
func filteredTopK(ctx context.Context, base Base, queries [][]float32, metric workloads.Metric, k int, filters []*Filter) (*GroundTruth, error) {
	groups := map[string][]int{}
	var order []string
	for q, f := range filters {
		if _, ok := groups[f.Key]; !ok {
			order = append(order, f.Key)
		}
		groups[f.Key] = append(groups[f.Key], q)
	}
	sort.Strings(order)
	prepared := make([][]float32, len(queries))
	for q, v := range queries {
		prepared[q] = Prepare(metric, v)
	}
	dist := Distance(metric)
	tops := make([]topK, len(queries))
	for q := range tops {
		tops[q].k = k
	}
	err := base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
		rows := make([][]float32, len(vecs))
		for j, v := range vecs {
			rows[j] = Prepare(metric, v)
		}
		parallelRows(len(order), func(lo, hi int) {
			for _, key := range order[lo:hi] {
				qs := groups[key]
				allow := filters[qs[0]].Allow
				for j, v := range rows {
					id := first + int64(j)
					if !allow(id) {
						continue
					}
					for _, q := range qs {
						tops[q].offer(dist(prepared[q], v), id)
					}
				}
			}
		})
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	gt := &GroundTruth{K: k, IDs: make([][]int64, len(queries)), Dists: make([][]float32, len(queries))}
	for q := range tops {
		gt.IDs[q], gt.Dists[q] = tops[q].result()
	}
	return gt, nil
}

// topK keeps the k nearest rows offered, and every row tied with the
// worst kept one.
type topK struct {
	k    int
	h    candHeap
	ties []candidate
}

func (t *topK) offer(d float32, id int64) {
	c := candidate{a: d, e: d, id: id}
	switch {
	case len(t.h.items) < t.k:
		t.h.push(c)
	case d < t.h.items[0].a:
		t.ties = append(t.ties, t.h.items[0])
		t.h.replaceTop(c)
	case d == t.h.items[0].a:
		t.ties = append(t.ties, c)
	}
}

func (t *topK) result() ([]int64, []float32) {
	items := t.h.items
	if len(items) == t.k && t.k > 0 {
		worst := items[0].a
		for _, c := range t.ties {
			if c.e == worst {
				items = append(items, c)
			}
		}
	}
	slices.SortFunc(items, byExact)
	return cut(items, t.k) // distances as ExactTopK keeps them (Distance's)
}

// ShareSummary is the mean of the per-query pass shares of a filter and
// a log line of their spread (gonum's mean and empirical median).
func ShareSummary(shares []float64) (mean float64, text string) {
	if len(shares) == 0 {
		return 0, ""
	}
	s := slices.Clone(shares)
	slices.Sort(s)
	mean = stat.Mean(s, nil)
	return mean, fmt.Sprintf("passing %.3g of rows on average (min %.3g, median %.3g, max %.3g)", mean, s[0], stat.Quantile(0.5, stat.Empirical, s, nil), s[len(s)-1])
}
