package workloads

import (
	"fmt"
	"math"
)

// MaxTrials bounds the trials one workload may plan. Sweeps multiply (build
// values × search values × request shapes × load levels × repeat), so a
// short file can ask for billions; the plan, and the checks that expand it,
// would never finish. A trial takes seconds, so this is days of runs.
const MaxTrials = 100_000

// checkPlanSize counts the trials the sweeps expand to, index by index,
// without expanding them, and refuses more than MaxTrials.
func checkPlanSize(file string, s *Spec) error {
	total := 0.0
	for i, ix := range s.Indexes {
		if total += indexTrials(s, ix); total > MaxTrials {
			return &Error{File: file, Line: ix.Line, Field: fmt.Sprintf("indexes[%d]", i),
				Msg: fmt.Sprintf("with this index the sweeps expand to %s trials, more than the %d allowed: sweep fewer values or split the workload", countText(total), MaxTrials)}
		}
	}
	return nil
}

// indexTrials is the number of trials NewPlan makes for one indexes entry.
func indexTrials(s *Spec, ix IndexSweep) float64 {
	l := s.Load
	var levels float64
	switch l.Model {
	case LoadOpen:
		levels = float64(len(l.Rate))
	case LoadCapacity:
		levels = 1
	case LoadMixed:
		levels = float64(len(l.Rate)+len(l.Concurrency)) * float64(len(l.InsertRate)) * float64(len(l.InsertBatch))
	case LoadIngest:
		levels = float64(len(l.InsertBatch)) * float64(len(l.InsertConcurrency))
	default:
		levels = float64(len(l.Concurrency))
	}
	n := levels * float64(max(l.Repeat, 1)) * sweepSize(ix.Build)
	if l.Model != LoadIngest { // ingest searches with the first point only
		n *= float64(len(s.Search.TopK)) * float64(len(s.Search.Selectivity)) * float64(len(s.filterNames())) * float64(len(s.Search.NQ)) * sweepSize(ix.Search)
	}
	return n
}

// sweepSize is the number of points a parameter sweep expands to.
func sweepSize(sweep map[string][]Value) float64 {
	n := 1.0
	for _, vs := range sweep {
		n *= float64(len(vs))
	}
	return n
}

func countText(n float64) string {
	if n < 1e15 {
		return fmt.Sprintf("%.0f", n)
	}
	return fmt.Sprintf("%.3g", math.Min(n, math.MaxFloat64))
}
