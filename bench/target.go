// Package bench drives a Target through a Plan: it loads the dataset, builds
// each index, applies load, and measures latency (HDR), throughput, recall and
// errors into a Result.
package bench

import (
	"context"
	"errors"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/sparse"
	"github.com/milvbench/milvbench/workloads"
)

// Target is the only seam between the harness and a database. Search must be
// safe for concurrent use; the other methods are called one at a time, in the
// order Create, Insert..., Flush, then per index BuildIndex, Load, Search...,
// Release, DropIndex, and finally Drop and Close.
type Target interface {
	// Describe reports what is being measured, for provenance.
	Describe(ctx context.Context) (TargetInfo, error)
	// CheckIndex reports whether the target can build cfg, before any work.
	CheckIndex(cfg workloads.IndexConfig) error
	// Create makes an empty collection for the dataset.
	Create(ctx context.Context, c CollectionSpec) error
	// Insert adds vectors with the given ids; vecs is only valid during the call.
	Insert(ctx context.Context, ids []int64, vecs [][]float32) error
	// Flush makes every inserted vector durable and visible to index builds.
	Flush(ctx context.Context) error
	// BuildIndex builds cfg over the collection and returns when it is
	// ready. In a collection with sparse or text fields cfg.Field names
	// the field (a text field's index is on its BM25 output, metric BM25,
	// with cfg.Build's bm25_k1 and bm25_b); every vector field gets an
	// index before Load.
	BuildIndex(ctx context.Context, cfg workloads.IndexConfig) error
	// Load makes the built index searchable.
	Load(ctx context.Context) error
	// Search runs one request (len(req.Vectors) queries).
	Search(ctx context.Context, req SearchRequest) (SearchResult, error)
	// Release unloads the collection; DropIndex removes every field's
	// index, keeping the data.
	Release(ctx context.Context) error
	DropIndex(ctx context.Context) error
	// Drop removes the collection the harness created.
	Drop(ctx context.Context) error
	Close() error
}

// Optional capabilities. A target implements those it has; the harness
// checks for each with a type assertion and goes without where it is
// missing (each doc says how). Every one lives here, beside Target.

// Write operations a Writer applies.
const (
	OpInsert = "insert"
	OpDelete = "delete"
	OpUpsert = "upsert"
)

// Writer is implemented by targets that take writes while they are
// measured (load models mixed and ingest); without it a target can only
// take inserts (through Target.Insert), so delete and upsert streams are
// refused. Write applies one call of op
// (OpInsert, OpDelete or OpUpsert) to the rows ids; vecs holds their
// vectors for insert and upsert, nil for delete, and is only valid during
// the call. Write must be safe for concurrent use with Search and itself.
// One call is one attempt: errors come back classified (ClassifiedError)
// and are not retried inside, so the harness counts every attempt.
type Writer interface {
	Write(ctx context.Context, op string, ids []int64, vecs [][]float32) error
}

// FieldInserter is implemented by targets that store sparse and text
// fields (CollectionSpec.Fields); without it a target refuses workloads
// that have them. InsertFields inserts the rows ids (consecutive, in
// order) with their dense vectors (nil when the collection has no dense
// field) and one Column per sparse or text field, each holding len(ids)
// values; the slices are only valid during the call.
type FieldInserter interface {
	InsertFields(ctx context.Context, ids []int64, dense [][]float32, cols []Column) error
}

// MemoryReporter is implemented by targets that know the size of their
// index, recorded on each trial (index_memory_bytes).
type MemoryReporter interface {
	IndexMemoryBytes() int64
}

// NetworkProber is implemented by remote targets: ProbeNetwork makes the
// cheapest round trip the protocol has (e.g. a server-version call), so the
// runner can report the network floor beside search latency.
type NetworkProber interface {
	ProbeNetwork(ctx context.Context) error
}

// Preflighter is implemented by targets that can check, cheaply and before
// any dataset or ground-truth work, that the run's collection name is usable
// (e.g. not a collection someone else owns).
type Preflighter interface {
	Preflight(ctx context.Context, collection string) error
}

// Attacher is implemented by targets that can reuse a collection an
// earlier attempt of the same run created (resume): Attach returns the
// number of rows the collection marked with c.RunID holds, or 0 (and no
// error) when there is none to reuse. Without it a resumed run creates
// and fills its collection again.
type Attacher interface {
	Attach(ctx context.Context, c CollectionSpec) (rows int, err error)
}

// Joiner is implemented by targets whose collection several generator
// processes can share (scale-out). Join attaches to the collection c
// names, which must carry the marker of run c.RunID and hold a built index
// of cfg's type, and waits, for at most wait, until it is loaded; it
// returns the rows the collection holds. A joined target searches only: it
// never builds, releases or drops. Without it a target cannot run shards.
type Joiner interface {
	Join(ctx context.Context, c CollectionSpec, cfg IndexConfig, wait time.Duration) (rows int, err error)
}

// ReadOnlyAttacher is implemented by targets that can measure a
// collection someone else made without changing it (dataset.source:
// collection). AttachReadOnly attaches to the collection name as it is —
// it must be loaded and indexed; nothing is loaded for it — and from then
// on the target refuses every write (create, insert, build, load, release,
// drop, property changes). It returns the collection's shape, its index
// and its rows in primary-key order. Without it a target cannot measure
// an existing collection.
type ReadOnlyAttacher interface {
	AttachReadOnly(ctx context.Context, name string) (AttachedCollection, error)
}

