package bench

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/workloads"
)

// capacity searches the highest rate meeting the goals for one point; every
// probe is a trial (load model capacity).
func (s *Session) capacity(ctx context.Context, pt workloads.SearchPoint) ([]Trial, error) {
	return nil, fmt.Errorf("bench: load model capacity is not implemented yet")
}
