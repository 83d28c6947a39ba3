package bench

import (
	"context"
	"fmt"

	"github.com/milvbench/milvbench/workloads"
)

// ingestTrial measures insert throughput and latency at one batch size and
// insert concurrency (load model ingest).
func (s *Session) ingestTrial(ctx context.Context, pt workloads.SearchPoint) (Trial, error) {
	return Trial{}, fmt.Errorf("bench: load model ingest is not implemented yet")
}
