package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// The types of results.json live in this file, all of them: Result and
// what it holds (trials, their load, latency, errors, write streams,
// checkpoints, capacity searches, server samples, shard and merge
// records). The keys index, search, load, recall, qps, latency_ms, errors
// and timings_s of a trial are a contract (docs/results.md).

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

// Provenance records what produced a result (docs/measurement.md).
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
	ID      int                   `json:"id"`
	Index   workloads.IndexConfig `json:"index"`
	Search  SearchInfo            `json:"search"`
	Load    LoadInfo              `json:"load"`
	Recall  float64               `json:"recall"`
	RecallN int                   `json:"recall_queries"`
	// RecallDist is the distribution of per-query recall (its mean is
	// Recall): the low percentiles, the minimum, the share at zero.
	RecallDist *RecallDist `json:"recall_dist,omitempty"`
	// Range is a range trial's precision and result counts.
	Range *RangeQuality `json:"range_quality,omitempty"`
	// Iterator is an iterator trial's batches, duplicates and times to
	// first and last batch.
	Iterator *IteratorQuality `json:"iterator,omitempty"`
	// Group is a group trial's hit counts.
	Group       *GroupQuality `json:"group_quality,omitempty"`
	QPS         float64       `json:"qps"`
	QueriesPerS float64       `json:"queries_per_s"`
	Requests    int64         `json:"requests"`
	LatencyMS   LatencyMS     `json:"latency_ms"`
	Errors      ErrorCounts   `json:"errors"`
	TimingsS    Timings       `json:"timings_s"`
	IndexBytes  int64         `json:"index_memory_bytes,omitempty"`
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
	// Bands, under tenancy, are recall and latency by tenant size band
	// (small, median, largest tenants).
	Bands  []TenantBand `json:"tenant_bands,omitempty"`
	Shards []ShardTrial `json:"shards,omitempty"`
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
	// CPU is the window's CPU per query, the client's and (when the
	// target's metrics give it) the server's.
	CPU *TrialCPU `json:"cpu,omitempty"`
	// Cold holds the first trial after an index load's cold phases
	// (load.cold): the first requests after the load, after a release and
	// load, and after an idle period, apart from the steady-state window.
	Cold []ColdPhase `json:"cold,omitempty"`
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
	// FilterName is the search.filters filter the trial ran under (its
	// placeholders bound per query; Selectivity is then the mean share
	// of rows the queries' filters pass).
	FilterName string `json:"filter_name,omitempty"`
	// Layout is the tenancy layout the trial ran in (partition_key,
	// partitions, collections; absent without tenancy).
	Layout string `json:"layout,omitempty"`
	// Scalar are the scalar indexes built on the payload fields, e.g.
	// "cat:INVERTED,price:none" (absent without any).
	Scalar string `json:"scalar,omitempty"`
	// Kind is the search kind (absent: ann), Field the field a
	// single-field kind searched, Hybrid a hybrid request's sub-requests
	// and ranker (set in workloads with sparse or text fields).
	Kind   string                 `json:"kind,omitempty"`
	Field  string                 `json:"field,omitempty"`
	Hybrid *workloads.HybridPoint `json:"hybrid,omitempty"`
	// Range and Group are a range or group trial's parameters.
	Range *workloads.RangePoint `json:"range,omitempty"`
	Group *workloads.GroupPoint `json:"group,omitempty"`
	// Iterator is an iterator trial's batch size and limit.
	Iterator *workloads.IteratorPoint `json:"iterator,omitempty"`
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

