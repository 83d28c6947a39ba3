// Package milvus is the Milvus / Zilliz Cloud target, over the official Go
// SDK (github.com/milvus-io/milvus/client/v2).
//
// Measured calls are honest: the SDK's internal retry (6 attempts on
// Unavailable/ResourceExhausted) is switched off for every call, so each
// search attempt is one request the harness records; setup calls (create,
// insert, flush, index, load) get the harness's own bounded retry instead.
package milvus

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	grpc_retry "github.com/grpc-ecosystem/go-grpc-middleware/retry"
	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/grpc"
)

// Field and index names of the collections milvbench creates.
const (
	FieldID       = "id"
	FieldVector   = "vec"
	FieldLabel    = "label"    // int64 label (datasets.Labels.Int), when the dataset has labels
	FieldCategory = "category" // varchar label (datasets.Labels.Category)
	IndexName     = "milvbench_vec"
)

// Ownership marker: collection properties set on every collection the
// harness creates. Without them a collection is foreign and untouchable.
const (
	PropOwner = "milvbench.owner"
	PropRunID = "milvbench.run_id"
	OwnerName = "milvbench"
)

// sdkModule is the SDK's module path, for provenance.
const sdkModule = "github.com/milvus-io/milvus/client/v2"

// Config says how to reach the server. Token is never logged or recorded.
type Config struct {
	URI   string
	Token string
	// CAFile is a PEM file of the CA certificates to trust for an https://
	// URI instead of the system's; ServerName overrides the name the
	// server's certificate must hold (default: the URI's host).
	CAFile         string
	ServerName     string
	DB             string
	Connections    int
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
	// BuildTimeout bounds waiting for an index build (default 2h).
	BuildTimeout time.Duration
	Consistency  string
	// AllowForeign names a collection without the milvbench marker that the
	// user explicitly allows the harness to drop and recreate.
	AllowForeign string
	// MetricsURL, when set, is the server's Prometheus endpoint (Milvus
	// serves http://HOST:9091/metrics), scraped with every server signal.
	MetricsURL string
	// SetupRetries bounds the harness's retries of setup calls (default 5).
	SetupRetries int
	// Log receives one line per notable event (e.g. an old run's collection
	// dropped); nil discards.
	Log func(format string, args ...any)
	// DialOptions are extra gRPC options for every connection (e.g. a
	// stats handler that counts attempts).
	DialOptions []grpc.DialOption
	// ConnectionsFrom says where Connections came from (the workload's
	// target.connections, or the harness's default rule); Describe shows it
	// beside the count.
	ConnectionsFrom string
}

// ConfigFrom builds a Config from a workload's target section; token_file is
// read here so the token never passes through the workload encoding.
func ConfigFrom(t workloads.TargetSpec) (Config, error) {
	cfg := Config{
		URI: t.URI, Token: t.Token, CAFile: workloads.ExpandHome(t.CAFile), ServerName: t.ServerName, DB: t.DB, Connections: t.Connections,
		ConnectTimeout: t.ConnectTimeout.D(), RequestTimeout: t.RequestTimeout.D(), BuildTimeout: t.BuildTimeout.D(),
		Consistency: t.Consistency, MetricsURL: t.MetricsURL,
	}
	if t.TokenFile != "" {
		b, err := os.ReadFile(workloads.ExpandHome(t.TokenFile))
		if err != nil {
			return cfg, fmt.Errorf("target.token_file: %w", err)
		}
		cfg.Token = strings.TrimSpace(string(b))
		if !workloads.PlausibleAPIKey(cfg.Token) {
			return cfg, fmt.Errorf("target.token_file: %s does not hold one token (it is empty, or has several words or control characters; a token is an API key or user:password)", t.TokenFile)
		}
	}
	return cfg, nil
}

// Target implements bench.Target against a Milvus server.
type Target struct {
	cfg           Config
	liteRangeNote sync.Once // the note on Lite's range and grouping search, logged once
	clients       []*milvusclient.Client
	next          atomic.Uint64
	serverVersion string
	consistency   entity.ConsistencyLevel
	coll          string
	runID         string
	metric        workloads.Metric
	labels        *datasets.Labels
	// iter is the collection id and iterator path iterations share.
	iter iterInfo
	// payload holds the rows' scalar fields (dataset.payload).
	payload *datasets.Payload
	// tenancy and layout: the collection's tenants (see CollectionSpec).
	tenancy *workloads.TenancySpec
	layout  string
	// scalar are the scalar indexes the next build makes (see
	// SetScalarIndexes).
	scalar map[string]string
	// tenantColls are the tenants' collections in the collections layout
	// (see tenants.go).
	tenantColls []*Target
	created     bool
	tlsOpt      grpc.DialOption // nil for plaintext
	// noHealth records that the server does not implement CheckHealth.
	noHealth atomic.Bool
	// vectorType is the vector field's element type: "" (FLOAT_VECTOR),
	// workloads.VectorFloat16 or VectorBFloat16.
	vectorType string
	// vecField is the vector field searched: FieldVector in milvbench's
	// collections, the attached collection's own otherwise.
	vecField string
	// readOnly is set once an existing collection is attached read-only
	// (AttachReadOnly): every write is refused from then on.
	readOnly bool
	// fields are the collection's fields when it has sparse or text ones
	// (bench.CollectionSpec.Fields; empty for today's one dense field),
	// and dim the dense field's dimension.
	fields []bench.CollectionField
	dim    int
}

