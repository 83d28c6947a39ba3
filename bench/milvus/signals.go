package milvus

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// signalTimeout bounds each part of a Signals reading.
const signalTimeout = 2 * time.Second

// Metric names Milvus serves on its metrics port (9091 by default) that
// Signals reads: the process's memory and CPU, and the proxy's search
// counts, rate-limiter rejections and search latency histogram (ms).
const (
	metricRSS         = "process_resident_memory_bytes"
	metricCPU         = "process_cpu_seconds_total"
	metricReqCount    = "milvus_proxy_req_count"
	metricRateLimit   = "milvus_proxy_rate_limit_req_count"
	metricSearchLaten = "milvus_proxy_sq_latency"
)

var _ bench.SignalSource = (*Target)(nil)

// Signals implements bench.SignalSource: the server's CheckHealth answer
// (healthy, reasons, quota states) and, when Config.MetricsURL is set, a
// scrape of its Prometheus metrics. A server that does not implement
// CheckHealth (e.g. Milvus Lite) is asked once and then reported as such.
func (t *Target) Signals(ctx context.Context) bench.ServerSignals {
	var out bench.ServerSignals
	out.Health, out.HealthErr = t.health(ctx)
	if t.cfg.MetricsURL != "" {
		m, err := scrapeMetrics(ctx, t.cfg.MetricsURL)
		if err != nil {
			out.MetricsErr = err.Error()
		}
		out.Metrics = m
	}
	return out
}

func (t *Target) health(ctx context.Context) (*bench.Health, string) {
	const unimplemented = "the server does not implement CheckHealth"
	if t.noHealth.Load() {
		return nil, unimplemented
	}
	hctx, cancel := context.WithTimeout(ctx, min(signalTimeout, t.cfg.RequestTimeout))
	defer cancel()
	resp, err := t.clients[0].GetService().CheckHealth(hctx, &milvuspb.CheckHealthRequest{})
	if err == nil {
		err = merr.Error(resp.GetStatus())
	}
	if err != nil {
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented {
			t.noHealth.Store(true)
			return nil, unimplemented
		}
		return nil, "CheckHealth: " + err.Error()
	}
	h := &bench.Health{Healthy: resp.GetIsHealthy(), Reasons: resp.GetReasons()}
	for _, q := range resp.GetQuotaStates() {
		h.QuotaStates = append(h.QuotaStates, q.String())
	}
	return h, ""
}

// scrapeMetrics fetches url and reads the series Signals uses.
func scrapeMetrics(ctx context.Context, url string) (*bench.ServerMetrics, error) {
	ctx, cancel := context.WithTimeout(ctx, signalTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics_url: %w", err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: HTTP %s", url, resp.Status)
	}
	m, err := parseMetrics(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	return m, nil
}

// parseMetrics reads Prometheus text exposition format with Prometheus's
// own parser and extracts the series Signals uses, summing each over its
// labels (nodes, databases, collections). A series absent from the text
// is NaN (a nil histogram).
func parseMetrics(r io.Reader) (*bench.ServerMetrics, error) {
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	m := &bench.ServerMetrics{
		RSSBytes:     sum(fams[metricRSS], nil),
		CPUSeconds:   sum(fams[metricCPU], nil),
		SearchOK:     sum(fams[metricReqCount], map[string]string{"function_name": "Search", "status": "success"}),
		SearchFailed: sum(fams[metricReqCount], map[string]string{"function_name": "Search", "status": "fail"}),
		RateLimited:  sum(fams[metricRateLimit], map[string]string{"status": "fail"}),
	}
	m.SearchLatency = histogram(fams[metricSearchLaten], map[string]string{"query_type": "search"})
	return m, nil
}

// matches reports whether the metric carries every label of want.
func matches(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// sum adds the gauge, counter or untyped values of the family's metrics
// matching want; NaN when none does.
func sum(f *dto.MetricFamily, want map[string]string) float64 {
	total, found := 0.0, false
	for _, m := range f.GetMetric() {
		if !matches(m, want) {
			continue
		}
		switch {
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		default:
			continue
		}
		found = true
	}
	if !found {
		return math.NaN()
	}
	return total
}

// histogram adds the family's histograms matching want, bucket by bucket
// (they share bounds: one metric definition); nil when none matches.
func histogram(f *dto.MetricFamily, want map[string]string) *bench.CumHistogram {
	var h *bench.CumHistogram
	for _, m := range f.GetMetric() {
		ph := m.GetHistogram()
		if ph == nil || !matches(m, want) {
			continue
		}
		if h == nil {
			h = &bench.CumHistogram{}
			for _, b := range ph.GetBucket() {
				h.Bounds = append(h.Bounds, b.GetUpperBound())
			}
			if n := len(h.Bounds); n == 0 || !math.IsInf(h.Bounds[n-1], 1) {
				h.Bounds = append(h.Bounds, math.Inf(1))
			}
			h.Counts = make([]float64, len(h.Bounds))
		}
		counts := map[float64]float64{math.Inf(1): float64(ph.GetSampleCount())}
		for _, b := range ph.GetBucket() {
			counts[b.GetUpperBound()] = float64(b.GetCumulativeCount())
		}
		if len(counts) != len(h.Bounds) {
			return nil // differing bounds: not one definition
		}
		for i, ub := range h.Bounds {
			c, ok := counts[ub]
			if !ok {
				return nil
			}
			h.Counts[i] += c
		}
		h.Sum += ph.GetSampleSum()
		h.Count += float64(ph.GetSampleCount())
	}
	if h != nil && !sort.Float64sAreSorted(h.Bounds) {
		return nil
	}
	return h
}