// AttachedCollection describes an existing collection a run measures
// read-only.
type AttachedCollection struct {
	Rows, Dim int
	Metric    workloads.Metric
	// Index is the collection's index as the server describes it (type,
	// and its build parameters).
	Index workloads.IndexConfig
	// Base streams the collection's vectors in primary-key order.
	Base datasets.KeyedBase
}

// SignalSource is implemented by targets that can report the server's own
// view: its health and, when configured, a scrape of its metrics (see
// ServerSignals). Signals is called before the trials and, by the trial
// routine, at the start of every trial's measured window, every
// load.interval and at its end; it must bound its own time and be safe
// for concurrent use. Without it trials carry no server samples.
type SignalSource interface {
	Signals(ctx context.Context) ServerSignals
}

// ScalarIndexer builds scalar indexes on payload fields (field → index
// type, "" none) with the next BuildIndex; DropIndex drops them with the
// vector index. Without it a plan with scalar indexes is refused.
type ScalarIndexer interface {
	SetScalarIndexes(map[string]string)
}

// TargetInfo is the provenance of a target; it never holds credentials.
type TargetInfo struct {
	Kind       string            `json:"kind"`
	Version    string            `json:"version"`
	SDKVersion string            `json:"sdk_version,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

// CollectionSpec describes the collection a run creates.
type CollectionSpec struct {
	Name   string
	Dim    int
	Metric workloads.Metric
	RunID  string
	// Rows is the number of rows the run will insert (a capacity hint).
	Rows int
	// Labels, when set, are stored with each row (computed from its id) so
	// searches can filter on them.
	Labels *datasets.Labels
	// Payload, when set, holds every row's scalar fields (row id i is
	// payload row i), stored with the rows for expression filters.
	Payload *datasets.Payload
	// Tenancy, when set, puts the rows behind tenants (the payload's
	// tenant field) and Layout is how this collection keeps them apart:
	// a partition key, a partition or a collection per tenant. Requests
	// for a tenant carry a Filter with Tenanted set.
	Tenancy *workloads.TenancySpec
	Layout  string
	// Fields, when set, are the collection's vector and text fields, in
	// the workload's order (a workload with sparse or text fields; see
	// FieldInserter). Empty means today's one dense field; Dim is 0 when
	// the collection has no dense field.
	Fields []CollectionField
	// VectorType is the dense field's element type (workloads.VectorFloat16,
	// VectorBFloat16, VectorInt8); "" or VectorFloat: FLOAT_VECTOR.
	VectorType string
}

// SearchRequest is one search call carrying len(Vectors) queries (for
// kind ann; the other kinds carry theirs in Sparse, Texts or Subs).
type SearchRequest struct {
	Vectors [][]float32
	TopK    int
	Params  workloads.Params
	// Filter restricts results to rows it allows (nil: no filter). Remote
	// targets send Filter.Expr; in-process ones may call Filter.Allow.
	Filter *datasets.Filter
	// OutputFields are fetched with each hit; targets without stored
	// fields ignore them.
	OutputFields []string
	// Strong asks the target to answer over every write acknowledged
	// before the request (Milvus's strong consistency) instead of its
	// configured level; recall checkpoints of the mixed model use it.
	// Targets whose writes are visible at once ignore it.
	Strong bool
	// Kind is the request's search kind ("" or workloads.KindANN: dense
	// top-k on the dense field) and Field the field a single-field kind
	// searches ("" for an ann request of a one-field collection).
	Kind  string
	Field string
	// Sparse holds the queries of a sparse request, Texts those of a
	// bm25 request (the text field's BM25 output is searched with metric
	// BM25; Params go to its index).
	Sparse []sparse.Vector
	Texts  []string
	// Hybrid is a hybrid request's sub-requests and ranker; Subs[i] holds
	// the queries of Hybrid.Requests[i] (by its kind), whose Params are
	// that sub-request's search parameters. TopK is the fused limit.
	Hybrid *workloads.HybridPoint
	Subs   []SubQueries
	// Range and Group are a range or group request's parameters (kinds
	// range and group, on the dense field: Vectors are its queries). A
	// range request returns at most TopK hits in range, closest first; a
	// group request TopK groups of up to Group.GroupSize hits each, the
	// groups by their best hit.
	Range *workloads.RangePoint
	Group *workloads.GroupPoint
	// Iterator is an iterator request's batch size and limit (kind
	// iterator, on the dense field: Vectors holds its one query). The
	// target iterates until Limit results or the end and returns them all
	// in the order the batches came, with IterStats.
	Iterator *workloads.IteratorPoint
}

// SearchResult holds, per query, the ids found, closest first.
type SearchResult struct {
	IDs [][]int64
	// Iter describes an iterator request's iteration (nil otherwise).
	Iter *IterStats
}

// Error classes, as reported per trial.
const (
	ClassRateLimited = "rate_limited"
	ClassQuota       = "quota"
	ClassTimeout     = "timeout"
	ClassUnavailable = "unavailable"
	// ClassAuth: the server refused the credentials or the permission.
	// Never retried: the same token fails the same way.
	ClassAuth  = "auth"
	ClassOther = "other"
)

// ClassifiedError is implemented by target errors that know their class.
type ClassifiedError interface {
	error
	ErrorClass() string
}

// Classify returns the class of err for the error counts.
func Classify(err error) string {
	var ce ClassifiedError
	switch {
	case errors.As(err, &ce):
		return ce.ErrorClass()
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	}
	return ClassOther
}
