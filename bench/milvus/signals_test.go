package milvus

import (
	"context"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvus-io/milvus/pkg/v2/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestScrapeMilvusMetrics serves Milvus's own metric definitions (its
// metrics package, registered in a Prometheus registry with the process
// collector) over HTTP as Prometheus text, scrapes them twice around some
// traffic, and checks the values and the rates over the interval.
func TestScrapeMilvusMetrics(t *testing.T) {
	// Milvus's metrics are package globals: start them from zero.
	metrics.ProxySQLatency.Reset()
	metrics.ProxyFunctionCall.Reset()
	metrics.ProxyRateLimitReqCount.Reset()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.ProxySQLatency, metrics.ProxyFunctionCall, metrics.ProxyRateLimitReqCount)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	// Two proxies, two collections: the reader must sum over them.
	search := func(node, coll string, n int, ms float64) {
		for range n {
			metrics.ProxySQLatency.WithLabelValues(node, "search", "default", coll).Observe(ms)
			metrics.ProxyFunctionCall.WithLabelValues(node, "Search", metrics.SuccessLabel, "default", coll).Inc()
		}
	}
	search("1", "a", 10, 3)
	metrics.ProxySQLatency.WithLabelValues("1", "query", "default", "a").Observe(500) // not a search
	ctx := context.Background()
	m0, err := scrapeMetrics(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if m0.RSSBytes <= 0 || math.IsNaN(m0.CPUSeconds) || m0.SearchOK != 10 || !math.IsNaN(m0.SearchFailed) || m0.SearchLatency == nil || m0.SearchLatency.Count != 10 {
		t.Fatalf("first scrape: %+v", m0)
	}
	search("1", "a", 90, 3)
	search("2", "b", 10, 100) // the slow tenth: p99 falls in (64, 128] ms
	metrics.ProxyFunctionCall.WithLabelValues("2", "Search", metrics.FailLabel, "default", "b").Add(4)
	metrics.ProxyRateLimitReqCount.WithLabelValues("2", "DQLSearch", metrics.FailLabel).Add(6)
	metrics.ProxyRateLimitReqCount.WithLabelValues("2", "DQLSearch", metrics.TotalLabel).Add(100)
	m1, err := scrapeMetrics(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	prev := bench.ServerSignals{Metrics: m0}
	s := bench.NewServerSample(2, bench.ServerSignals{Metrics: m1}, &prev, 2)
	check := func(name string, got *float64, lo, hi float64) {
		t.Helper()
		if got == nil || *got < lo || *got > hi {
			t.Errorf("%s = %v, want in [%g, %g]", name, got, lo, hi)
		}
	}
	check("search qps", s.SearchQPS, 50, 50)         // 100 more successes over 2s
	check("failed/s", s.SearchFailedPerS, 2, 2)      // 4 over 2s (the first scrape had no such series: 0)
	check("rate limited/s", s.RateLimitedPerS, 3, 3) // 6 rejections over 2s
	check("mean ms", s.SearchMeanMS, 12.6, 12.8)     // (90·3 + 10·100) / 100
	check("p99 ms", s.SearchP99MS, 64, 128)
	check("cpu cores", s.CPUCores, 0, 64)
	if s.RSSBytes != m1.RSSBytes || !s.Flagged() {
		t.Errorf("sample %+v: rss or rate-limit flag", s)
	}
}

// TestScrapeErrors: a bad endpoint is an error naming it, never a panic.
func TestScrapeErrors(t *testing.T) {
	srv := httptest.NewServer(promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{}))
	srv.Close()
	if _, err := scrapeMetrics(context.Background(), srv.URL); err == nil || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("closed server: %v", err)
	}
	if _, err := parseMetrics(strings.NewReader("process_cpu_seconds_total{ 12\n")); err == nil {
		t.Error("malformed text accepted")
	}
	m, err := parseMetrics(strings.NewReader("# TYPE other gauge\nother 1\n"))
	if err != nil || !math.IsNaN(m.RSSBytes) || m.SearchLatency != nil {
		t.Errorf("text without Milvus series: %+v, %v", m, err)
	}
}
