package bench

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/workloads"
)

// mixedTrial measures searches while rows are inserted (load model mixed).
func (s *Session) mixedTrial(ctx context.Context, pt workloads.SearchPoint) (Trial, error) {
	return Trial{}, fmt.Errorf("bench: load model mixed is not implemented yet")
}
