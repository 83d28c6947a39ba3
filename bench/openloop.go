package bench

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/workloads"
)

// openTrial measures one open-loop point (load model open).
func (s *Session) openTrial(ctx context.Context, pt workloads.SearchPoint) (Trial, error) {
	return Trial{}, fmt.Errorf("bench: load model open is not implemented yet")
}
