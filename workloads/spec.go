// Package workloads owns the workload file format: its types, strict decoding
// with line numbers, defaults, validation with Milvus's parameter rules, and the
// expansion of sweeps into an ordered Plan.
package workloads

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Spec is a decoded, defaulted workload file.
type Spec struct {
	File    string      `json:"file,omitempty"`
	Name    string      `json:"name"`
	Target  TargetSpec  `json:"target"`
	Dataset DatasetSpec `json:"dataset"`
	// Fields are the collection's fields (nil: one dense field, "vector").
	Fields  []FieldSpec  `json:"fields,omitempty"`
	Insert  InsertSpec   `json:"insert"`
	Indexes []IndexSweep `json:"indexes"`
	Search  SearchSweep  `json:"search"`
	Load    LoadSpec     `json:"load"`
	Goals   Goals        `json:"goals"`
	Cluster ClusterSpec  `json:"cluster"`
	// Pricing overrides parts of the default Zilliz Cloud pricing table
	// (nil: the defaults alone).
	Pricing *Pricing `json:"pricing,omitempty"`
	// Tenancy puts the rows behind N tenants (see tenancy.go).
	Tenancy *TenancySpec `json:"tenancy,omitempty"`
	// Warnings are problems found while decoding that do not stop the run
	// (a credential written literally in the file); commands print them.
	Warnings []string `json:"-"`
	// hash is the workload's identity, fixed when decoding finished (Hash).
	hash string
}

// Target kinds.
const (
	TargetEmbedded = "embedded"
	TargetMilvus   = "milvus"
)

// Metric is a Milvus metric type name.
type Metric string

// Metrics supported by every target.
const (
	L2     Metric = "L2"
	IP     Metric = "IP"
	Cosine Metric = "COSINE"
	// Hamming and Jaccard compare binary vectors (vector_type binary)
	// only: the count of differing bits, and 1 − |a∧b|/|a∨b|.
	Hamming Metric = "HAMMING"
	Jaccard Metric = "JACCARD"
)

// Synthetic distributions.
const (
	DistGaussian  = "gaussian"
	DistClustered = "clustered"
	// DistSkewed is a clustered mixture whose cluster sizes follow a Zipf law.
	DistSkewed = "skewed"
)

// Label kinds for filtered search.
const (
	LabelsInt      = "int"
	LabelsCategory = "category"
)

// Dataset sources: generated, or files (a directory in a known layout, or
// explicit base/query/ground-truth files in one format).
const (
	SourceSynthetic = "synthetic"
	SourceFvecs     = "fvecs"
	SourceBvecs     = "bvecs"
	SourceNpy       = "npy"
	SourceParquet   = "parquet"
	SourceDir       = "dir"
	// SourceCollection measures an existing collection (target.collection)
	// read-only: its rows are the base, its index the one searched.
	SourceCollection = "collection"
	// SourceHDF5 is an ann-benchmarks HDF5 file (base_file, or path naming
	// the file): datasets train, test and neighbors, and the metric in its
	// distance attribute.
	SourceHDF5 = "hdf5"
)

// Vector element types (dataset.vector_type): the type the server stores
// the dense vectors as, and the values ground truth is computed on.
const (
	VectorFloat    = "float"
	VectorFloat16  = "float16"
	VectorBFloat16 = "bfloat16"
	VectorInt8     = "int8"
	// VectorBinary is packed bits (Milvus BINARY_VECTOR): dim is the
	// number of bits, a multiple of 8; see binary.go.
	VectorBinary = "binary"
)

// VectorTypes lists the values of dataset.vector_type, the default first.
func VectorTypes() []string {
	return []string{VectorFloat, VectorFloat16, VectorBFloat16, VectorInt8, VectorBinary}
}

// VectorBytes is the size of one vector component stored as type t (4 for
// float and unknown types; binary's components are bits, see VectorRawBytes).
func VectorBytes(t string) int {
	switch t {
	case VectorFloat16, VectorBFloat16:
		return 2
	case VectorInt8:
		return 1
	}
	return 4
}