// OpStats measures one write stream of a trial (insert, delete or upsert)
// in results.json's trial.operations; the trial's top-level latency fields
// stay those of its searches (of its inserts for ingest).
type OpStats struct {
	// OfferedRowsPerS is the paced stream's schedule (mixed); 0 for the
	// closed-loop inserters of ingest.
	OfferedRowsPerS float64 `json:"offered_rows_per_s,omitempty"`
	Batch           int     `json:"batch"`
	// Requests counts every attempt; Calls the calls that succeeded and
	// Rows the rows they carried. RowsPerS and CallsPerS are over WindowS
	// (first send to last answer), for a paced stream over its schedule
	// (load.duration) unless the window took longer.
	Requests  int64       `json:"requests"`
	Calls     int64       `json:"calls"`
	Rows      int64       `json:"rows"`
	RowsPerS  float64     `json:"rows_per_s"`
	CallsPerS float64     `json:"calls_per_s"`
	Errors    ErrorCounts `json:"errors"`
	// LatencyMS is per call; Latency says from when it is measured.
	LatencyMS LatencyMS `json:"latency_ms"`
	Histogram string    `json:"histogram"`
	// ServiceMS is the service time of each call's successful attempt
	// (retries and, for a paced stream, waiting for its turn excluded).
	ServiceMS        *LatencyMS `json:"service_ms,omitempty"`
	ServiceHistogram string     `json:"service_histogram,omitempty"`
	Latency          string     `json:"latency"`
	WindowS          float64    `json:"window_s"`
	// Saturated marks a paced stream that reached its bound on calls in
	// flight: the target did not keep up with the offered rate. Unsent
	// counts the calls due in the window that were never sent because no
	// slot came free before it ended.
	Saturated bool  `json:"saturated,omitempty"`
	Unsent    int64 `json:"unsent,omitempty"`
	// Exhausted says why a stream stopped before the window ended (e.g.
	// the dataset ran out of rows).
	Exhausted string `json:"exhausted,omitempty"`
}

// Checkpoint is one recall measurement during a mixed trial, against exact
// ground truth over the rows visible then.
type Checkpoint struct {
	// AtS is when the checkpoint's searches began, in seconds since the
	// measured window began.
	AtS float64 `json:"at_s"`
	// Rows is how many rows were visible (inserted and acknowledged,
	// minus deleted); Inserted and Deleted count this trial's writes so far.
	Rows     int     `json:"rows"`
	Inserted int64   `json:"inserted"`
	Deleted  int64   `json:"deleted"`
	Recall   float64 `json:"recall"`
	Queries  int     `json:"queries"`
	Errors   int64   `json:"errors"`
	// NewShare is the share of the true neighbours that are rows inserted
	// after the preload; NewRecall the share of those the searches found,
	// over the queries whose true neighbours did not change while their
	// request was in flight (0 when there are none).
	NewShare  float64 `json:"new_share"`
	NewRecall float64 `json:"new_recall"`
	// PassS is how long the checkpoint's searches took (its judgement
	// waits for the writes in flight meanwhile, later).
	PassS float64 `json:"pass_s"`
}

// MixedInfo describes how a mixed trial measured recall.
type MixedInfo struct {
	// Consistency is the level the checkpoint searches asked for
	// (strong; targets whose writes are visible at once ignore it).
	Consistency string `json:"checkpoint_consistency"`
	// Queries is how many queries each checkpoint sends (10 per request).
	Queries int `json:"checkpoint_queries"`
	// PreloadRows is the number of rows loaded before the first trial;
	// ids from there on were inserted by trials.
	PreloadRows int `json:"preload_rows"`
	// RowsBefore and RowsAfter are the visible rows at the trial's start
	// and end.
	RowsBefore int `json:"rows_before"`
	RowsAfter  int `json:"rows_after"`
}

// IngestStats are the parts of an ingest trial beyond its insert stream.
type IngestStats struct {
	// RowBudget is the most rows the trial could insert (its share of the
	// rows beyond the preload); Stopped says what ended it: "duration" or
	// "row budget".
	RowBudget int    `json:"row_budget"`
	Stopped   string `json:"stopped"`
	// WarmupRows is the part of the budget the warm-up inserted.
	WarmupRows int `json:"warmup_rows,omitempty"`
	// FlushS is the flush after the last insert; RowsPerSWithFlush counts
	// it into the window.
	FlushS            float64 `json:"flush_s"`
	RowsPerSWithFlush float64 `json:"rows_per_s_with_flush"`
	// SearchableS is the time from the last insert call's acknowledgement
	// until a search for the exact vectors of its rows (up to 8) returned
	// one of them for its own vector (Searchable false: not within 10s,
	// SearchableS is then the time waited; an approximate index can also
	// miss a row that is in it).
	SearchableS float64 `json:"time_to_searchable_s"`
	Searchable  bool    `json:"searchable"`
	Probes      int     `json:"searchable_probes"`
}