var consistencyLevels = map[string]entity.ConsistencyLevel{
	"strong":     entity.ClStrong,
	"bounded":    entity.ClBounded,
	"session":    entity.ClSession,
	"eventually": entity.ClEventually,
}

var _ bench.Writer = (*Target)(nil)

// New connects cfg.Connections gRPC connections (at least one) and reads the
// server version. A server that does not answer within ConnectTimeout is a
// one-line error naming the address; so is a TLS mismatch (untrusted
// certificate, plaintext address for a TLS server) and refused credentials
// (classified bench.ClassAuth).
func New(ctx context.Context, cfg Config) (*Target, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.BuildTimeout <= 0 {
		cfg.BuildTimeout = 2 * time.Hour
	}
	if cfg.Consistency == "" {
		cfg.Consistency = "bounded"
	}
	if cfg.SetupRetries <= 0 {
		cfg.SetupRetries = 5
	}
	cl, ok := consistencyLevels[cfg.Consistency]
	if !ok {
		return nil, fmt.Errorf("milvus: consistency %q is not one of strong, bounded, session, eventually", cfg.Consistency)
	}
	tlsOpt, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	t := &Target{cfg: cfg, consistency: cl, tlsOpt: tlsOpt, vecField: FieldVector}
	n := max(cfg.Connections, 1)
	for range n {
		c, err := t.dial(ctx)
		if err != nil {
			t.Close()
			return nil, err
		}
		t.clients = append(t.clients, c)
	}
	vctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
	defer cancel()
	v, err := t.clients[0].GetServerVersion(vctx, milvusclient.NewGetServerVersionOption())
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("milvus: %s: server version: %w", redact(cfg.URI), err)
	}
	t.serverVersion = v
	return t, nil
}

func (t *Target) dial(ctx context.Context) (*milvusclient.Client, error) {
	opts := append([]grpc.DialOption{}, milvusclient.DefaultGrpcOpts...)
	// Every attempt is a request the harness sees: no hidden SDK retries.
	opts = append(opts, grpc.WithDefaultCallOptions(grpc_retry.Disable()))
	// A refused connection is final: fail at once rather than retrying it
	// until the connect timeout (the SDK dials with WithBlock, which this
	// option applies to). Addresses that do not answer still get the timeout.
	// So is a TLS handshake failure no retry can fix (see failFast).
	// (Deprecated for grpc.NewClient, but the SDK dials with grpc.DialContext.)
	opts = append(opts, grpc.FailOnNonTempDialError(true))
	if t.tlsOpt != nil {
		opts = append(opts, t.tlsOpt) // after the SDK's own TLS option, so it wins
	}
	opts = append(opts, t.cfg.DialOptions...)
	dctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout)
	defer cancel()
	probe := startTLSProbe(dctx, t.cfg.URI, cancel)
	c, err := milvusclient.New(dctx, &milvusclient.ClientConfig{
		Address:     t.cfg.URI,
		APIKey:      t.cfg.Token,
		DBName:      t.cfg.DB,
		DialOptions: opts,
	})
	speaksTLS := probe()
	if err != nil {
		if hint := dialHint(t.cfg.URI, err, speaksTLS); hint != "" {
			return nil, fmt.Errorf("milvus: cannot connect to %s: %s", redact(t.cfg.URI), hint)
		}
		if classify(err) == bench.ClassAuth {
			return nil, &classifiedError{class: bench.ClassAuth, err: fmt.Errorf("milvus: cannot connect to %s: the server refused the credentials (%s): check target.token (user:password or API key), token_file or MILVUS_TOKEN",
				redact(t.cfg.URI), oneLine(err))}
		}
		const hint = "(is the server running and the address right?)"
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("milvus: cannot connect to %s within %s %s", redact(t.cfg.URI), t.cfg.ConnectTimeout, hint)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("milvus: cannot connect to %s: connection refused %s", redact(t.cfg.URI), hint)
		}
		return nil, fmt.Errorf("milvus: cannot connect to %s: %w", redact(t.cfg.URI), err)
	}
	return c, nil
}

// redact returns the address without any credentials or query.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return uri
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

func (t *Target) client() *milvusclient.Client {
	return t.clients[t.next.Add(1)%uint64(len(t.clients))]
}

func (t *Target) logf(format string, args ...any) {
	if t.cfg.Log != nil {
		t.cfg.Log(format, args...)
	}
}