// DatasetSpec describes where vectors come from.
type DatasetSpec struct {
	// Name is a public dataset fetched into the cache (`milvbench dataset
	// fetch NAME`); it sets source and path when the workload is loaded.
	Name         string `json:"name,omitempty"`
	Source       string `json:"source"`
	Size         int    `json:"size"`
	Dim          int    `json:"dim"`
	Metric       Metric `json:"metric"`
	Queries      int    `json:"queries"`
	Seed         int64  `json:"seed"`
	Distribution string `json:"distribution"`
	Clusters     int    `json:"clusters,omitempty"`
	// Labels adds a seeded scalar label to every row for filtered search:
	// "" (none), "int" (uniform 0..9999, field label) or "category"
	// (c0 for about half the rows, then rarer values, field category).
	Labels     string `json:"labels,omitempty"`
	Categories int    `json:"categories,omitempty"`
	// Payload are scalar fields every row carries, generated (with a
	// correlation to the vectors) or read from PayloadFile, for
	// search.filters (see payload.go and docs/filters.md).
	Payload     []PayloadField `json:"payload,omitempty"`
	PayloadFile string         `json:"payload_file,omitempty"`
	// Preload is how much of the base set is inserted before the trials
	// (mixed and ingest insert the rest during trials): 0 means all, a
	// value ≤ 1 a share of the rows, above 1 a row count.
	Preload float64 `json:"preload,omitempty"`
	// File sources: Path is the directory (parquet, dir) or the directory
	// the other files are relative to; Size and Queries, when set, take the
	// first rows only.
	Path      string `json:"path,omitempty"`
	BaseFile  string `json:"base_file,omitempty"`
	QueryFile string `json:"query_file,omitempty"`
	TruthFile string `json:"truth_file,omitempty"`
	// VectorType is the element type the server stores the dense vectors
	// as (float, float16, bfloat16, int8); "" means float.
	VectorType string `json:"vector_type,omitempty"`
}

// InsertSpec controls how base vectors are loaded into the target.
type InsertSpec struct {
	Batch int `json:"batch"`
}

// IndexSweep is one `indexes` entry: an index type and the values to sweep for
// each build and search parameter (a scalar in the file is a one-element list).
type IndexSweep struct {
	Type string `json:"type"`
	// Field is the field the index is built on (default: the field the
	// search targets; for hybrid, the dense field).
	Field  string             `json:"field,omitempty"`
	Build  map[string][]Value `json:"build,omitempty"`
	Search map[string][]Value `json:"search,omitempty"`
	Line   int                `json:"-"`
	// VectorType builds this entry over the vectors stored as another
	// type than the dataset's (float16 or bfloat16; embedded target, float
	// datasets), its recall against ground truth over that type's values.
	VectorType string `json:"vector_type,omitempty"`
}

// SearchSweep holds the request shapes to sweep.
type SearchSweep struct {
	TopK []int `json:"topk"`
	NQ   []int `json:"nq"`
	// Selectivity is the fraction of rows a filter on the dataset's labels
	// lets through; 1 means no filter.
	Selectivity []float64 `json:"selectivity"`
	// OutputFields are returned with each hit (default none: ids only, so
	// latency measures the search, not the transfer of stored fields).
	OutputFields []string `json:"output_fields,omitempty"`
	// Kinds are the requests to measure (ann, sparse, bm25, hybrid; none
	// is ann), each on the same builds, so a hybrid request's cost shows
	// beside its single-field parts; Field is the field a single-field
	// kind searches (default: the one field of its type) and Hybrid the
	// sub-requests and ranker of kind hybrid.
	Kinds  []string     `json:"kind,omitempty"`
	Field  string       `json:"field,omitempty"`
	Hybrid *HybridSweep `json:"hybrid,omitempty"`
	// Range and Group are the parameters of kinds range and group.
	Range *RangeSweep `json:"range,omitempty"`
	Group *GroupSweep `json:"group,omitempty"`
	// Iterator is the parameters of kind iterator.
	Iterator *IteratorSweep `json:"iterator,omitempty"`
	// Filters are expression filters on the payload fields, each a
	// dimension of the plan like selectivity.
	Filters []FilterSpec `json:"filters,omitempty"`
}

// Load models (load.model). Each says what its latency means; see docs/workloads.md, "Load models".
const (
	// LoadClosed: concurrency workers, each sending when its last request
	// returned (plus think_time); latency is service time.
	LoadClosed = "closed"
	// LoadOpen: requests sent on a schedule at a fixed rate; latency is
	// measured from each request's intended send time.
	LoadOpen = "open"
	// LoadCapacity: open-loop probes at rising rates, then bisection, to
	// find the highest rate that meets the goals (the knee).
	LoadCapacity = "capacity"
	// LoadMixed: a search stream (closed or open) and an insert stream at
	// the same time, a histogram per operation, recall checkpoints.
	LoadMixed = "mixed"
	// LoadIngest: insert throughput and latency per insert batch size and
	// insert concurrency.
	LoadIngest = "ingest"
)

