package datasets

import (
	"context"
	"fmt"
)

// Vectors is a Base held in memory (for queries, tests and small sets).
type Vectors [][]float32

// Size implements Base.
func (v Vectors) Size() int { return len(v) }

// Dim implements Base; 0 for an empty set.
func (v Vectors) Dim() int {
	if len(v) == 0 {
		return 0
	}
	return len(v[0])
}

// Scan implements Base.
func (v Vectors) Scan(ctx context.Context, batch int, fn func(first int64, vecs [][]float32) error) error {
	if batch < 1 {
		return fmt.Errorf("dataset: batch must be ≥ 1, got %d", batch)
	}
	for first := 0; first < len(v); first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(int64(first), v[first:min(first+batch, len(v))]); err != nil {
			return err
		}
	}
	return nil
}