// setup runs a setup call with a timeout per attempt and the harness's
// bounded exponential backoff on rate-limited or unavailable errors.
func (t *Target) setup(ctx context.Context, what string, timeout time.Duration, fn func(ctx context.Context) error) error {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		class := classify(err)
		if !bench.Retryable(class) || attempt >= t.cfg.SetupRetries || ctx.Err() != nil {
			return fmt.Errorf("milvus: %s: %w", what, wrap(err))
		}
		t.logf("milvus: %s: %s (%s), retry %d/%d in %s", what, err, class, attempt, t.cfg.SetupRetries-1, backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// Describe implements bench.Target.
func (t *Target) Describe(context.Context) (bench.TargetInfo, error) {
	u := redact(t.cfg.URI)
	tls := usesTLS(t.cfg.URI)
	token := "none"
	if t.cfg.Token != "" {
		token = "set"
	}
	db := t.cfg.DB
	if db == "" {
		db = "default" // what Milvus uses when none is named
	}
	details := map[string]string{
		"uri":         u,
		"tls":         strconv.FormatBool(tls),
		"db":          db,
		"connections": strconv.Itoa(len(t.clients)),
		"consistency": t.cfg.Consistency,
		"token":       token,
		"sdk_retry":   "disabled (every attempt measured)",
	}
	if t.cfg.ConnectionsFrom != "" {
		details["connections"] += " (" + t.cfg.ConnectionsFrom + ")"
	}
	if tls {
		details["ca"] = "system roots"
		if t.cfg.CAFile != "" {
			details["ca"] = t.cfg.CAFile
		}
		if t.cfg.ServerName != "" {
			details["server_name"] = t.cfg.ServerName
		}
	}
	return bench.TargetInfo{
		Kind:       "milvus",
		Version:    t.serverVersion,
		SDKVersion: sdkModule + " " + sdkVersion(),
		Details:    details,
	}, nil
}

func sdkVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == sdkModule {
				return d.Version
			}
		}
	}
	return "unknown"
}

// CheckIndex implements bench.Target: Milvus builds every workload index
// type; Milvus Lite only the exhaustive form of SPARSE_INVERTED_INDEX
// (checkLiteSparse).
func (t *Target) CheckIndex(cfg workloads.IndexConfig) error {
	if t.isLite() {
		return checkLiteSparse(cfg)
	}
	return checkServerVersion(cfg, t.serverVersion)
}

// indexSince is the first Milvus release that builds each index type
// newer than 2.3 (the release notes of 2.4, 2.5 and 2.6).
var indexSince = map[string][2]int{
	"HNSW_SQ": {2, 6}, "HNSW_PQ": {2, 6}, "HNSW_PRQ": {2, 6}, "IVF_RABITQ": {2, 6},
	workloads.IndexSparseInverted: {2, 4},
}

// vectorSince is the first Milvus release with each 16-bit vector field
// (2.3's float16 was a preview: FLAT over it answered recall 0.03 on
// 2.3.5; bfloat16 it cannot marshal).
var vectorSince = map[string][2]int{workloads.VectorFloat16: {2, 4}, workloads.VectorBFloat16: {2, 4}}

// checkServerVersion refuses, in one line, an index type the server's
// release predates (a version it cannot parse is let through: the first
// request will say).
func checkServerVersion(cfg workloads.IndexConfig, version string) error {
	return checkReleaseFor(cfg.Type, indexSince[cfg.Type], version)
}

// checkReleaseFor refuses what needs release need ({0, 0}: any) on a
// server of version.
func checkReleaseFor(what string, need [2]int, version string) error {
	if need == [2]int{} || strings.HasPrefix(version, "milvus_lite") {
		return nil
	}
	if ok, known := releaseAtLeast(version, need); known && !ok {
		return fmt.Errorf("milvus: %s needs Milvus %d.%d or later; this server is %s", what, need[0], need[1], version)
	}
	return nil
}

// releaseAtLeast reports whether a server version ("v2.3.5-lite",
// "2.6.3") is release need or later; known is false for a version it
// cannot read (Milvus Lite's "milvus_lite-3.2.2" among them).
func releaseAtLeast(version string, need [2]int) (ok, known bool) {
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(version, "v"), "%d.%d", &major, &minor); err != nil {
		return false, false
	}
	return major > need[0] || (major == need[0] && minor >= need[1]), true
}