// LoadModels lists the load models in documentation order.
func LoadModels() []string {
	return []string{LoadClosed, LoadOpen, LoadCapacity, LoadMixed, LoadIngest}
}

// Open-loop arrival processes (load.arrivals).
const (
	ArrivalsConstant = "constant"
	ArrivalsPoisson  = "poisson"
)

// LoadSpec describes the load model and its levels. Every level is a list
// and sweeps like the rest of the plan.
type LoadSpec struct {
	Model string `json:"model"`
	// Concurrency is the closed-loop worker count (closed; mixed without rate).
	Concurrency []int `json:"concurrency"`
	// ThinkTime is a pause after each closed-loop response before the next send.
	ThinkTime Duration `json:"think_time,omitempty"`
	// Rate is the offered search rate in requests/s (open; mixed with an
	// open search stream).
	Rate []float64 `json:"rate,omitempty"`
	// Arrivals is the open-loop schedule: constant spacing or Poisson.
	Arrivals string `json:"arrivals,omitempty"`
	// MaxInFlight bounds outstanding open-loop requests; reaching it marks
	// the trial generator_bound.
	MaxInFlight int      `json:"max_in_flight,omitempty"`
	Warmup      Duration `json:"warmup"`
	Duration    Duration `json:"duration"`
	// Interval is the period of interval histograms and time series.
	Interval Duration `json:"interval"`
	// Repeat runs every trial this many times (for noise estimates).
	Repeat int `json:"repeat"`
	// Cold is how many requests, sent one at a time, the first trial after
	// each index load measures apart from its window: right after the
	// load, after a release and load again (targets the run may release),
	// and after IdleBefore of no requests (0: no cold phase).
	Cold       int      `json:"cold,omitempty"`
	IdleBefore Duration `json:"idle_before,omitempty"`
	// Capacity search: probes from StartRate rising geometrically by
	// RampFactor up to MaxRate, then bisection until the bracket is
	// narrower than Precision (relative). A probe fails when its error
	// rate exceeds MaxErrorRate (or the goals' p99 / recall fail).
	StartRate    float64 `json:"start_rate,omitempty"`
	MaxRate      float64 `json:"max_rate,omitempty"`
	RampFactor   float64 `json:"ramp_factor,omitempty"`
	Precision    float64 `json:"precision,omitempty"`
	MaxErrorRate float64 `json:"max_error_rate"`
	errRateSet   bool
	// Mixed: insert stream in rows/s, rows per insert call (also the
	// ingest sweep's batch sizes), optional delete and upsert streams in
	// rows/s, and how many recall checkpoints a trial takes.
	InsertRate  []float64 `json:"insert_rate,omitempty"`
	InsertBatch []int     `json:"insert_batch,omitempty"`
	DeleteRate  float64   `json:"delete_rate,omitempty"`
	UpsertRate  float64   `json:"upsert_rate,omitempty"`
	Checkpoints int       `json:"checkpoints,omitempty"`
	// InsertConcurrency is the ingest sweep's number of parallel inserters.
	InsertConcurrency []int `json:"insert_concurrency,omitempty"`
	// OnError says what a failed trial (every request failed, or the
	// trial could not run) or a failed index build does to the run.
	OnError string `json:"on_error"`
}

// What a failed trial does to the run (load.on_error).
const (
	// OnErrorAbort stops the run; completed trials are kept (default).
	OnErrorAbort = "abort"
	// OnErrorContinue records the failure and goes on with the next trial.
	OnErrorContinue = "continue"
	// OnErrorRetry runs the failed trial again (3 attempts in all, 2 s
	// apart), then stops the run if it still fails.
	OnErrorRetry = "retry_trial"
)

// OpenSearch reports whether the search stream is open loop (rate-driven):
// always for open and capacity, for mixed when rates are given.
func (l LoadSpec) OpenSearch() bool {
	return l.Model == LoadOpen || l.Model == LoadCapacity || (l.Model == LoadMixed && len(l.Rate) > 0)
}

