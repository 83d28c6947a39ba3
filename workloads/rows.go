package workloads

import (
	"fmt"
	"math"
	"strings"
)

// RowPlan is how many base rows a plan puts into the collection, and when:
// the preload before the first index build, then (mixed and ingest) the
// rows the trials insert, in id order, from the rows beyond the preload.
// The counts are upper bounds: a mixed write stream that falls behind
// its rate inserts or deletes fewer.
type RowPlan struct {
	// Size is dataset.size (0: a file dataset whose size is not known yet).
	Size int
	// Preload is the rows inserted before the first build: all of them
	// unless dataset.preload is set.
	Preload int
	// Inserted is the most rows the trials insert, at most Size − Preload.
	// Wanted is what the mixed model's insert streams would insert at
	// their full rates; beyond Size − Preload they stop early.
	Inserted int
	Wanted   int
	// Deleted is the most preloaded rows the mixed delete stream removes.
	Deleted int
	// Builds holds, per index build in plan order, the most rows in the
	// collection when it is built (rows inserted by the trials of the
	// builds before it included).
	Builds []int
}

// Rows works out the plan's RowPlan.
func (p *Plan) Rows() RowPlan {
	ds, l := p.Spec.Dataset, p.Spec.Load
	rp := RowPlan{Size: ds.Size, Preload: PreloadRows(ds.Preload, ds.Size)}
	left := ds.Size - rp.Preload
	deletable := 0 // the preloaded rows the delete stream may remove
	if l.DeleteRate > 0 {
		deletable = rp.Preload
		if l.UpsertRate > 0 {
			deletable = rp.Preload / 2
		}
	}
	// paced is the most rows a paced write stream sends in one measured
	// window: call i is due at i·batch/rate, for every i before the end.
	paced := func(rate float64, batch int) int {
		return int(math.Ceil(rate*l.Duration.D().Seconds()/float64(batch)-1e-9)) * batch
	}
	visible := rp.Preload
	for _, b := range p.Builds {
		rp.Builds = append(rp.Builds, visible)
		for _, pt := range b.Points {
			ins, del := 0, 0
			switch l.Model {
			case LoadMixed:
				ins = paced(pt.InsertRate, pt.InsertBatch)
				rp.Wanted += ins
				if l.DeleteRate > 0 {
					del = min(paced(l.DeleteRate, pt.InsertBatch), deletable)
				}
			case LoadIngest:
				ins = p.IngestRowBudget()
			}
			ins = min(ins, left)
			left -= ins
			deletable -= del
			rp.Inserted += ins
			rp.Deleted += del
			visible += ins - del
		}
	}
	return rp
}

// stages describes the insert stage and the rows the trials write, for
// Summary: the stages line's insert, and the rows line (mixed and ingest
// only; "" otherwise).
func (p *Plan) stages() (insert, rows string) {
	rp := p.Rows()
	s := p.Spec
	batch := s.Insert.Batch
	if rp.Size == 0 {
		return fmt.Sprintf("1 insert of the base set (batches of ≤ %d)", batch), ""
	}
	batches := Count((rp.Preload+batch-1)/batch, "batch", "batches")
	insert = fmt.Sprintf("1 insert of %d rows (%s of ≤ %d)", rp.Preload, batches, batch)
	if s.Load.Model != LoadMixed && s.Load.Model != LoadIngest {
		return insert, ""
	}
	insert = fmt.Sprintf("1 insert of %d of the %d rows before the first build (dataset.preload %g; %s of ≤ %d)",
		rp.Preload, rp.Size, s.Dataset.Preload, batches, batch)
	beyond := rp.Size - rp.Preload
	var b strings.Builder
	fmt.Fprintf(&b, "%d preloaded; the trials insert up to %d more", rp.Preload, rp.Inserted)
	switch s.Load.Model {
	case LoadMixed:
		fmt.Fprintf(&b, " (insert streams at %v rows/s for %s each", s.Load.InsertRate, s.Load.Duration)
		if rp.Wanted > beyond {
			fmt.Fprintf(&b, " would need %d, but only %d exist beyond the preload: the stream stops when they run out, ids are never reused", rp.Wanted, beyond)
		} else {
			fmt.Fprintf(&b, ", of the %d beyond the preload", beyond)
		}
		b.WriteString(")")
		if rp.Deleted > 0 {
			fmt.Fprintf(&b, " and delete up to %d preloaded", rp.Deleted)
		}
	case LoadIngest:
		fmt.Fprintf(&b, " (%d trials × their share of %d, warm-up included, of the %d beyond the preload)", p.Trials(), p.IngestRowBudget(), beyond)
	}
	fmt.Fprintf(&b, "; up to %d in the collection after the last trial", rp.Preload+rp.Inserted-rp.Deleted)
	return insert, b.String()
}

// buildRows says over how many rows the plan's index builds run.
func (rp RowPlan) buildRows() string {
	if len(rp.Builds) == 0 || rp.Size == 0 {
		return ""
	}
	lo, hi := rp.Builds[0], rp.Builds[0]
	for _, n := range rp.Builds {
		lo, hi = min(lo, n), max(hi, n)
	}
	if lo == hi {
		return fmt.Sprintf(" over %d rows", lo)
	}
	return fmt.Sprintf(" over %d to up to %d rows", lo, hi)
}

// Count writes n and the noun for n of them ("1 build", "3 builds").
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