// Create implements bench.Target. An existing collection of that name is
// dropped and recreated only if it carries the milvbench marker (or the user
// named it in AllowForeign); otherwise the run is refused.
func (t *Target) Create(ctx context.Context, c bench.CollectionSpec) error {
	if t.readOnly {
		return errReadOnly(t.coll, "create a collection")
	}
	vecType, err := vectorFieldType(c)
	if err != nil {
		return err
	}
	if err := checkReleaseFor(c.VectorType+" vectors", vectorSince[c.VectorType], t.serverVersion); err != nil {
		return err
	}
	cl := t.clients[0]
	t.coll, t.runID, t.metric, t.labels, t.payload = c.Name, c.RunID, c.Metric, c.Labels, c.Payload
	t.iter.mu.Lock()
	t.iter.coll = "" // a new collection: its id and iterator path are found again
	t.iter.mu.Unlock()
	t.tenancy, t.layout = c.Tenancy, c.Layout
	t.setFields(c)
	if t.collectionsLayout() {
		return t.createTenantCollections(ctx, c)
	}
	var has bool
	err = t.setup(ctx, "has collection "+c.Name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		has, err = cl.HasCollection(ctx, milvusclient.NewHasCollectionOption(c.Name))
		return err
	})
	if err != nil {
		return err
	}
	if has {
		owned, err := t.owned(ctx, c.Name)
		if err != nil {
			return err
		}
		switch {
		case owned != "":
			t.logf("milvus: dropping collection %s left by milvbench run %s", c.Name, owned)
		case t.cfg.AllowForeign == c.Name:
			t.logf("milvus: dropping foreign collection %s as allowed by --allow-foreign", c.Name)
		default:
			return foreignError(c.Name)
		}
		if err := t.setup(ctx, "drop collection "+c.Name, t.cfg.RequestTimeout, func(ctx context.Context) error {
			return cl.DropCollection(ctx, milvusclient.NewDropCollectionOption(c.Name))
		}); err != nil {
			return err
		}
	}
	schema := entity.NewSchema().WithName(c.Name).
		WithField(entity.NewField().WithName(FieldID).WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName(FieldVector).WithDataType(vecType).WithDim(int64(c.Dim)))
	if c.Labels != nil {
		schema.WithField(entity.NewField().WithName(FieldLabel).WithDataType(entity.FieldTypeInt64)).
			WithField(entity.NewField().WithName(FieldCategory).WithDataType(entity.FieldTypeVarChar).WithMaxLength(16))
	}
	if c.Payload != nil {
		schema = payloadFields(schema, c.Payload, c.Tenancy != nil && c.Layout == workloads.LayoutPartitionKey)
	}
	if len(c.Fields) > 0 {
		if schema, err = fieldsSchema(c, t.isLite()); err != nil {
			return err
		}
		t.noteAnalyzers(c.Fields)
	}
	err = t.setup(ctx, "create collection "+c.Name, t.cfg.RequestTimeout, func(ctx context.Context) error {
		opt := milvusclient.NewCreateCollectionOption(c.Name, schema).
			WithProperty(PropOwner, OwnerName).WithProperty(PropRunID, c.RunID)
		if c.Tenancy != nil && c.Layout == workloads.LayoutPartitionKey {
			opt = opt.WithNumPartitions(int64(c.Tenancy.NumPartitions))
		}
		return cl.CreateCollection(ctx, opt)
	})
	if err != nil {
		return err
	}
	t.created = true
	return t.createPartitions(ctx)
}

// Preflight implements bench.Preflighter: before any expensive work it
// checks that the run's collection, if it exists, is one milvbench may
// replace (marked as milvbench's, or named by AllowForeign).
func (t *Target) Preflight(ctx context.Context, name string) error {
	var has bool
	err := t.setup(ctx, "has collection "+name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		has, err = t.clients[0].HasCollection(ctx, milvusclient.NewHasCollectionOption(name))
		return err
	})
	if err != nil || !has {
		return err
	}
	owner, err := t.owned(ctx, name)
	if err != nil {
		return err
	}
	if owner == "" && t.cfg.AllowForeign != name {
		return foreignError(name)
	}
	return nil
}

func foreignError(name string) error {
	return fmt.Errorf("milvus: collection %q exists and was not created by milvbench (no %s property); refusing to write to or drop it: set target.collection to another name, or pass --allow-foreign %s to drop and recreate it",
		name, PropOwner, name)
}

// Attach implements bench.Attacher: on resume, a collection marked with
// this run's id is reused; it returns the rows it holds (0: none to reuse).
func (t *Target) Attach(ctx context.Context, c bench.CollectionSpec) (int, error) {
	cl := t.clients[0]
	var has bool
	err := t.setup(ctx, "has collection "+c.Name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		has, err = cl.HasCollection(ctx, milvusclient.NewHasCollectionOption(c.Name))
		return err
	})
	if err != nil || !has {
		return 0, err
	}
	owner, err := t.owned(ctx, c.Name)
	if err != nil || owner != c.RunID {
		return 0, err
	}
	rows, err := t.rowCount(ctx, cl, c.Name)
	if err != nil {
		return 0, err
	}
	t.coll, t.runID, t.metric, t.labels, t.payload, t.created = c.Name, c.RunID, c.Metric, c.Labels, c.Payload, true
	t.tenancy, t.layout = c.Tenancy, c.Layout
	t.setFields(c)
	return rows, nil
}

// owned returns the run id of the milvbench run that created coll, or "" if
// it has no marker.
func (t *Target) owned(ctx context.Context, coll string) (string, error) {
	var desc *entity.Collection
	err := t.setup(ctx, "describe collection "+coll, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		desc, err = t.clients[0].DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(coll))
		return err
	})
	if err != nil {
		return "", err
	}
	if desc.Properties[PropOwner] != OwnerName {
		return "", nil
	}
	if id := desc.Properties[PropRunID]; id != "" {
		return id, nil
	}
	return "(unknown)", nil
}

