package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// Result is everything a run measured; results.json is its JSON encoding.
type Result struct {
	Provenance Provenance      `json:"provenance"`
	Workload   *workloads.Spec `json:"workload"`
	Dataset    datasets.Info   `json:"dataset"`
	// Cluster is what the target ran on, resolved before the run (from the
	// workload, the Zilliz Cloud control plane or this host); never the
	// control-plane API key. Absent when the workload does not say.
	Cluster *workloads.ClusterSpec `json:"cluster,omitempty"`
	// GroundTruthS is how long exact ground truth took (not part of any trial).
	GroundTruthS float64 `json:"ground_truth_s"`
	// PeakRSSBytes is the harness process's peak resident set size over the
	// run (Linux VmHWM; 0 elsewhere); BaseBytes the raw float32 size of the
	// base set, for comparison.
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	BaseBytes    int64 `json:"base_bytes,omitempty"`
	// NetworkFloor is the latency of the target's cheapest RPC, measured
	// before the trials; absent for in-process targets.
	NetworkFloor *NetworkFloor `json:"network_floor,omitempty"`
	// Tune is set when `milvbench tune` produced the result.
	Tune *TuneInfo `json:"tune,omitempty"`
	// ServerBefore is the server's health and metrics before the trials.
	ServerBefore *ServerSample `json:"server_before,omitempty"`
	// Complete is false when the run stopped before its last trial (an
	// error, or a signal); Stopped says why. `milvbench run --resume`
	// finishes such a run.
	Complete bool    `json:"complete"`
	Stopped  string  `json:"stopped,omitempty"`
	Trials   []Trial `json:"trials"`
	// Capacity holds one entry per capacity search (load model capacity):
	// the knee and why the next rate failed; its probes are trials.
	Capacity []CapacityResult `json:"capacity,omitempty"`
	// Shard is set on the results of one generator of a scale-out run;
	// Generators on the results `milvbench merge` made of several.
	Shard      *ShardInfo  `json:"shard,omitempty"`
	Generators *Generators `json:"generators,omitempty"`
}

// Provenance records what produced a result (DESIGN.md, measurement rules).
type Provenance struct {
	Harness   string     `json:"harness_version"`
	GoVersion string     `json:"go_version"`
	OS        string     `json:"os"`
	Arch      string     `json:"arch"`
	Cores     int        `json:"host_cores"`
	Started   time.Time  `json:"started"`
	Finished  time.Time  `json:"finished"`
	RunID     string     `json:"run_id"`
	Target    TargetInfo `json:"target"`
}

// Trial is one measured point: an index config, a search point and a load level.
type Trial struct {
	ID          int                   `json:"id"`
	Index       workloads.IndexConfig `json:"index"`
	Search      SearchInfo            `json:"search"`
	Load        LoadInfo              `json:"load"`
	Recall      float64               `json:"recall"`
	RecallN     int                   `json:"recall_queries"`
	QPS         float64               `json:"qps"`
	QueriesPerS float64               `json:"queries_per_s"`
	Requests    int64                 `json:"requests"`
	LatencyMS   LatencyMS             `json:"latency_ms"`
	Errors      ErrorCounts           `json:"errors"`
	TimingsS    Timings               `json:"timings_s"`
	IndexBytes  int64                 `json:"index_memory_bytes,omitempty"`
	// Histogram is the merged latency histogram (µs): HDR V2 compressed, as
	// the standard base64 text ("HISTF...") HDR tools read.
	Histogram string `json:"latency_histogram"`
	// LatencyMS is the headline latency (Load.Latency says what it
	// measures); ServiceMS is the service time of the attempt that
	// succeeded (retries and backoff excluded), with its histogram; ClientMS
	// is the client-observed latency, from the first attempt's actual send
	// to the final answer, backoff included (in a closed loop it is the
	// headline itself).
	ServiceMS        *LatencyMS `json:"service_ms,omitempty"`
	ServiceHistogram string     `json:"service_histogram,omitempty"`
	ClientMS         *LatencyMS `json:"client_ms,omitempty"`
	// ClientHistogram is the open loop's client-observed latency histogram.
	ClientHistogram string `json:"client_histogram,omitempty"`
	// Started is when the measured window began; Series holds each
	// operation's time series, one point per load.interval (their
	// histograms make DIR/latency.hlog).
	Started time.Time  `json:"started,omitzero"`
	Series  []OpSeries `json:"series,omitempty"`
	// Capacity is set on the probes of a capacity search: pass or fail,
	// and why.
	Capacity *CapacityProbe `json:"capacity,omitempty"`
	// Answered is the recall of each query a shard's trial answered (shard
	// runs only), for recall over the union of the shards' answers; Shards
	// is what each generator measured of a merged trial.
	Answered *QueryRecall `json:"answered,omitempty"`
	Shards   []ShardTrial `json:"shards,omitempty"`
	// Operations holds the write streams of mixed and ingest trials by
	// operation (insert, delete, upsert).
	Operations map[string]*OpStats `json:"operations,omitempty"`
	// Mixed and Checkpoints describe a mixed trial's recall over time.
	Mixed       *MixedInfo   `json:"mixed,omitempty"`
	Checkpoints []Checkpoint `json:"checkpoints,omitempty"`
	// Ingest holds an ingest trial's flush and time to searchable.
	Ingest *IngestStats `json:"ingest,omitempty"`
	// Server is the server's own view, sampled every load.interval
	// (targets that report it; see ServerSample).
	Server []ServerSample `json:"server,omitempty"`
	// Notes say what a reader must know to read the trial right (e.g. the
	// dataset ran out of rows to insert).
	Notes []string `json:"notes,omitempty"`
}