// Goals are the targets a configuration must meet and the production shape
// the recommendation sizes for; zero means "no goal" (or "the dataset's").
type Goals struct {
	Recall float64 `json:"recall,omitempty"`
	// RecallP5 is a floor on the 5th percentile of per-query recall: 95%
	// of queries must reach it (a mean can hide queries left with none).
	RecallP5 float64  `json:"recall_p5,omitempty"`
	P99      Duration `json:"p99,omitempty"`
	P95      Duration `json:"p95,omitempty"`
	// QPS is the production request rate to serve.
	QPS float64 `json:"qps,omitempty"`
	// Rows and Dim describe production (default: the dataset's); Growth is
	// rows added per month, sized for over GrowthMonths.
	Rows         int64 `json:"rows,omitempty"`
	Dim          int   `json:"dim,omitempty"`
	Growth       int64 `json:"growth,omitempty"`
	GrowthMonths int   `json:"growth_months,omitempty"`
	// CUTypes are the Zilliz Cloud CU types to consider (performance,
	// capacity, tiered); MaxReplicas bounds the replicas of an answer.
	CUTypes     []string `json:"cu_types,omitempty"`
	MaxReplicas int      `json:"max_replicas,omitempty"`
	// Tie is the throughput gap (a fraction) within which two configs that
	// meet the goals count as equally fast, and the cheaper one is chosen
	// (0: the default, 0.15).
	Tie float64 `json:"tie,omitempty"`
	// BuildLevel is the Zilliz Cloud index build_level the production
	// cluster will use (0 capacity-first, 1 balanced, 2 precision-first;
	// nil: size with the published per-CU table as it stands). It scales
	// vectors per CU by the factor the pricing table publishes for it.
	BuildLevel *int `json:"build_level,omitempty"`
}

// ClusterSpec says what the measurements ran on, so throughput can be
// scaled to other sizes: for Zilliz Cloud the plan, CU type, CU count and
// replicas; for self-hosted Milvus the cores and memory. Source records
// where the values came from ("workload", "control plane", "host"). Name and
// Region are the Zilliz Cloud cluster's, as the control plane reports them.
type ClusterSpec struct {
	Plan      string  `json:"plan,omitempty"`
	CUType    string  `json:"cu_type,omitempty"`
	CUs       int     `json:"cus,omitempty"`
	Replicas  int     `json:"replicas,omitempty"`
	Cores     int     `json:"cores,omitempty"`
	MemoryGiB float64 `json:"memory_gib,omitempty"`
	Name      string  `json:"name,omitempty"`
	Region    string  `json:"region,omitempty"`
	// ClusterID with a control-plane API key (never encoded) lets milvbench
	// read the values above from the Zilliz Cloud control plane; APIKeySrc
	// says where the key came from (field, file or variable), never the key.
	ClusterID  string `json:"cluster_id,omitempty"`
	APIKey     string `json:"-"`
	APIKeyFile string `json:"api_key_file,omitempty"`
	ControlURL string `json:"control_url,omitempty"`
	Source     string `json:"source,omitempty"`
	APIKeySrc  string `json:"api_key_source,omitempty"`
}

// Value is one parameter value: int64, float64, bool or string.
type Value = any

// Params maps parameter names to values, as Milvus takes them.
type Params map[string]Value

// Int returns p[name] as an int, or def when absent.
func (p Params) Int(name string, def int) int {
	switch v := p[name].(type) {
	case int64:
		return int(v)
	case int:
		return v
	case float64:
		return int(v)
	}
	return def
}

// Clone returns a copy of p.
func (p Params) Clone() Params {
	c := make(Params, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}

// Duration is a time.Duration that encodes as text ("4s") in JSON, as it is
// written in workload files.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Set reports whether any measurable goal (recall, p99, p95, QPS) is set.
func (g Goals) Set() bool {
	return g.Recall > 0 || g.RecallP5 > 0 || g.P99 > 0 || g.P95 > 0 || g.QPS > 0
}

// Hash identifies the workload, so a resumed run or a scale-out shard can
// check it continues the same workload: the sha256 of every decoded,
// defaulted value (values from ${VAR} as resolved) except the file's path,
// the server's address and where the token came from. It is computed once,
// when Parse (or Complete) has finished the spec, so it stays the same when
// a run later fills in the shape a file dataset's files determine
// (dataset.size, dim, queries): it names the workload as written, not what
// its files hold. Nothing changed on the Spec afterwards counts (Complete
// it again to take a change made in code into its identity); a Spec that
// went through neither is hashed as it stands.
func (s *Spec) Hash() string {
	if s.hash != "" {
		return s.hash
	}
	return identity(s)
}

// identity is the one canonical form of a workload's identity (see Hash).
func identity(s *Spec) string {
	c := *s
	// The server's address may change between attempts (a restarted
	// server on another port); what is measured may not.
	c.File, c.Target.URI, c.Target.TokenSource = "", "", ""
	b, err := json.Marshal(&c)
	if err != nil { // a Spec always encodes; keep the hash total anyway
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Type is the dataset's vector element type: VectorType, or float when unset.
func (ds DatasetSpec) Type() string {
	if ds.VectorType == "" {
		return VectorFloat
	}
	return ds.VectorType
}