// mustOwn re-checks the marker before a destructive call.
func (t *Target) mustOwn(ctx context.Context) error {
	if !t.created {
		return fmt.Errorf("milvus: collection %q was not created by this run", t.coll)
	}
	owner, err := t.owned(ctx, t.coll)
	if err != nil {
		return err
	}
	if owner != t.runID {
		return fmt.Errorf("milvus: collection %q is no longer marked as this run's (%s=%q); refusing to modify it", t.coll, PropRunID, owner)
	}
	return nil
}

// Insert implements bench.Target: one call with the harness's setup
// retries (inserts before measurement; see Write for measured ones).
func (t *Target) Insert(ctx context.Context, ids []int64, vecs [][]float32) error {
	if t.readOnly {
		return errReadOnly(t.coll, "insert")
	}
	if !t.created {
		return fmt.Errorf("milvus: insert into %q refused: the collection was not created by this run", t.coll)
	}
	if len(t.fields) > 0 {
		return fmt.Errorf("milvus: collection %q has sparse or text fields; rows go through InsertFields", t.coll)
	}
	switch t.tenantLayout() {
	case workloads.LayoutPartitions:
		return t.insertPartitions(ctx, ids, vecs)
	case workloads.LayoutCollections:
		return t.insertTenants(ctx, ids, vecs)
	}
	opt, err := t.rows(ids, vecs)
	if err != nil {
		return err
	}
	return t.setup(ctx, fmt.Sprintf("insert %d rows into %s", len(ids), t.coll), t.cfg.RequestTimeout, func(ctx context.Context) error {
		_, err := t.client().Insert(ctx, opt)
		return err
	})
}

// rowData is column-based row data, sent by Insert and Upsert alike.
type rowData interface {
	milvusclient.InsertOption
	milvusclient.UpsertOption
}

// rows renders rows as the column-based data of an insert or upsert.
func (t *Target) rows(ids []int64, vecs [][]float32) (rowData, error) {
	return t.rowsIn(ids, vecs, "")
}

// rowsIn is rows for partition ("": the default).
func (t *Target) rowsIn(ids []int64, vecs [][]float32, partition string) (rowData, error) {
	dim := 0
	if len(vecs) > 0 {
		dim = len(vecs[0])
	}
	opt := milvusclient.NewColumnBasedInsertOption(t.coll).WithInt64Column(FieldID, ids)
	switch t.vectorType {
	case workloads.VectorFloat16:
		opt.WithColumns(column.NewColumnFloat16Vector(FieldVector, dim, halfBytes(vecs, datasets.Float16Bits)))
	case workloads.VectorBFloat16:
		opt.WithColumns(column.NewColumnBFloat16Vector(FieldVector, dim, halfBytes(vecs, datasets.BFloat16Bits)))
	case workloads.VectorBinary:
		packed := make([][]byte, len(vecs))
		for i, v := range vecs {
			packed[i] = datasets.PackBytes(v)
		}
		opt.WithColumns(column.NewColumnBinaryVector(FieldVector, dim, packed))
	default:
		opt.WithFloatVectorColumn(FieldVector, dim, vecs)
	}
	if t.labels != nil {
		labels, cats := make([]int64, len(ids)), make([]string, len(ids))
		for i, id := range ids {
			labels[i], cats[i] = t.labels.Int(id), t.labels.Category(id)
		}
		opt.WithInt64Column(FieldLabel, labels).WithVarcharColumn(FieldCategory, cats)
	}
	if t.payload != nil {
		cols, err := payloadColumns(t.payload, ids)
		if err != nil {
			return nil, err
		}
		opt.WithColumns(cols...)
	}
	if partition != "" {
		opt.WithPartition(partition)
	}
	return opt, nil
}

// Write implements bench.Writer: one Insert, Delete (by primary key) or
// Upsert call, one attempt within the request timeout, its error
// classified. Only the run's own collection is written to.
func (t *Target) Write(ctx context.Context, op string, ids []int64, vecs [][]float32) error {
	if t.readOnly {
		return errReadOnly(t.coll, "write")
	}
	if !t.created {
		return fmt.Errorf("milvus: %s on %q refused: the collection was not created by this run", op, t.coll)
	}
	if len(t.fields) > 0 {
		return fmt.Errorf("milvus: %s on %q refused: measured writes go to dense-only collections", op, t.coll)
	}
	wctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	var err error
	switch op {
	case bench.OpInsert, bench.OpUpsert:
		var opt rowData
		if opt, err = t.rows(ids, vecs); err != nil {
			return err
		}
		if op == bench.OpInsert {
			_, err = t.client().Insert(wctx, opt)
		} else {
			_, err = t.client().Upsert(wctx, opt)
		}
	case bench.OpDelete:
		_, err = t.client().Delete(wctx, milvusclient.NewDeleteOption(t.coll).WithInt64IDs(FieldID, ids))
	default:
		return fmt.Errorf("milvus: unknown write %q", op)
	}
	return wrap(err)
}