// CapacityProbe is a capacity search's verdict on one of its probes (an
// open-loop trial at the probe's rate).
type CapacityProbe struct {
	// Search numbers the capacity search (1-based, as in Result.Capacity).
	Search int `json:"search"`
	// Step is "ramp" (the geometric ramp) or "bisect".
	Step    string   `json:"step"`
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons,omitempty"`
}

// CapacityResult is the outcome of one capacity search: the knee is the
// highest offered rate whose probe held every goal.
type CapacityResult struct {
	Index  workloads.IndexConfig `json:"index"`
	Search SearchInfo            `json:"search"`
	// KneeRate is the highest offered rate (requests/s) that held, 0 when
	// none did; KneeTrial its trial, with the achieved QPS and p99 there.
	KneeRate  float64 `json:"knee_rate"`
	KneeTrial int     `json:"knee_trial,omitempty"`
	KneeQPS   float64 `json:"knee_qps,omitempty"`
	KneeP99MS float64 `json:"knee_p99_ms,omitempty"`
	// FailRate is the lowest offered rate that failed (0 when every probe
	// up to max_rate held), FailTrial its trial and FailReasons why.
	FailRate    float64  `json:"fail_rate,omitempty"`
	FailTrial   int      `json:"fail_trial,omitempty"`
	FailReasons []string `json:"fail_reasons,omitempty"`
	// GeneratorLimited is set when the failing probe failed only because
	// the generator fell behind: the knee is then a lower bound on the
	// server's capacity, not the server's limit.
	GeneratorLimited bool `json:"generator_limited,omitempty"`
	// Precision is the relative width of the final bracket
	// (fail_rate/knee_rate − 1); Stop says why the search ended.
	Precision float64 `json:"precision,omitempty"`
	Stop      string  `json:"stop"`
	// Probes are the trial ids of the probes, in the order run.
	Probes []int `json:"probes"`
	// Warm says whether the knee was measured on a warm index (after a
	// warm-up, earlier probes or the cold phases), and Warmth how.
	Warm   bool   `json:"warm"`
	Warmth string `json:"warmth,omitempty"`
}

// ShardInfo marks the results of one generator of a scale-out run: which
// shard, of which workload and prepared build, on which trial clock.
type ShardInfo struct {
	Shard
	WorkloadHash string    `json:"workload_sha256"`
	Build        int       `json:"build"`
	StartAt      time.Time `json:"start_at"`
	SlotS        float64   `json:"slot_s"`
}

// QueryRecall is the recall of every query a shard's trial answered, so
// that merging shards computes recall over the union of their answers.
type QueryRecall struct {
	Queries []int     `json:"queries"`
	Recall  []float64 `json:"recall"`
}

// Generators describes the generators whose results `milvbench merge`
// merged into one run.
type Generators struct {
	Count  int             `json:"count"`
	Shards []GeneratorInfo `json:"shards"`
	// ClockSpreadMS is the largest spread, over the trials, between the
	// generators' measured-window starts; IntervalS the interval of the
	// series it is judged against. Warning says when the spread is large
	// against the interval (merged intervals then mix different moments).
	ClockSpreadMS float64 `json:"clock_spread_ms"`
	IntervalS     float64 `json:"interval_s"`
	Warning       string  `json:"warning,omitempty"`
}

// GeneratorInfo is one generator of a merged run.
type GeneratorInfo struct {
	Index        int           `json:"index"`
	Source       string        `json:"source"`
	Harness      string        `json:"harness_version"`
	Cores        int           `json:"host_cores"`
	Started      time.Time     `json:"started"`
	Finished     time.Time     `json:"finished"`
	Complete     bool          `json:"complete"`
	Stopped      string        `json:"stopped,omitempty"`
	NetworkFloor *NetworkFloor `json:"network_floor,omitempty"`
}

