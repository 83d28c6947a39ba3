package bench_test

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/milvbench/milvbench/bench"
)

// Example_mergeHistograms records latencies on two generators, carries each
// histogram as text (as results.json's latency_histogram and a shard's
// results do), and merges them where they are read: percentiles come from
// the union of the samples, never from averaging each part's percentiles.
func Example_mergeHistograms() {
	fast, slow := bench.NewHistogram(), bench.NewHistogram()
	for i := 1; i <= 1000; i++ {
		bench.RecordLatency(fast, time.Duration(i)*time.Microsecond) // 1 µs .. 1 ms
		bench.RecordLatency(slow, time.Duration(i)*time.Millisecond) // 1 ms .. 1 s
	}
	var texts []string
	for _, h := range []*hdrhistogram.Histogram{fast, slow} {
		s, err := bench.EncodeHistogram(h)
		if err != nil {
			fmt.Println(err)
			return
		}
		texts = append(texts, s)
	}

	var parts []*hdrhistogram.Histogram
	for _, s := range texts {
		h, err := bench.DecodeHistogram(s)
		if err != nil {
			fmt.Println(err)
			return
		}
		parts = append(parts, h)
	}
	merged := bench.Merge(parts...)
	lat := bench.Summarize(merged)
	fmt.Printf("samples %d\n", merged.TotalCount())
	fmt.Printf("p50 %.3f ms, p99 %.1f ms, max %.1f ms\n", lat.P50, lat.P99, lat.Max)
	avg := (bench.Summarize(parts[0]).P99 + bench.Summarize(parts[1]).P99) / 2
	fmt.Printf("mean of the parts' p99s %.1f ms (not a percentile of anything)\n", avg)
	// Output:
	// samples 2000
	// p50 1.000 ms, p99 980.5 ms, max 1000.4 ms
	// mean of the parts' p99s 495.6 ms (not a percentile of anything)
}