// Flush implements bench.Target: seals the inserted segments and waits.
func (t *Target) Flush(ctx context.Context) error {
	if t.readOnly {
		return errReadOnly(t.coll, "flush")
	}
	if t.collectionsLayout() {
		return t.eachTenant(func(sub *Target) error { return sub.Flush(ctx) })
	}
	return t.setup(ctx, "flush "+t.coll, time.Hour, func(ctx context.Context) error {
		task, err := t.clients[0].Flush(ctx, milvusclient.NewFlushOption(t.coll))
		if err != nil {
			return err
		}
		return task.Await(ctx)
	})
}

// indexParams renders an index config as Milvus index params. The build
// params are sent both as separate keys and as one JSON "params" string:
// servers read one form or the other (Milvus Lite only the JSON one).
func indexParams(cfg workloads.IndexConfig, metric workloads.Metric) map[string]string {
	p := map[string]string{
		index.IndexTypeKey:  cfg.Type,
		index.MetricTypeKey: string(metric),
	}
	keys := make([]string, 0, len(cfg.Build))
	for k := range cfg.Build {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p[k] = fmt.Sprint(cfg.Build[k])
	}
	if len(cfg.Build) > 0 {
		b, _ := json.Marshal(map[string]any(cfg.Build))
		p["params"] = string(b)
	}
	return p
}

// BuildIndex implements bench.Target: creates the index and waits until it is
// built.
func (t *Target) BuildIndex(ctx context.Context, cfg workloads.IndexConfig) error {
	if t.readOnly {
		return errReadOnly(t.coll, "build an index")
	}
	if t.collectionsLayout() {
		return t.eachTenant(func(sub *Target) error {
			sub.scalar = t.scalar
			return sub.BuildIndex(ctx, cfg)
		})
	}
	if err := t.mustOwn(ctx); err != nil {
		return err
	}
	field, name := FieldVector, IndexName
	var idx index.Index = index.NewGenericIndex(IndexName, indexParams(cfg, t.metric))
	if len(t.fields) > 0 {
		if t.isLite() {
			if err := checkLiteSparse(cfg); err != nil {
				return err
			}
		}
		var err error
		if field, idx, err = t.fieldIndex(cfg); err != nil {
			return err
		}
		name = fieldIndexName(field)
	}
	if err := t.scalarIndexes(ctx); err != nil {
		return err
	}
	// BuildTimeout, not RequestTimeout: Milvus Lite builds the index inside
	// the CreateIndex call (HNSW on 50k rows took over 30 s on a loaded
	// 2-core host), where a server answers at once and builds after.
	err := t.setup(ctx, "create index "+cfg.String(), t.cfg.BuildTimeout, func(ctx context.Context) error {
		// The SDK sends the index name only through WithIndexName.
		_, err := t.clients[0].CreateIndex(ctx, milvusclient.NewCreateIndexOption(t.coll, field, idx).WithIndexName(name))
		return err
	})
	if err != nil {
		return err
	}
	if len(t.fields) == 0 && !t.hasScalarIndexes() {
		field = "" // the collection's one index
	}
	return t.awaitIndex(ctx, cfg, field)
}

// awaitIndex polls until the index on field (the collection's one index
// when field is "") is built, for at most BuildTimeout. It does not use the
// SDK's Await, which waits for the index by name forever: Milvus Lite
// ignores the name and calls the index after its field.
func (t *Target) awaitIndex(ctx context.Context, cfg workloads.IndexConfig, field string) error {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.BuildTimeout)
	defer cancel()
	progress := "" // the rows indexed at the last look, for the timeout's words
	for {
		names, err := t.indexesOn(ctx, field)
		if err != nil {
			return err
		}
		if len(names) == 1 {
			var desc milvusclient.IndexDescription
			err := t.setup(ctx, "describe index "+names[0], t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
				desc, err = t.clients[0].DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(t.coll, names[0]))
				return err
			})
			if err != nil {
				return err
			}
			switch commonpb.IndexState(desc.State) {
			case commonpb.IndexState_Finished:
				return nil
			case commonpb.IndexState_Failed:
				return fmt.Errorf("milvus: building %s on %s failed (see the server log)", cfg, t.coll)
			}
			if desc.TotalRows > 0 {
				progress = fmt.Sprintf(" (%d of %d rows indexed at the last look; a server that keeps failing a build retries it and says so only in its log)", desc.IndexedRows, desc.TotalRows)
			}
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("milvus: %s on %s not built within %s (target.build_timeout)%s", cfg, t.coll, t.cfg.BuildTimeout, progress)
			}
			return ctx.Err()
		}
	}
}

// indexes lists the names of the indexes on the collection.
func (t *Target) indexes(ctx context.Context) ([]string, error) { return t.indexesOn(ctx, "") }

// indexesOn lists the names of the indexes on field ("": on any field).
func (t *Target) indexesOn(ctx context.Context, field string) ([]string, error) {
	var names []string
	opt := milvusclient.NewListIndexOption(t.coll)
	if field != "" {
		opt = opt.WithFieldName(field)
	}
	err := t.setup(ctx, "list indexes on "+t.coll, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		names, err = t.clients[0].ListIndexes(ctx, opt)
		if errors.Is(err, merr.ErrIndexNotFound) { // Milvus 2.3's answer for "none"
			names, err = nil, nil
		}
		return err
	})
	return names, err
}