// ShardTrial is what one generator measured of a merged trial.
type ShardTrial struct {
	Shard           int     `json:"shard"`
	Concurrency     int     `json:"concurrency,omitempty"`
	Rate            float64 `json:"rate,omitempty"`
	AchievedRate    float64 `json:"achieved_rate,omitempty"`
	GeneratorBound  bool    `json:"generator_bound,omitempty"`
	GeneratorReason string  `json:"generator_bound_reason,omitempty"`
	Requests        int64   `json:"requests"`
	Errors          int64   `json:"errors"`
	QPS             float64 `json:"qps"`
	P99MS           float64 `json:"p99_ms"`
	Recall          float64 `json:"recall"`
	// Started is when the generator's measured window began; OffsetMS how
	// much later than the earliest generator's (its clock spread share).
	Started  time.Time `json:"started"`
	OffsetMS float64   `json:"offset_ms"`
	WindowS  float64   `json:"window_s"`
}

// ServerSample is the server's view at one moment of a trial, in
// results.json's trial.server: health, memory, and rates over the
// interval since the previous sample (absent from a trial's first sample).
type ServerSample struct {
	// AtS is seconds since the trial's measured window began (0 for the
	// reading before the trials).
	AtS         float64  `json:"at_s"`
	Healthy     *bool    `json:"healthy,omitempty"`
	Reasons     []string `json:"reasons,omitempty"`
	QuotaStates []string `json:"quota_states,omitempty"`
	// HealthError and MetricsError say why a part is missing, e.g. a
	// server that does not implement the health check.
	HealthError  string  `json:"health_error,omitempty"`
	MetricsError string  `json:"metrics_error,omitempty"`
	RSSBytes     float64 `json:"rss_bytes,omitempty"`
	// CPUCores is the server's CPU seconds per second over the interval.
	CPUCores *float64 `json:"cpu_cores,omitempty"`
	// SearchQPS and SearchFailedPerS are the proxy's search outcomes per
	// second; RateLimitedPerS its rate limiter's rejections per second.
	SearchQPS        *float64 `json:"search_qps,omitempty"`
	SearchFailedPerS *float64 `json:"search_failed_per_s,omitempty"`
	RateLimitedPerS  *float64 `json:"rate_limited_per_s,omitempty"`
	// SearchMeanMS and SearchP99MS are the proxy's own search latency over
	// the interval (p99 interpolated within its histogram buckets).
	SearchMeanMS *float64 `json:"search_mean_ms,omitempty"`
	SearchP99MS  *float64 `json:"search_p99_ms,omitempty"`
}

// LatencyMS is the latency summary of a trial in milliseconds.
type LatencyMS struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// OpSeries is one operation's time series over a trial.
type OpSeries struct {
	Op     string          `json:"op"`
	Points []IntervalPoint `json:"points"`
}

// IntervalPoint summarises one interval of one operation. Latencies are in
// milliseconds; Histogram is the interval's HDR histogram (µs), encoded as
// the trial's latency_histogram is, and written to latency.hlog.
type IntervalPoint struct {
	// StartS is the interval's start, in seconds from the trial's start.
	StartS  float64 `json:"t_s"`
	LengthS float64 `json:"length_s"`
	// Count is the successes recorded in the interval; QPS = Count/LengthS.
	Count     int64   `json:"count"`
	QPS       float64 `json:"qps"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	MaxMS     float64 `json:"max_ms"`
	Errors    int64   `json:"errors"`
	Histogram string  `json:"histogram"`
}

// TuneInfo records what `milvbench tune` did instead of the full grid, so
// the report and `milvbench recommend` can say what the answer cost.
type TuneInfo struct {
	// Trials is how many plan points tune measured; GridTrials how many the
	// full grid (`milvbench run`) measures.
	Trials     int `json:"trials"`
	GridTrials int `json:"grid_trials"`
	// RecallPasses counts quick recall measurements (every query once, no
	// latency), the cheap probes of the parameter search.
	RecallPasses int `json:"recall_passes"`
	// Builds is how many index configs tune built (all of the grid's).
	Builds     int `json:"builds"`
	GridBuilds int `json:"grid_builds"`
	// Log is the search's decisions, one line each.
	Log []string `json:"log,omitempty"`
}
