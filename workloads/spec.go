// Package workloads owns the workload file format: its types, strict decoding
// with line numbers, defaults, validation with Milvus's parameter rules, and the
// expansion of sweeps into an ordered Plan.
package workloads

import "time"

// Spec is a decoded, defaulted workload file.
type Spec struct {
	File    string       `json:"file,omitempty"`
	Name    string       `json:"name"`
	Target  TargetSpec   `json:"target"`
	Dataset DatasetSpec  `json:"dataset"`
	Insert  InsertSpec   `json:"insert"`
	Indexes []IndexSweep `json:"indexes"`
	Search  SearchSweep  `json:"search"`
	Load    LoadSpec     `json:"load"`
	Goals   Goals        `json:"goals"`
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
)

// DatasetSpec describes where vectors come from.
type DatasetSpec struct {
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
	// File sources: Path is the directory (parquet, dir) or the directory
	// the other files are relative to; Size and Queries, when set, take the
	// first rows only.
	Path      string `json:"path,omitempty"`
	BaseFile  string `json:"base_file,omitempty"`
	QueryFile string `json:"query_file,omitempty"`
	TruthFile string `json:"truth_file,omitempty"`
}

// InsertSpec controls how base vectors are loaded into the target.
type InsertSpec struct {
	Batch int `json:"batch"`
}

// IndexSweep is one `indexes` entry: an index type and the values to sweep for
// each build and search parameter (a scalar in the file is a one-element list).
type IndexSweep struct {
	Type   string             `json:"type"`
	Build  map[string][]Value `json:"build,omitempty"`
	Search map[string][]Value `json:"search,omitempty"`
	Line   int                `json:"-"`
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
}

// Load models.
const (
	LoadClosed = "closed"
)

// LoadSpec describes the load model and its levels.
type LoadSpec struct {
	Model       string   `json:"model"`
	Concurrency []int    `json:"concurrency"`
	Duration    Duration `json:"duration"`
	Warmup      Duration `json:"warmup"`
}

// Goals are the targets a configuration must meet; zero means "no goal".
type Goals struct {
	Recall float64  `json:"recall,omitempty"`
	P99    Duration `json:"p99,omitempty"`
	QPS    float64  `json:"qps,omitempty"`
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