// Load implements bench.Target; a collection with sparse or text fields
// also answers its first request per field and connection here
// (warmFields).
func (t *Target) Load(ctx context.Context) error {
	if t.readOnly {
		return errReadOnly(t.coll, "load")
	}
	if t.collectionsLayout() {
		return t.eachTenant(func(sub *Target) error { return sub.Load(ctx) })
	}
	err := t.setup(ctx, "load "+t.coll, 24*time.Hour, func(ctx context.Context) error {
		task, err := t.clients[0].LoadCollection(ctx, milvusclient.NewLoadCollectionOption(t.coll))
		if err != nil {
			return err
		}
		return task.Await(ctx)
	})
	if err != nil || len(t.fields) == 0 {
		return err
	}
	return t.warmFields(ctx)
}

// Search implements bench.Target. One call is one attempt: errors come back
// classified and are never retried here. Searches for ids only (the
// default) take the lean path of search.go; output fields go through the
// SDK's Search, which decodes them by the collection's schema.
func (t *Target) Search(ctx context.Context, req bench.SearchRequest) (bench.SearchResult, error) {
	if t.isLite() && ((req.Range != nil && req.Range.RangeFilter != nil) || req.Group != nil) {
		t.liteRangeNote.Do(func() {
			t.logf("milvus: Milvus Lite answers a ring (range_filter) or a grouping search from its nearest limit×5 rows (grouping: max(limit×group_size×3, limit×10)), not by range: rows in range or groups behind those are missed, which lowers recall; measure these kinds on a Milvus server (docs/search-kinds.md)")
		})
	}
	if req.Group != nil && strings.HasPrefix(t.serverVersion, "v2.3") {
		return bench.SearchResult{}, fmt.Errorf("milvus: grouping search (group_by_field) needs Milvus 2.4 or later; the server is %s", t.serverVersion)
	}
	if t.collectionsLayout() {
		return t.searchTenant(ctx, req)
	}
	switch req.Kind {
	case workloads.KindIterator:
		return t.searchIterator(ctx, req)
	case workloads.KindSparse, workloads.KindBM25:
		return t.searchField(ctx, req)
	case workloads.KindHybrid:
		return t.searchHybrid(ctx, req)
	}
	if req.Field != "" && req.Field != t.vecField { // a further dense field
		return t.searchField(ctx, req)
	}
	if len(req.OutputFields) == 0 {
		return t.searchIDs(ctx, req)
	}
	vecs := make([]entity.Vector, len(req.Vectors))
	for i, v := range req.Vectors {
		vecs[i] = typedVector(t.vectorType, v)
	}
	ann := index.NewCustomAnnParam()
	for k, v := range rangeParams(req) {
		ann.WithExtraParam(k, v)
	}
	level := t.consistency
	if req.Strong {
		level = entity.ClStrong
	}
	opt := milvusclient.NewSearchOption(t.coll, req.TopK, vecs).
		WithANNSField(t.vecField).WithConsistencyLevel(level).WithAnnParam(ann)
	if g := req.Group; g != nil {
		opt = opt.WithGroupByField(g.Field).WithGroupSize(g.GroupSize).WithStrictGroupSize(g.Strict)
	}
	if f := req.Filter; f != nil && f.Tenanted && t.tenantLayout() == workloads.LayoutPartitions {
		opt = opt.WithPartitions(partitionName(f.Tenant))
	} else if req.Filter != nil {
		opt = opt.WithFilter(req.Filter.Expr)
		if req.Filter.Hint != "" {
			opt = opt.WithSearchParam("hints", req.Filter.Hint)
		}
	}
	if len(req.OutputFields) > 0 {
		opt = opt.WithOutputFields(req.OutputFields...)
	}
	return t.search(ctx, opt)
}

// resultSetIDs reads the ids of the SDK's result sets, one per query.
func resultSetIDs(rs []milvusclient.ResultSet) (bench.SearchResult, error) {
	out := bench.SearchResult{IDs: make([][]int64, len(rs))}
	for i, r := range rs {
		if r.Err != nil {
			return bench.SearchResult{}, wrap(r.Err)
		}
		ids := make([]int64, r.ResultCount)
		for j := range ids {
			id, err := r.IDs.GetAsInt64(j)
			if err != nil {
				return bench.SearchResult{}, wrap(err)
			}
			ids[j] = id
		}
		out.IDs[i] = ids
	}
	return out, nil
}

// ProbeNetwork implements bench.NetworkProber: one GetServerVersion round
// trip, the cheapest RPC, on the connection searches would use next.
func (t *Target) ProbeNetwork(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	_, err := t.client().GetServerVersion(pctx, milvusclient.NewGetServerVersionOption())
	return wrap(err)
}