// SearchInfo describes the requests of a trial: nq queries per request.
type SearchInfo struct {
	Params workloads.Params `json:"params"`
	TopK   int              `json:"topk"`
	NQ     int              `json:"nq"`
	// Selectivity is the share of rows the filter passes (1: no filter);
	// Filter is its Milvus expression.
	Selectivity float64 `json:"selectivity"`
	Filter      string  `json:"filter,omitempty"`
}

// LoadInfo describes the load model and level of a trial.
type LoadInfo struct {
	Model string `json:"model"`
	// Concurrency is the closed-loop worker count (closed; mixed without rate).
	Concurrency int `json:"concurrency,omitempty"`
	// Rate is the offered open-loop rate (requests/s); AchievedRate what the
	// generator actually sent. GeneratorBound marks a trial whose generator
	// fell behind the schedule: its numbers do not show the server holding
	// Rate.
	Rate           float64 `json:"rate,omitempty"`
	AchievedRate   float64 `json:"achieved_rate,omitempty"`
	GeneratorBound bool    `json:"generator_bound,omitempty"`
	// GeneratorReason says why the trial is generator bound: the in-flight
	// bound was reached, scheduled requests were left unsent (Unsent), or
	// sends left late (SendLagMS: actual minus intended send time, the
	// generator's own share of open-loop latency).
	GeneratorReason string     `json:"generator_bound_reason,omitempty"`
	InFlightBound   bool       `json:"in_flight_bound,omitempty"`
	Unsent          int64      `json:"unsent,omitempty"`
	SendLagMS       *LatencyMS `json:"send_lag_ms,omitempty"`
	Arrivals        string     `json:"arrivals,omitempty"`
	ThinkTimeS      float64    `json:"think_time_s,omitempty"`
	// Insert stream (mixed) or sweep level (ingest).
	InsertRate        float64 `json:"insert_rate,omitempty"`
	InsertBatch       int     `json:"insert_batch,omitempty"`
	InsertConcurrency int     `json:"insert_concurrency,omitempty"`
	// Repeat numbers repetitions of the same point (load.repeat).
	Repeat    int     `json:"repeat,omitempty"`
	WarmupS   float64 `json:"warmup_s"`
	DurationS float64 `json:"duration_s"`
	// WindowS is the measured window: first send to last completion.
	WindowS float64 `json:"window_s"`
	// Latency says what the latency numbers mean under this model.
	Latency string `json:"latency"`
}

// Timings are the durations of the stages that produced the trial's index.
// Insert is shared by every index of a run (data is inserted once).
type Timings struct {
	Insert float64 `json:"insert"`
	Build  float64 `json:"build"`
	Load   float64 `json:"load"`
}

// ErrorCounts counts failed requests by class.
type ErrorCounts struct {
	Total       int64 `json:"total"`
	RateLimited int64 `json:"rate_limited"`
	Quota       int64 `json:"quota"`
	Timeout     int64 `json:"timeout"`
	Unavailable int64 `json:"unavailable"`
	Auth        int64 `json:"auth"`
	Other       int64 `json:"other"`
	// Retries counts failed attempts that were sent again (see closedLoop).
	Retries int64  `json:"retries"`
	Last    string `json:"last,omitempty"`
}

// Add counts one error of class.
func (e *ErrorCounts) Add(class string, err error) {
	e.Total++
	switch class {
	case ClassRateLimited:
		e.RateLimited++
	case ClassQuota:
		e.Quota++
	case ClassTimeout:
		e.Timeout++
	case ClassUnavailable:
		e.Unavailable++
	case ClassAuth:
		e.Auth++
	default:
		e.Other++
	}
	e.Last = err.Error()
}

// Classes lists the classes with errors and their counts, e.g.
// "rate_limited 812, timeout 3"; "" when no class has any.
func (e ErrorCounts) Classes() string {
	var parts []string
	for _, c := range []struct {
		class string
		n     int64
	}{{ClassRateLimited, e.RateLimited}, {ClassQuota, e.Quota}, {ClassTimeout, e.Timeout}, {ClassUnavailable, e.Unavailable}, {ClassAuth, e.Auth}, {ClassOther, e.Other}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.class, c.n))
		}
	}
	return strings.Join(parts, ", ")
}

// Merge adds o's counts to e.
func (e *ErrorCounts) Merge(o ErrorCounts) {
	e.Total += o.Total
	e.RateLimited += o.RateLimited
	e.Quota += o.Quota
	e.Timeout += o.Timeout
	e.Unavailable += o.Unavailable
	e.Auth += o.Auth
	e.Other += o.Other
	e.Retries += o.Retries
	if o.Last != "" {
		e.Last = o.Last
	}
}

// NetworkFloor summarises repeated cheap round trips to the target: how much
// of a search's latency the network and RPC stack alone account for.
type NetworkFloor struct {
	Probes int     `json:"probes"`
	Errors int     `json:"errors"`
	P50MS  float64 `json:"p50_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
}
