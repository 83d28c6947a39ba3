package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Truth is the exact ground truth a trial's recall is measured against,
// with the filter it was computed under (nil: no filter).
type Truth struct {
	Filter *datasets.Filter
	GT     *datasets.GroundTruth
	// Self, when set, is each query's own id: queries sampled from the
	// base (an attached collection's rows) are not their own neighbours,
	// so a request asks for one more than topk and the query's own row is
	// dropped from its answer before it is scored.
	Self []int64
	// Filters, for a search.filters point, is each query's own filter
	// (Filter is then nil); Share the mean share of rows they pass,
	// FilterName the plan filter and FilterExpr its expression.
	Filters    []*datasets.Filter
	Share      float64
	FilterName string
	FilterExpr string
	// Bands, under tenancy, are the tenant size bands and BandOf each
	// query's band (see tenantBands).
	Bands  []TenantBand
	BandOf []int8
	// Typed holds, per vector type an index entry is built over (its own
	// vector_type), the exact ground truth over the values that type
	// stores, under the same filter.
	Typed map[string]*datasets.GroundTruth
}

// selfIDs is the id of each query's own row in the base, when the queries
// were sampled from it (nil otherwise).
func selfIDs(ds *datasets.Dataset) []int64 {
	if ds.QueryRows == nil {
		return nil
	}
	self := make([]int64, len(ds.QueryRows))
	for q, row := range ds.QueryRows {
		self[q] = int64(row)
		if ds.IDs != nil {
			self[q] = ds.IDs[row]
		}
	}
	return self
}

// Truths returns, for every filter selectivity the plan sweeps (1 meaning no
// filter), the filter and the exact ground truth at the plan's deepest topk,
// read from cache or computed and stored there (an empty cache.Dir disables
// caching). logf, when set, gets one line per ground truth.
func Truths(ctx context.Context, ds *datasets.Dataset, plan *workloads.Plan, cache datasets.GTCache, logf func(format string, args ...any)) (map[float64]Truth, error) {
	out := map[float64]Truth{}
	k := plan.MaxTopK()
	for _, sel := range plan.Selectivities() {
		f, err := ds.Filter(sel)
		if err != nil {
			return nil, err
		}
		opt, key, what := datasets.GTOptions{K: k}, "", ""
		if f != nil {
			opt.Filter, key, what = f.Allow, f.Key, fmt.Sprintf(" under filter %q (selectivity %g)", f.Expr, sel)
		}
		t0 := time.Now()
		gt, hit, err := datasets.GroundTruthFor(ctx, ds, opt, key, cache)
		if err != nil {
			return nil, fmt.Errorf("ground truth%s: %w", what, err)
		}
		if logf != nil {
			how := "computed"
			if hit {
				how = "cached"
			}
			logf("truth  exact top-%d for %d queries%s %s in %.2fs", gt.K, len(gt.IDs), what, how, time.Since(t0).Seconds())
		}
		out[sel] = Truth{Filter: f, GT: gt, Self: selfIDs(ds)}
		for _, vt := range indexVectorTypes(plan, ds) {
			tds, err := ds.As(ctx, vt)
			if err != nil {
				return nil, err
			}
			t0 := time.Now()
			tgt, hit, err := datasets.GroundTruthFor(ctx, tds, opt, key, cache)
			if err != nil {
				return nil, fmt.Errorf("ground truth over %s%s: %w", vt, what, err)
			}
			if logf != nil {
				logf("truth  exact top-%d for %d queries over %s%s %s in %.2fs", tgt.K, len(tgt.IDs), vt, what, map[bool]string{true: "cached", false: "computed"}[hit], time.Since(t0).Seconds())
			}
			t := out[sel]
			if t.Typed == nil {
				t.Typed = map[string]*datasets.GroundTruth{}
			}
			t.Typed[vt] = tgt
			out[sel] = t
		}
	}
	return out, nil
}

// FilterTruths returns, for every search.filters filter of the plan (by
// its plan name), each query's bound filter and the exact ground truth of
// every query among the rows its own filter passes, read from cache or
// computed and stored there. logf, when set, gets one line per filter.
func FilterTruths(ctx context.Context, ds *datasets.Dataset, plan *workloads.Plan, cache datasets.GTCache, logf func(format string, args ...any)) (map[string]Truth, error) {
	fps := plan.Spec.FilterPoints()
	if len(fps) == 0 {
		return nil, nil
	}
	if ds.Payload == nil {
		return nil, fmt.Errorf("bench: the plan has filters but the dataset has no payload")
	}
	out := map[string]Truth{}
	k := plan.MaxTopK()
	for _, fp := range fps {
		t0 := time.Now()
		filters, shares, err := ds.Payload.QueryFilters(fp, len(ds.Queries), plan.Spec.Dataset.Seed)
		if err != nil {
			return nil, err
		}
		gt, hit, err := datasets.FilteredTruth(ctx, ds, k, filters, cache)
		if err != nil {
			return nil, fmt.Errorf("ground truth under filter %s: %w", fp.Name, err)
		}
		mean, spread := datasets.ShareSummary(shares)
		if logf != nil {
			how := "computed"
			if hit {
				how = "cached"
			}
			logf("truth  exact top-%d for %d queries under filter %s (%s), %s, %s in %.2fs", gt.K, len(gt.IDs), fp.Name, fp.Expr, spread, how, time.Since(t0).Seconds())
		}
		t := Truth{Filters: filters, GT: gt, Share: mean, FilterName: fp.Name, FilterExpr: fp.Expr}
		if fp.Tenant {
			t.Bands, t.BandOf = tenantBands(ds.Payload, filters)
			if logf != nil {
				for _, b := range t.Bands {
					logf("tenant %s: %d tenants of %d..%d rows", b.Name, b.Tenants, b.MinRows, b.MaxRows)
				}
			}
		}
		out[fp.Name] = t
	}
	return out, nil
}

// filterFor is query q's filter (nil: none).
func (t Truth) filterFor(q int) *datasets.Filter {
	if t.Filters != nil {
		return t.Filters[q]
	}
	return t.Filter
}

// indexVectorTypes are the vector types index entries of the plan are
// built over that differ from the dataset's, in plan order.
func indexVectorTypes(plan *workloads.Plan, ds *datasets.Dataset) []string {
	var out []string
	for _, b := range plan.Builds {
		vt := b.Index.VectorType
		if vt == "" || vt == ds.Info.VectorType || (vt == workloads.VectorFloat && ds.Info.VectorType == "") || slices.Contains(out, vt) {
			continue
		}
		out = append(out, vt)
	}
	return out
}