// Release implements bench.Target.
func (t *Target) Release(ctx context.Context) error {
	if t.readOnly {
		return errReadOnly(t.coll, "release")
	}
	if t.collectionsLayout() {
		return t.eachTenant(func(sub *Target) error { return sub.Release(ctx) })
	}
	return t.setup(ctx, "release "+t.coll, t.cfg.RequestTimeout, func(ctx context.Context) error {
		return t.clients[0].ReleaseCollection(ctx, milvusclient.NewReleaseCollectionOption(t.coll))
	})
}

// DropIndex implements bench.Target; the data stays for the next index.
func (t *Target) DropIndex(ctx context.Context) error {
	if t.readOnly {
		return errReadOnly(t.coll, "drop the index")
	}
	if t.collectionsLayout() {
		return t.eachTenant(func(sub *Target) error { return sub.DropIndex(ctx) })
	}
	if err := t.mustOwn(ctx); err != nil {
		return err
	}
	// Drop by the names the server reports (servers differ in how they name
	// the index), one at a time, listing again after each drop: Milvus
	// drops the index named, Milvus Lite every index when the name is not
	// one it resolves to a field. Then check none is left: a drop that
	// matches nothing succeeds silently, and the next build would fail or
	// measure the old one.
	names, err := t.indexes(ctx)
	if err != nil || len(names) == 0 {
		return err
	}
	for range len(names) {
		name := names[0]
		err := t.setup(ctx, "drop index "+name+" on "+t.coll, t.cfg.RequestTimeout, func(ctx context.Context) error {
			return t.clients[0].DropIndex(ctx, milvusclient.NewDropIndexOption(t.coll, name))
		})
		if err != nil {
			return err
		}
		if names, err = t.indexes(ctx); err != nil {
			return err
		}
		if len(names) == 0 {
			return nil
		}
	}
	return fmt.Errorf("milvus: index %v still exists on %s after dropping it", names, t.coll)
}

// Drop implements bench.Target: drops the collection after checking it is
// still this run's.
func (t *Target) Drop(ctx context.Context) error {
	if t.readOnly {
		return errReadOnly(t.coll, "drop")
	}
	if !t.created {
		return nil
	}
	if t.collectionsLayout() {
		err := t.eachTenant(func(sub *Target) error { return sub.Drop(ctx) })
		if err == nil {
			t.created, t.tenantColls = false, nil
		}
		return err
	}
	if err := t.mustOwn(ctx); err != nil {
		return err
	}
	err := t.setup(ctx, "drop collection "+t.coll, t.cfg.RequestTimeout, func(ctx context.Context) error {
		return t.clients[0].DropCollection(ctx, milvusclient.NewDropCollectionOption(t.coll))
	})
	if err == nil {
		t.created = false
	}
	return err
}

// Close implements bench.Target.
func (t *Target) Close() error {
	var errs []error
	for _, c := range t.clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, c.Close(ctx))
		cancel()
	}
	t.clients = nil
	return errors.Join(errs...)
}

// vectorFieldType is the type of the collection's vector field for c's
// vector type: FLOAT16 and BFLOAT16 vectors (Milvus 2.4+) and
// BINARY_VECTOR (dim bits) on a collection of one dense field; INT8 and
// typed vectors beside other fields are not sent yet.
func vectorFieldType(c bench.CollectionSpec) (entity.FieldType, error) {
	switch c.VectorType {
	case "", workloads.VectorFloat:
		return entity.FieldTypeFloatVector, nil
	case workloads.VectorFloat16, workloads.VectorBFloat16, workloads.VectorBinary:
		if len(c.Fields) > 0 {
			return 0, fmt.Errorf("milvus target: vector_type %s with sparse or text fields is not supported yet", c.VectorType)
		}
		switch c.VectorType {
		case workloads.VectorFloat16:
			return entity.FieldTypeFloat16Vector, nil
		case workloads.VectorBinary:
			return entity.FieldTypeBinaryVector, nil
		}
		return entity.FieldTypeBFloat16Vector, nil
	}
	return 0, fmt.Errorf("milvus target: vector_type %s is not supported yet (float, float16, bfloat16, binary)", c.VectorType)
}

// halfBytes renders rows as 16-bit floats (little-endian, bits from the
// dataset's rounding), the bytes of entity.Float16Vector and BFloat16Vector.
func halfBytes(vecs [][]float32, bits func(float32) uint16) [][]byte {
	out := make([][]byte, len(vecs))
	for i, v := range vecs {
		b := make([]byte, 0, 2*len(v))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, bits(x))
		}
		out[i] = b
	}
	return out
}

// typedVector is v as the SDK vector of a field of type vt.
func typedVector(vt string, v []float32) entity.Vector {
	switch vt {
	case workloads.VectorFloat16:
		return entity.Float16Vector(halfBytes([][]float32{v}, datasets.Float16Bits)[0])
	case workloads.VectorBFloat16:
		return entity.BFloat16Vector(halfBytes([][]float32{v}, datasets.BFloat16Bits)[0])
	case workloads.VectorBinary:
		return entity.BinaryVector(datasets.PackBytes(v))
	}
	return entity.FloatVector(v)
}
